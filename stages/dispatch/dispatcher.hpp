#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"
#include "shared/db/connection.hpp"
#include "shared/vapi/vapi_client.hpp"
#include "stages/dispatch/signature_verifier.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dispatch {

struct DispatchSettings
{
  std::string listen_address = "0.0.0.0";      // "dispatch.listen_address"
  std::uint16_t port = 8080;                   // "dispatch.port" (0: any free port)
  int threads = 8;                             // "dispatch.threads"
  std::chrono::seconds retry_after{30};        // Retry-After on 503 when VAPI or the database is unavailable
};

// Everything the dispatcher reads from the configuration: qstash.webhook_url (the JWT sub), both
// signing keys, the tolerance, the database, VAPI, and the dispatch.* keys.
struct DispatchConfig
{
  DispatchSettings settings;
  std::string webhook_url;
  shared::Secret current_signing_key;
  shared::Secret next_signing_key;
  std::chrono::seconds signature_tolerance{30};
  shared::db::DatabaseConfig database;
  shared::vapi::VapiConfig vapi;
};

DispatchConfig load_dispatch_config(const shared::config::ConfigFile& file);

// One HTTP answer.
struct Answer
{
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The idexx-sync-dispatch service (architecture.md, Decision 22): a Poco HTTP server that answers
//   POST <any path>  a QStash delivery {"callId", "version"} with its Upstash-Signature
//   GET  /healthz    200 "ok" (liveness)
//   GET  /readyz     200 when Postgres answers, else 503
//   GET  /metrics    Prometheus text: idexx_sync_dispatch_deliveries_total{outcome}
// A delivery is verified at once, then the row is claimed atomically (queued, no VAPI call id, this
// version -> dialing), eligibility is checked again, and only the claimant calls VAPI. Answers:
// 401 bad signature; 200 done, already done, stale version or call no longer wanted; 503 with
// Retry-After when VAPI certainly placed no call or the database is unavailable; 489 with
// Upstash-NonRetryable-Error for a payload that can never succeed.
class DispatchServer
{
public:
  // Listening when the constructor returns. Throws ConfigError when the address cannot be bound.
  DispatchServer(DispatchConfig config, shared::Clock clock);
  ~DispatchServer();
  DispatchServer(const DispatchServer&) = delete;
  DispatchServer& operator=(const DispatchServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;

  // The delivery logic without HTTP (used by the request handler).
  Answer deliver(std::optional<std::string_view> signature, const std::string& body);

  struct Impl;

private:
  std::unique_ptr<Impl> m_impl;
};

} // namespace dispatch
