#include "tests/fakes/selftest/test_client.hpp"

#include "tests/fakes/fake_http_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <mutex>
#include <regex>
#include <stdexcept>

namespace tests::fakes::selftest {

namespace {

Poco::Net::Context::Ptr client_context()
{
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                                     test_ca_dir() + "/ca.pem", Poco::Net::Context::VERIFY_RELAXED);
    // Explicit, so SSLManager never falls back to Poco::Util::Application configuration.
    Poco::Net::SSLManager::instance().initializeClient(
        nullptr, new Poco::Net::RejectCertificateHandler(false), context);
  });
  return context;
}

} // namespace

std::optional<std::string> ClientResponse::header(const std::string& name) const
{
  for (const auto& [key, value] : headers) {
    if (Poco::icompare(key, name) == 0)
      return value;
  }
  return std::nullopt;
}

std::optional<std::string> ClientResponse::set_cookie(const std::string& name) const
{
  for (const auto& [key, value] : set_cookies) {
    if (key == name)
      return value;
  }
  return std::nullopt;
}

ClientResponse request(std::uint16_t port, const std::string& method, const std::string& target,
                       const Headers& headers, const std::string& body)
{
  Poco::Net::HTTPSClientSession session("127.0.0.1", port, client_context());
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) {
    req.add(name, value);
  }
  if (!body.empty() || method == "POST") {
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(req) << body;
  Poco::Net::HTTPResponse resp;
  auto& stream = session.receiveResponse(resp);
  ClientResponse out;
  out.status = static_cast<int>(resp.getStatus());
  for (const auto& [name, value] : resp) {
    out.headers.emplace_back(name, value);
    if (Poco::icompare(name, "Set-Cookie") == 0) {
      out.set_cookies.emplace_back(value.substr(0, value.find('=')), value);
    }
  }
  Poco::StreamCopier::copyToString(stream, out.body);
  return out;
}

Headers xhr(const std::string& session)
{
  return {{"Accept", "application/json"},
          {"X-Requested-With", "XMLHttpRequest"},
          {"Cookie", "neo_session=" + session}};
}

std::string login_token(const std::string& page)
{
  static const std::regex pattern(R"re(name="_token" value="([^"]*)")re");
  std::smatch match;
  if (!std::regex_search(page, match, pattern)) {
    throw std::runtime_error("login page without _token");
  }
  return match[1];
}

std::string form_encode(const std::string& value)
{
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

ClientResponse login(std::uint16_t port, const std::string& company_id, const std::string& username,
                     const std::string& password)
{
  const auto page = request(port, "GET", "/login");
  std::string body = "_token=" + form_encode(login_token(page.body));
  if (page.body.find("name=\"company_id\"") != std::string::npos) {
    body += "&company_id=" + form_encode(company_id);
  }
  const auto user_field =
      page.body.find("name=\"email\"") != std::string::npos ? "email" : "username";
  body += std::string("&") + user_field + "=" + form_encode(username) +
          "&password=" + form_encode(password);
  return request(port, "POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}},
                 body);
}

std::optional<std::string> session_of(const ClientResponse& response)
{
  const auto cookie = response.set_cookie("neo_session");
  if (!cookie)
    return std::nullopt;
  const auto start = cookie->find('=') + 1;
  return cookie->substr(start, cookie->find(';') - start);
}

} // namespace tests::fakes::selftest
