#pragma once

#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Fake VAPI (external-services.md 2 and 4.3) on one HTTPS listener. Test code only.
namespace tests::fakes {

enum class VapiConcurrencyMode {
  reject, // a call over the limit -> 400 "Over Concurrency Limit"
  queue   // 201 with subscriptionLimits.concurrencyBlocked true; starts when a slot frees
};

struct FakeVapiOptions
{
  std::string private_key; // expected in `Authorization: Bearer <key>`
  int concurrency = 10;    // call slots of the account
  VapiConcurrencyMode mode = VapiConcurrencyMode::reject;
  std::chrono::seconds call_duration{180}; // how long a call holds its slot, fake clock
  // Known ids; empty = any id is accepted. Otherwise an unknown one -> 400.
  std::vector<std::string> assistant_ids;
  std::vector<std::string> phone_number_ids;
  std::uint64_t seed = 1; // call ids and the org id
  FakeServerOptions server;
};

struct VapiCall
{
  std::string id;              // UUID
  std::string customer_number; // customer.number, empty when absent
  std::string name;
  std::string request_body; // the POST /call body as received
  std::chrono::sys_seconds created_at{};
  std::chrono::sys_seconds starts_at{}; // later than created_at when it waited for a slot
  std::chrono::sys_seconds ends_at{};
  bool concurrency_blocked = false;
};

// Serves (Bearer auth on every route except /_fake/, else 401):
//   POST /call        CreateCallDTO validated as VAPI does: 201 Call object or 400
//                     {"message": [...], "error": "Bad Request", "statusCode": 400}
//   GET  /call/{id}   200 Call object (status from the fake clock) or 404
//   GET  /call        list, filters id, assistantId, phoneNumberId, createdAt{Gt,Ge,Lt,Le}, limit
//   GET  /_fake/calls {"total", "perNumber": {number: n}, "peakConcurrent", "calls": [...]}
//   POST /_fake/advance?seconds=N  moves the fake clock
// Listening when the constructor returns; thread-safe. Throws std::runtime_error if the server
// cannot start (see FakeHttpServer).
class FakeVapi
{
public:
  explicit FakeVapi(FakeVapiOptions options);
  ~FakeVapi();
  FakeVapi(const FakeVapi&) = delete;
  FakeVapi& operator=(const FakeVapi&) = delete;

  // `https://127.0.0.1:<port>`: the value for vapi.base_url.
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] const FakeHttpServer& server() const;

  // The fake clock: real time by default; set_now() stops it at `now`; run_from() makes it tick
  // in real time from `start`; advance() moves it (a real-time clock stops there).
  [[nodiscard]] std::chrono::sys_seconds now() const;
  void set_now(std::chrono::sys_seconds now);
  void run_from(std::chrono::sys_seconds start);
  void advance(std::chrono::seconds by);

  // The next `count` authorised POST /call requests answer `status` with a VAPI error body and
  // create nothing; a 429 carries `Retry-After: <retry_after>` when given.
  void fail_next(int count, int status, std::optional<int> retry_after = std::nullopt);

  [[nodiscard]] std::vector<VapiCall> calls() const; // created calls, in order
  [[nodiscard]] std::size_t total_calls() const;
  [[nodiscard]] std::map<std::string, std::size_t> calls_per_number() const;
  [[nodiscard]] std::size_t calls_to(const std::string& number) const;
  // Most calls holding a slot at the same time so far (fake clock).
  [[nodiscard]] std::size_t peak_concurrent() const;
  // POST /call requests that were answered 400 for concurrency (reject mode).
  [[nodiscard]] std::size_t concurrency_rejections() const;

  struct State;

private:
  std::unique_ptr<State> m_state;
  std::unique_ptr<FakeHttpServer> m_server; // declared last: stopped before the state goes
};

} // namespace tests::fakes
