// tests/integration/idexx/http_client_keepalive_test.cpp   <->   shared/http/http_client.cpp
// Keep-alive reuse, transparent reconnection and truncated bodies, against a raw loopback socket
// server whose misbehaviour a real HTTP server library would not produce on demand.
#include "shared/core/errors.hpp"
#include "shared/http/http_client.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// Accepts connections on 127.0.0.1 and answers each request with `reply`, then closes the
// connection when `close_after_reply` (without saying `Connection: close`).
class RawServer
{
public:
  RawServer(std::string reply, bool close_after_reply)
      : m_reply(std::move(reply)), m_close(close_after_reply)
  {
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    BOOST_TEST_REQUIRE(::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) ==
                       0);
    BOOST_TEST_REQUIRE(::listen(m_listener, 8) == 0);
    socklen_t length = sizeof address;
    ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~RawServer()
  {
    m_stop = true;
    ::shutdown(m_listener, SHUT_RDWR);
    ::close(m_listener);
    m_thread.join();
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  [[nodiscard]] std::string url(const std::string& target) const
  {
    return "http://127.0.0.1:" + std::to_string(m_port) + target;
  }
  [[nodiscard]] int connections() const { return m_connections.load(); }
  [[nodiscard]] std::string last_request_line() const
  {
    const std::lock_guard lock(m_mutex);
    return m_last_request_line;
  }

private:
  void serve()
  {
    while (!m_stop) {
      const int connection = ::accept(m_listener, nullptr, nullptr);
      if (connection < 0) {
        return;
      }
      ++m_connections;
      for (;;) {
        std::string request;
        char buffer[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          const auto n = ::recv(connection, buffer, sizeof buffer, 0);
          if (n <= 0) {
            break;
          }
          request.append(buffer, static_cast<std::size_t>(n));
        }
        if (request.find("\r\n\r\n") == std::string::npos) {
          break;
        }
        {
          const std::lock_guard lock(m_mutex);
          m_last_request_line = request.substr(0, request.find("\r\n"));
        }
        ::send(connection, m_reply.data(), m_reply.size(), MSG_NOSIGNAL);
        if (m_close) {
          break;
        }
      }
      ::close(connection);
    }
  }

  std::string m_reply;
  bool m_close;
  int m_listener = -1;
  unsigned short m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  mutable std::mutex m_mutex;
  std::string m_last_request_line;
  std::thread m_thread;
};

shared::http::HttpRequest get(const std::string& url)
{
  shared::http::HttpRequest request;
  request.url = url;
  request.timeout = std::chrono::milliseconds{3000};
  return request;
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_client_keepalive)

BOOST_AUTO_TEST_CASE(keeps_one_connection_alive_across_requests)
{
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  for (int i = 0; i < 3; ++i) {
    const auto response = client.send(get(server.url("/a")));
    BOOST_TEST(response.status == 200);
    BOOST_TEST(response.body == "ok");
  }
  BOOST_TEST(server.connections() == 1);
}

BOOST_AUTO_TEST_CASE(reconnects_once_when_the_peer_closed_the_kept_alive_connection)
{
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true);
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  BOOST_TEST(client.send(get(server.url("/a"))).body == "ok");
  std::this_thread::sleep_for(std::chrono::milliseconds{50}); // let the close arrive
  const auto second = client.send(get(server.url("/b")));
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.body == "ok");
  BOOST_TEST(server.connections() == 2);
}

BOOST_AUTO_TEST_CASE(a_body_cut_short_is_transient)
{
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\": [", true);
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  BOOST_CHECK_THROW(client.send(get(server.url("/calendar?secret=1"))), shared::TransientError);
}

BOOST_AUTO_TEST_CASE(a_connection_closed_before_any_response_on_a_fresh_connection_is_transient)
{
  RawServer server("", true);
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  BOOST_CHECK_THROW(client.send(get(server.url("/x"))), shared::TransientError);
}

BOOST_AUTO_TEST_CASE(sends_the_target_exactly_as_written_and_never_follows_redirects)
{
  RawServer server("HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 0\r\n\r\n", false);
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  const auto response = client.send(get(server.url("/v2/publish/https://x.example//a%20b?q=%3A")));
  BOOST_TEST(response.status == 302);
  BOOST_TEST(response.header("location").value_or("") == "/login");
  BOOST_TEST(server.last_request_line() ==
             "GET /v2/publish/https://x.example//a%20b?q=%3A HTTP/1.1");
  BOOST_TEST(server.connections() == 1);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_transient_and_the_message_hides_the_query)
{
  shared::http::HttpClientConfig config;
  config.connect_timeout = std::chrono::milliseconds{2000};
  shared::http::HttpClient client{config};
  shared::http::HttpRequest request;
  // Port 1 on loopback: nothing listens there, so the kernel refuses at once (no network involved).
  request.url = "http://127.0.0.1:1/consultations/search?token=s3cr3t";
  try {
    client.send(request);
    BOOST_FAIL("expected a TransientError");
  } catch (const shared::TransientError& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find("GET 127.0.0.1/consultations/search") != std::string::npos);
    BOOST_TEST(message.find("s3cr3t") == std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
