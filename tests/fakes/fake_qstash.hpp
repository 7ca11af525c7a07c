#pragma once

#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// Fake Upstash QStash v2 (external-services.md 1 and 4.2) on one HTTPS listener. Test code only.
namespace tests::fakes {

struct FakeQstashOptions
{
  std::string token;                         // expected in `Authorization: Bearer <token>`
  std::string current_signing_key;           // signs deliveries; empty = no Upstash-Signature
  std::string next_signing_key;              // shown by /_fake/stats only as "set"/"unset"
  std::chrono::seconds dedup_window{600};    // on the fake clock
  std::chrono::seconds max_delay{7 * 86400}; // Not-Before - now beyond this -> 400 (free plan)
  std::size_t max_body = 1024 * 1024;        // bytes; beyond -> `oversize_status`
  int oversize_status = 400;                 // knob: 413
  int cancel_status = 200;                   // knob: 202 (older docs)
  std::uint64_t seed = 1;                    // message ids and JWT ids
  std::string region = "US-EAST-1";          // `upstash-region` on deliveries
  std::string ca_file;                       // trusted by deliver_due(); empty = test CA
  FakeServerOptions server;
};

enum class QstashMessageState {
  pending,
  cancelled,
  delivered,
  failed // retries used up: the DLQ
};

const char* to_string(QstashMessageState state);

struct QstashDelivery
{
  std::int64_t at = 0; // unix seconds, fake clock
  int status = 0;      // destination's answer; 0 = no answer (connection error, timeout)
  std::string error;   // set when status is 0
};

struct QstashMessage
{
  std::string id;          // msg_…
  std::string destination; // exactly as published
  std::string method = "POST";
  std::string body; // bytes as received
  std::string content_type;
  // Every request header of the publish (Authorization excluded), names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  // Upstash-Forward-<Name>: <value> as <Name>: <value>.
  std::vector<std::pair<std::string, std::string>> forward_headers;
  std::int64_t not_before = 0; // unix seconds
  std::int64_t created_at = 0; // unix seconds
  int retries = 3;             // after the first attempt
  std::string label;           // Upstash-Label as sent (comma-separated)
  std::string dedup_id;        // Upstash-Deduplication-Id; empty when absent
  bool content_based_dedup = false;
  QstashMessageState state = QstashMessageState::pending;
  std::vector<QstashDelivery> deliveries;
};

enum class RateLimitStyle {
  daily, // RateLimit-Limit / -Remaining / -Reset
  burst  // Burst-RateLimit-Limit / -Remaining / -Reset
};

// The Upstash-Signature JWT of external-services.md 1.9: header {"alg":"HS256","typ":"JWT"},
// claims iss, sub, exp, nbf, iat, jti, body in that order, compact; `body` = base64url(SHA-256 of
// `body`) with '=' padding unless `pad_body` is false.
std::string upstash_signature(const std::string& signing_key, const std::string& sub,
                              const std::string& body, std::int64_t iat, const std::string& jti,
                              std::int64_t nbf = 0, std::optional<std::int64_t> exp = std::nullopt,
                              bool pad_body = true);

// Serves (every /v2/ route needs the bearer token, else 401 {"error":…}):
//   POST   /v2/publish/<destination>  destination raw from the path; 200 {"messageId"},
//                                     duplicate within the window 202 {"messageId","deduplicated"}
//   POST   /v2/batch                  array in, array out in order; bad item -> {"error":…} entry
//   GET    /v2/messages/{id}          200 Message object while pending, else 404
//   DELETE /v2/messages/{id}          pending -> cancel_status and cancelled, else 404
//   DELETE /v2/messages               bulk cancel: recorded and counted, cancels nothing,
//                                     {"cancelled": 0}
//   GET    /_fake/messages            stored messages, forwarded header values hidden
//   GET    /_fake/stats               counters and the fake clock
//   POST   /_fake/advance?seconds=N   moves the fake clock
//   POST   /_fake/deliver             deliver_due(); answers {"attempts": n}
// Listening when the constructor returns; thread-safe. Throws std::runtime_error if the server
// cannot start (see FakeHttpServer).
class FakeQstash
{
public:
  explicit FakeQstash(FakeQstashOptions options);
  ~FakeQstash();
  FakeQstash(const FakeQstash&) = delete;
  FakeQstash& operator=(const FakeQstash&) = delete;

  // `https://127.0.0.1:<port>`: the value for qstash.base_url.
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] const FakeHttpServer& server() const;

  // The fake clock: real time by default; set_now() stops it at `now`; run_from() makes it tick
  // in real time from `start`; advance() moves it (a real-time clock stops there).
  [[nodiscard]] std::chrono::sys_seconds now() const;
  void set_now(std::chrono::sys_seconds now);
  void run_from(std::chrono::sys_seconds start);
  void advance(std::chrono::seconds by);

  // The next `count` publish/batch requests (after auth) answer `status`: 429 with the headers of
  // `style` and a reset on the fake clock, anything else with {"error":…}. Nothing is stored.
  void fail_next(int count, int status, RateLimitStyle style = RateLimitStyle::daily);
  // Publish and batch requests are stored at once but answered only after `delay`, so a publisher
  // can be killed between QStash accepting a message and learning its id.
  void delay_publish_answers(std::chrono::milliseconds delay);
  // The next `count` messages answered with a 2xx are delivered once more at once (at-least-once).
  void deliver_twice_next(std::size_t count);

  [[nodiscard]] std::vector<QstashMessage> messages() const;
  [[nodiscard]] std::optional<QstashMessage> message(const std::string& id) const;
  // POST /v2/publish/… and POST /v2/batch requests, auth failures included, in arrival order.
  [[nodiscard]] std::vector<FakeRequest> publish_requests() const;
  // Every DELETE /v2/messages (bulk) received, authorised or not. Tests assert it stays 0.
  [[nodiscard]] std::size_t bulk_cancel_requests() const;

  // Delivers every pending message whose time has come on the fake clock (HTTPS trusting
  // `ca_file`, or plain HTTP for http:// destinations), one attempt each, synchronously. 2xx ->
  // delivered; otherwise the next attempt waits min(86400, e^(2.5·n)) s, and after `retries`
  // failed retries (or 489 with Upstash-NonRetryable-Error: true) the message is failed. Returns
  // the number of attempts made.
  std::size_t deliver_due();

  struct State;

private:
  std::unique_ptr<State> m_state;
  std::unique_ptr<FakeHttpServer> m_server; // declared last: stopped before the state goes
};

} // namespace tests::fakes
