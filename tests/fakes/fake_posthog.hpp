#pragma once

#include "tests/fakes/fake_http_server.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

// Fake PostHog capture (external-services.md 3 and 4.4) on one HTTPS listener. Test code only.
namespace tests::fakes {

struct FakePosthogOptions
{
  std::string api_key;            // the project key the fake accepts
  bool unknown_key_is_403 = false; // newest capture versions: 403; older ones: 401
  FakeServerOptions server;
};

struct CapturedEvent
{
  std::string uuid;
  std::string event;
  std::string distinct_id;
  std::string timestamp; // as sent
  nlohmann::json properties;
};

// Serves POST /batch/ (and the single-event routes /i/v0/e/, /e/, /capture/), trailing slash
// optional. Validates as capture does: missing `api_key` 401; unknown key 401 (or 403); malformed
// JSON, an empty batch, an event without `event` or `distinct_id`, or an unparsable `timestamp`
// 400; a body over 20 MB (2 MB on single routes) or one event over 1 MB 413. Accepted: 200
// {"status": 1}. Gzip bodies are not decoded (our client never sends them).
// Listening when the constructor returns; thread-safe.
class FakePosthog
{
public:
  explicit FakePosthog(FakePosthogOptions options);
  ~FakePosthog();
  FakePosthog(const FakePosthog&) = delete;
  FakePosthog& operator=(const FakePosthog&) = delete;

  [[nodiscard]] std::string base_url() const;
  // Every accepted event, in arrival order, resent copies included.
  [[nodiscard]] std::vector<CapturedEvent> received() const;
  // What PostHog keeps: one per (uuid, event, distinct_id, UTC date of timestamp), the later copy.
  [[nodiscard]] std::vector<CapturedEvent> deduplicated() const;
  // Requests answered, rejected ones included.
  [[nodiscard]] std::size_t requests() const;
  // The next `count` requests get `status` (429, 503, 408 …) without being read.
  void fail_next(int count, int status);

  struct State;

private:
  std::unique_ptr<State> m_state;
  std::unique_ptr<FakeHttpServer> m_server; // declared last: stopped before the state goes
};

} // namespace tests::fakes
