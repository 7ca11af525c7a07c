#pragma once

#include "shared/idexx/idexx_client.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace shared::config {
class ConfigFile;
} // namespace shared::config

namespace shared::idexx {

// The idexx.* keys and tls.ca_file (shared/config/config_schema.cpp).
struct IdexxConfig
{
  std::string default_base_url = "https://us.idexxneo.com";
  std::string ca_file;    // empty = system trust store
  std::string user_agent; // a stable desktop browser string
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds request_timeout{30};
  std::chrono::seconds clinic_deadline{300};
  int max_attempts = 4; // per request, on 5xx, timeouts and 429
  std::chrono::milliseconds retry_base_delay{1000};
  std::chrono::milliseconds retry_max_delay{10000};
  std::chrono::seconds retry_after_cap{60};
  int max_relogins = 5;     // per clinic session
  int rate_per_second = 20; // token bucket per host, shared by the process
  int burst = 40;
  bool search_enabled = true;
};

// Reads the idexx.* keys and tls.ca_file. Throws ConfigError naming a wrong key.
IdexxConfig load_idexx_config(const shared::config::ConfigFile& file);

// IdexxClient over HTTPS (idexx-neo.md §2–§5). One instance per clinic worker thread: it is not
// thread-safe, and keeps one keep-alive connection per host. Re-logs in once per expiry, within
// config.max_relogins per session; retries 5xx, timeouts and 429 with exponential backoff and
// 0–30 % jitter; takes a token from the per-host bucket before every request. Cookies, passwords
// and bodies are never logged nor put into exception messages.
class HttpIdexxClient final : public IdexxClient
{
public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  // Throws ConfigError when the CA file cannot be used.
  explicit HttpIdexxClient(IdexxConfig config);
  // `sleeper` replaces std::this_thread::sleep_for for backoff and Retry-After waits (tests).
  HttpIdexxClient(IdexxConfig config, Sleeper sleeper);
  ~HttpIdexxClient() override;
  HttpIdexxClient(const HttpIdexxClient&) = delete;
  HttpIdexxClient& operator=(const HttpIdexxClient&) = delete;

  Session log_in(const ClinicLogin& login) override;
  CalendarResult calendar(Session& session, const LocalDays& days) override;
  SearchResult search_consultations(Session& session, const LocalDays& days) override;
  std::optional<ConsultationDetail> consultation(Session& session,
                                                 const ConsultationId& id) override;

  // Logins performed by this instance (first logins and re-logins), for tests and metrics.
  [[nodiscard]] int login_count() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Delay before retry number `retry` (1-based): base * 2^(retry-1), capped at `max`, plus 0–30 %
// jitter taken from `jitter_fraction` in [0, 1).
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double jitter_fraction);

// Seconds to wait from a Retry-After value (delta seconds or an HTTP date, relative to `now`),
// capped at `cap`; std::nullopt when the value is unreadable.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds cap);

} // namespace shared::idexx
