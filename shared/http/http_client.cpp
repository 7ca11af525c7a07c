#include "shared/http/http_client.hpp"

#include "shared/core/errors.hpp"
#include "shared/logging/logger.hpp"
#include "shared/logging/redaction.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <mutex>

namespace shared::http {

namespace {

bool iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Path only, for messages and logs: the query may carry secrets.
std::string path_of(std::string_view target)
{
  const auto end = target.find_first_of("?#");
  return std::string(target.substr(0, end));
}

Poco::Timespan to_timespan(std::chrono::milliseconds ms)
{
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

void initialise_ssl_once(const Poco::Net::Context::Ptr& context)
{
  static std::once_flag once;
  std::call_once(once, [&] {
    Poco::Net::initializeSSL();
    // Set explicitly so SSLManager never falls back to Poco::Util::Application configuration
    // (toolchain.md 3.1): an untrusted certificate is always rejected.
    Poco::Net::SSLManager::InvalidCertificateHandlerPtr reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, context);
  });
}

std::atomic<bool> g_plain_http_warned{false};

} // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const
{
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const
{
  std::vector<std::string> out;
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      out.push_back(value);
    }
  }
  return out;
}

ParsedUrl parse_url(std::string_view url)
{
  const auto bad = [&](std::string_view why) {
    return ConfigError("URL '" + logging::redact_url(url) + "': " + std::string(why));
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    throw bad("no scheme");
  }
  ParsedUrl out;
  out.scheme = lower(url.substr(0, scheme_end));
  if (out.scheme != "https" && out.scheme != "http") {
    throw bad("scheme must be https");
  }
  const auto authority_start = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) {
    authority_end = url.size();
  }
  const auto authority = url.substr(authority_start, authority_end - authority_start);
  if (authority.find('@') != std::string_view::npos) {
    throw bad("user information in a URL is not supported");
  }
  std::string_view host_part = authority;
  std::string_view port_part;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      throw bad("unterminated IPv6 address");
    }
    host_part = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        throw bad("malformed host");
      }
      port_part = rest.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host_part = authority.substr(0, colon);
    port_part = authority.substr(colon + 1);
  }
  if (host_part.empty()) {
    throw bad("no host");
  }
  out.host = lower(host_part);
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port_part.empty()) {
    unsigned value = 0;
    const auto [end, error] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), value);
    if (error != std::errc{} || end != port_part.data() + port_part.size() || value == 0 ||
        value > 65535) {
      throw bad("bad port");
    }
    out.port = static_cast<unsigned short>(value);
  }
  std::string target(url.substr(authority_end));
  if (const auto hash = target.find('#'); hash != std::string::npos) {
    target.erase(hash);
  }
  if (target.empty() || target.front() == '?') {
    target.insert(0, "/");
  }
  out.target = std::move(target);
  return out;
}

bool is_loopback_host(std::string_view host)
{
  if (iequals(host, "localhost") || host == "::1") {
    return true;
  }
  // 127.0.0.0/8 in dotted-quad form.
  int parts = 0;
  std::size_t pos = 0;
  int first = -1;
  while (pos <= host.size()) {
    const auto dot = std::min(host.find('.', pos), host.size());
    const auto piece = host.substr(pos, dot - pos);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(piece.data(), piece.data() + piece.size(), value);
    if (piece.empty() || error != std::errc{} || end != piece.data() + piece.size() ||
        value > 255) {
      return false;
    }
    if (parts == 0) {
      first = static_cast<int>(value);
    }
    ++parts;
    pos = dot + 1;
  }
  return parts == 4 && first == 127;
}

struct HttpClient::Impl
{
  HttpClientConfig config;
  Poco::Net::Context::Ptr context;
  std::map<std::string, std::unique_ptr<Poco::Net::HTTPClientSession>> sessions;

  Poco::Net::HTTPClientSession& session_for(const ParsedUrl& url)
  {
    const auto key = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
    auto& slot = sessions[key];
    if (!slot) {
      if (url.scheme == "https") {
        slot = std::make_unique<Poco::Net::HTTPSClientSession>(url.host, url.port, context);
      } else {
        slot = std::make_unique<Poco::Net::HTTPClientSession>(url.host, url.port);
      }
      slot->setKeepAlive(true);
    }
    return *slot;
  }
};

HttpClient::HttpClient(HttpClientConfig config) : m_impl(std::make_unique<Impl>())
{
  if (!config.ca_file.empty() && !std::ifstream(config.ca_file).good()) {
    throw ConfigError("tls.ca_file: cannot read '" + config.ca_file + "'");
  }
  m_impl->config = std::move(config);
  try {
    // Certificates are always verified: VERIFY_RELAXED with a client context checks the chain
    // against the CA file (or the system store) and the host name against the certificate.
    m_impl->context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, m_impl->config.ca_file,
        Poco::Net::Context::VERIFY_RELAXED, 9, m_impl->config.ca_file.empty());
  } catch (const Poco::Exception& error) {
    throw ConfigError("tls.ca_file: cannot use '" + m_impl->config.ca_file +
                      "': " + error.displayText());
  }
  initialise_ssl_once(m_impl->context);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResponse HttpClient::send(const HttpRequest& request)
{
  const auto url = parse_url(request.url);
  const auto path = path_of(url.target);
  if (url.scheme == "http") {
    if (!is_loopback_host(url.host)) {
      throw ConfigError("plain http:// is accepted only for loopback hosts, not '" + url.host +
                        "'");
    }
    if (!g_plain_http_warned.exchange(true)) {
      logging::warn("http.plain_http_used", {{"host", url.host}});
    }
  }
  const auto describe = [&] { return request.method + " " + url.host + path; };
  const auto timeout = request.timeout.value_or(m_impl->config.request_timeout);
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + timeout;

  auto& session = m_impl->session_for(url);
  HttpResponse out;
  for (int attempt = 0;; ++attempt) {
    // A kept-alive connection may have been closed by the peer; Poco only tells us when we use it.
    const bool reused = session.connected();
    bool response_started = false;
    try {
      session.setTimeout(to_timespan(m_impl->config.connect_timeout), to_timespan(timeout),
                         to_timespan(timeout));
      Poco::Net::HTTPRequest poco_request(request.method, url.target,
                                          Poco::Net::HTTPMessage::HTTP_1_1);
      poco_request.setKeepAlive(true);
      bool has_agent = false;
      for (const auto& [name, value] : request.headers) {
        has_agent = has_agent || iequals(name, "User-Agent");
        poco_request.add(name, value);
      }
      if (!has_agent && !m_impl->config.user_agent.empty()) {
        poco_request.set("User-Agent", m_impl->config.user_agent);
      }
      if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
          request.method == "PATCH") {
        poco_request.setContentLength(static_cast<std::streamsize>(request.body.size()));
      }
      auto& body_out = session.sendRequest(poco_request);
      body_out << request.body;
      body_out.flush();

      Poco::Net::HTTPResponse poco_response;
      auto& body_in = session.receiveResponse(poco_response);
      response_started = true;
      body_in.exceptions(std::ios::badbit); // rethrow Poco's timeout/reset from the stream buffer
      out = HttpResponse{};
      out.status = static_cast<int>(poco_response.getStatus());
      for (const auto& [name, value] : poco_response) {
        out.headers.emplace_back(name, value);
      }
      char buffer[16384];
      while (body_in.read(buffer, sizeof buffer) || body_in.gcount() > 0) {
        out.body.append(buffer, static_cast<std::size_t>(body_in.gcount()));
        if (std::chrono::steady_clock::now() > deadline) {
          session.reset();
          throw TransientError(describe() + ": timed out reading the response");
        }
      }
      if (poco_response.hasContentLength() &&
          static_cast<std::int64_t>(out.body.size()) < poco_response.getContentLength64()) {
        session.reset();
        throw TransientError(describe() + ": response body cut short");
      }
      if (!poco_response.getKeepAlive()) {
        session.reset();
      }
      break;
    } catch (const shared::Error&) {
      throw;
    } catch (const Poco::Net::CertificateValidationException&) {
      session.reset();
      throw TlsVerificationError(describe() + ": server certificate rejected");
    } catch (const Poco::Net::SSLException& error) {
      session.reset();
      if (error.message().find("certificate verify failed") != std::string::npos) {
        throw TlsVerificationError(describe() + ": server certificate not trusted");
      }
      if (reused && !response_started && attempt == 0) {
        continue;
      }
      throw TransientError(describe() + ": TLS connection failed");
    } catch (const Poco::TimeoutException&) {
      session.reset();
      throw TransientError(describe() + ": timed out");
    } catch (const Poco::Net::ConnectionRefusedException&) {
      session.reset();
      throw TransientError(describe() + ": connection refused");
    } catch (const Poco::Net::NoMessageException&) {
      session.reset();
      if (reused && attempt == 0) {
        continue;
      }
      throw TransientError(describe() + ": connection closed before a response");
    } catch (const Poco::Exception& error) {
      session.reset();
      if (reused && !response_started && attempt == 0) {
        continue;
      }
      throw TransientError(describe() + ": " + error.name());
    } catch (const std::ios_base::failure&) {
      session.reset();
      throw TransientError(describe() + ": connection failed while reading the response");
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  logging::debug("http.request", {{"method", request.method},
                                  {"host", url.host},
                                  {"path", path},
                                  {"status", out.status},
                                  {"ms", static_cast<std::int64_t>(ms.count())}});
  return out;
}

} // namespace shared::http
