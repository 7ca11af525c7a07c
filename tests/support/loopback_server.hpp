#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tests {

// A port nobody listens on right now (the kernel's choice for a socket bound to port 0).
int free_loopback_port();

// GET http://127.0.0.1:<port><path_and_query>; std::nullopt when nothing answers 200.
std::optional<std::string> http_get(int port, const std::string& path_and_query);

// A server program on a loopback port (Debian's prometheus-pushgateway or prometheus), started from
// PATH with `args` (args[0] is the program), ready when /-/ready answers 200, stopped with SIGTERM by
// the destructor. Throws with a hint to run ci/install-deps when it cannot start or get ready.
class LoopbackServer
{
public:
  LoopbackServer(std::vector<std::string> args, int port);
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  ~LoopbackServer();

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
  void stop();

  int m_port;
  int m_pid = -1;
};

} // namespace tests
