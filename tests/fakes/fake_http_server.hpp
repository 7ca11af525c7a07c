#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tests::fakes {

// One request as the fake server received it. `target` is the raw path and query from the request
// line, not decoded, so a test can see exactly how the client encoded it.
struct FakeRequest
{
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> cookies;
  std::string body;

  // The path part of `target` (still percent-encoded) and the raw query after `?` (empty if none).
  [[nodiscard]] std::string path() const;
  [[nodiscard]] std::string raw_query() const;
  // First header with `name`, compared case-insensitively; std::nullopt when absent.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  // First cookie called `name` (case-sensitive); std::nullopt when absent.
  [[nodiscard]] std::optional<std::string> cookie(std::string_view name) const;
};

// How the answer reaches the client: whole, or one of the transport failures a real server or the
// network between shows (idexx-neo.md 13, items 15-16).
enum class Delivery
{
  whole,
  reset_connection, // the TCP connection is torn down (RST) before any byte of the response
  cut_body,         // status line, headers with the full Content-Length, half the body, then close
  never_complete,   // nothing is ever sent; the connection stays open until the server stops
};

// What the handler answers. `headers` may repeat a name (several `Set-Cookie`); Content-Length is
// set by the server.
struct FakeResponse
{
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Delivery delivery = Delivery::whole;
};

using FakeHandler = std::function<FakeResponse(const FakeRequest&)>;

struct FakeServerOptions
{
  // Folder holding server.pem and server.key (ci/make-test-ca); empty means test_ca_dir().
  std::string cert_dir;
  // 0 = any free port.
  std::uint16_t port = 0;
  int max_threads = 32;
};

// The folder the build wrote the test CA to (IDEXX_SYNC_TEST_CA_DIR).
std::string test_ca_dir();

// %XX decoded. A `+` stays a `+` unless `plus_is_space` (form bodies): in a query string it may be an
// ISO offset, and the calendar must see (and reject) it as it came.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

// An HTTPS server on 127.0.0.1 (Poco inside). Listening when the constructor returns; the handler
// runs on the server's threads and must be thread-safe. `fail_next(count, status)` answers the
// next `count` requests with `status` and an HTML body without calling the handler. Throws
// std::runtime_error when the certificate cannot be loaded or the port cannot be bound. The
// destructor closes every connection, including keep-alive ones.
class FakeHttpServer
{
public:
  explicit FakeHttpServer(FakeHandler handler, FakeServerOptions options = {});
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  // `https://127.0.0.1:<port>`, no trailing slash.
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] std::uint16_t port() const;

  // Every request received so far, in arrival order (a copy; safe while the server runs).
  [[nodiscard]] std::vector<FakeRequest> requests() const;
  [[nodiscard]] std::size_t request_count() const;
  void clear_requests();
  void fail_next(int count, int status);

  struct Impl;

private:
  std::unique_ptr<Impl> m_impl;
};

} // namespace tests::fakes
