#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/secret.hpp"
#include "shared/qstash/qstash_publisher.hpp"
#include "stages/schedule/call_timing.hpp"
#include "stages/schedule/schedule_repository.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace schedule {

enum class DestinationMode {
  webhook, // QStash -> idexx-sync-dispatch -> VAPI (the default: one call per row, checked at call time)
  vapi     // QStash -> VAPI directly: at-least-once, nothing checked at call time (external-services.md 1.10)
};

struct PublishSettings
{
  DestinationMode mode = DestinationMode::webhook;
  std::string webhook_url;                // "qstash.webhook_url"
  int retries = 3;                        // "qstash.retries" (webhook mode; vapi mode always sends 0)
  std::size_t batch_size = 100;           // "qstash.batch_size": messages per POST /v2/batch (1 = single publishes)
  std::chrono::minutes min_lead{2};       // "schedule.min_lead_minutes"
  int max_starts_per_minute = 10;         // "vapi.max_concurrent_calls"
  std::string vapi_call_url;              // "vapi.base_url" + "/call" (vapi mode)
  shared::Secret vapi_key;                // "vapi.private_key_file", read in vapi mode only
};

PublishSettings load_publish_settings(const shared::config::ConfigFile& config);

// What one clinic's publishing and cancelling did.
struct PublishTally
{
  std::int64_t published = 0;
  std::int64_t unpublished = 0;       // left pending_publish for the next run
  std::int64_t failed = 0;            // QStash refused the message for good
  std::int64_t cancelled = 0;
  std::int64_t cancel_deferred = 0;   // QStash could not be asked to cancel: the next run tries again
  std::map<std::string, std::int64_t> cancel_reasons;
};

// Start hints of this process (call_timing.hpp), shared by the clinic threads.
struct StartSlots
{
  std::mutex mutex;
  StartHints hints;
};

// Re-checks every pending or queued discharge call of the clinic against its case as the database
// has it now (notes merged this run, opt-outs, deceased, no-show, cancellation, removal) and cancels
// the ones no longer wanted: the QStash message first (DELETE /v2/messages/{id}; 404 means it is
// gone already), then the row, cancelled with its reason. Runs only for a clinic whose extract and
// reconcile succeeded in this run, so a failed fetch never cancels anything.
void cancel_ineligible_calls(pqxx::connection& connection, shared::qstash::QstashPublisher& publisher,
                             const shared::ClinicId& clinic, PublishTally& tally);

// Publishes every pending call of the clinic (outbox: each row was committed before): takes its
// start slot just before publishing, sends batches through POST /v2/batch with the deduplication id
// call-<id>-v<n> on every item, and marks each accepted row queued with its message id. QStash
// being unavailable leaves the remaining rows pending for the next run.
void publish_pending_calls(pqxx::connection& connection, shared::qstash::QstashPublisher& publisher,
                           const PublishSettings& settings, const shared::ClinicId& clinic,
                           const ClinicCallSettings& clinic_settings, const shared::Clock& clock, StartSlots& slots,
                           PublishTally& tally);

} // namespace schedule
