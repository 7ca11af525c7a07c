#pragma once

#include <string>
#include <string_view>

namespace shared::logging {

// `https://user:pw@host:443/path?token=x` -> `https://host:443/path`: no userinfo, no query.
std::string redact_url(std::string_view url);

// Drops the password from a libpq URI or key=value connection string.
std::string redact_conninfo(std::string_view conninfo);

} // namespace shared::logging
