#pragma once

#include "shared/core/errors.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shared::http {

// The server's certificate or host name did not verify against the configured CA. Not transient:
// a retry cannot help, and checks are never switched off (architecture.md, Decision 8).
class TlsVerificationError : public shared::Error
{
public:
  using shared::Error::Error;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest
{
  std::string method = "GET";
  // Full URL: `https://host[:port]/path?query`. The path and query are sent exactly as written here
  // (no re-encoding, no `//` collapsing), so the caller encodes them.
  std::string url;
  Headers headers;
  std::string body;
  // Whole-request timeout for this request; std::nullopt means HttpClientConfig::request_timeout.
  std::optional<std::chrono::milliseconds> timeout;
};

struct HttpResponse
{
  int status = 0;
  Headers headers; // every header as received, repeated ones (Set-Cookie) included, in order
  std::string body;

  // The first value of header `name` (case-insensitive), or std::nullopt.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  // Every value of header `name` (case-insensitive), in order; empty when absent.
  [[nodiscard]] std::vector<std::string> header_values(std::string_view name) const;
};

struct HttpClientConfig
{
  // PEM bundle the server certificate must chain to; empty = the system trust store.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::string user_agent; // sent when the request sets no User-Agent; empty = none
};

// The parts of a URL the client needs (see parse_url).
struct ParsedUrl
{
  std::string scheme; // "https" or "http", lower case
  std::string host;   // without brackets for IPv6
  unsigned short port = 0;
  std::string target; // path and query exactly as in the URL; "/" when the URL has no path
};
// Throws ConfigError when `url` is not http(s)://host[:port][/target], or carries user information.
ParsedUrl parse_url(std::string_view url);

// True for 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(std::string_view host);

// HTTP/1.1 client over Poco. TLS certificates and host names are always verified. It never follows
// redirects. It keeps one keep-alive connection per (scheme, host, port); when a kept-alive
// connection turns out to have been closed by the peer before any byte of the response arrived,
// it reconnects and sends the request once more.
//
// Not thread-safe: one thread at a time per instance (one instance per clinic worker).
class HttpClient
{
public:
  // Throws ConfigError when `config.ca_file` is set but cannot be read.
  explicit HttpClient(HttpClientConfig config);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends `request` and returns whatever status came back (3xx, 4xx and 5xx included). Throws
  // ConfigError for a malformed URL or `http://` to a host that is not loopback; TransientError
  // when the connection is refused, reset, times out or the body is cut short;
  // TlsVerificationError when the certificate is not trusted. Messages name the
  // method, host and path only: never the query, headers or body.
  HttpResponse send(const HttpRequest& request);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace shared::http
