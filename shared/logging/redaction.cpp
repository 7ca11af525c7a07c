#include "shared/logging/redaction.hpp"

#include <regex>

namespace shared::logging {

std::string redact_url(std::string_view url)
{
  std::string out(url);
  if (const auto query = out.find_first_of("?#"); query != std::string::npos) {
    out.erase(query);
  }
  const auto scheme_end = out.find("://");
  const auto authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto authority_end = out.find('/', authority_start);
  const auto at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  if (at != std::string::npos && at >= authority_start) {
    out.erase(authority_start, at + 1 - authority_start);
  }
  return out;
}

std::string redact_conninfo(std::string_view conninfo)
{
  if (conninfo.rfind("postgres://", 0) == 0 || conninfo.rfind("postgresql://", 0) == 0) {
    std::string out = redact_url(conninfo);
    return out;
  }
  static const std::regex password(R"((^|\s)password\s*=\s*('([^'\\]|\\.)*'|\S+))");
  return std::regex_replace(std::string(conninfo), password, "$1password=***");
}

} // namespace shared::logging
