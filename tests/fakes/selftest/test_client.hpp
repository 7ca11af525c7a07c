#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// A minimal HTTPS client for the fakes' own tests: trusts only the test CA, keeps no cookies.
namespace tests::fakes::selftest {

struct ClientResponse
{
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> set_cookies; // name, whole Set-Cookie value
  std::string body;

  [[nodiscard]] std::optional<std::string> header(const std::string& name) const;
  [[nodiscard]] std::optional<std::string> set_cookie(const std::string& name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection to 127.0.0.1:`port`; `target` is sent exactly as given.
ClientResponse request(std::uint16_t port, const std::string& method, const std::string& target,
                       const Headers& headers = {}, const std::string& body = {});

// The XHR headers the real client sends (idexx-neo.md 3), plus the session cookie.
Headers xhr(const std::string& session);

// GET /login, fill the form and POST it. Returns the POST's response.
ClientResponse login(std::uint16_t port, const std::string& company_id, const std::string& username,
                     const std::string& password);
// The neo_session value set by `response`, if any.
std::optional<std::string> session_of(const ClientResponse& response);
// The hidden _token of a login page.
std::string login_token(const std::string& page);
// application/x-www-form-urlencoded value.
std::string form_encode(const std::string& value);

} // namespace tests::fakes::selftest
