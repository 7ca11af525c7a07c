#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/ids.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shared::metrics {

// "metrics.pushgateway_url" (empty: pushing is off) and "metrics.job" (the job grouping key).
struct PushSettings
{
  std::string pushgateway_url;
  std::string job = "idexx_sync";
};

// Reads the two keys. Throws ConfigError when the URL is not http(s)://host[:port] with nothing after it.
PushSettings load_push_settings(const config::ConfigFile& file);

// A run's results as the ledger holds them when the run is closed (operations.md 3.3). Every label
// value of the catalogue is present, zero when nothing was counted, so series never appear and vanish.
struct RunMetrics
{
  std::string status;                         // sync_runs.status
  double started_at = 0;                      // Unix seconds
  std::optional<double> finished_at;          // Unix seconds; nullopt while the run is open
  std::int64_t clinics_ok = 0;                // work items done
  std::int64_t clinics_failed = 0;            // work items failed
  std::int64_t clinics_skipped = 0;           // work items in any other state when the run closed
  std::int64_t consecutive_failed_runs = 0;   // newest closed runs that failed, up to the last good one
  std::int64_t clinic_failure_streak_max = 0; // max clinic_sync_state.consecutive_failures, enabled clinics
  std::int64_t clinics_stale = 0;             // enabled clinics without a success in the 24 h before `now`
  std::int64_t consultations_fetched = 0;     // sum of the items' counts.consultations_staged
  std::map<std::pair<std::string, std::string>, std::int64_t> links; // (decision, tier) from staging_matches
  std::map<std::string, std::int64_t> calls;          // outcome: scheduled, skipped, cancelled, failed
  std::map<std::string, std::int64_t> calls_skipped;  // skip reason (a fixed list, plus "other")
  // extract, reconcile, schedule: first claim to last release over the run's items, in seconds;
  // absent for a stage that claimed nothing.
  std::map<std::string, double> stage_durations;

  // failed / all clinics of the run (0 for a run without clinics): the alert's ratio.
  [[nodiscard]] double clinic_failure_ratio() const;
  // Closed as completed or completed_with_failures with at most 10 % of its clinics failed.
  [[nodiscard]] bool succeeded() const;
};

// A RunMetrics with every catalogue label value at zero.
RunMetrics empty_run_metrics();

// Reads `run`'s metrics from sync_runs, sync_work_items, staging_matches, scheduled_discharge_calls
// and clinic_sync_state; `now` is the clock staleness is measured against. std::nullopt when the run
// does not exist.
std::optional<RunMetrics> read_run_metrics(pqxx::transaction_base& tx, const RunId& run, Instant now);

// The start of `run` (sync_runs.started_at, Unix seconds), or std::nullopt when there is no such run.
std::optional<double> read_run_start(pqxx::transaction_base& tx, const RunId& run);

// One push: the grouping key's stage, the method and the text exposition of the registry pushed.
// Every push is a POST, which replaces only the metric names it carries: a PUT would replace the whole
// group and delete the last success timestamp whenever a run fails (operations.md 3.2).
struct PushedGroup
{
  std::string stage;  // run, extract, reconcile, schedule, audit
  std::string method; // "POST"
  std::string exposition;
};

// The pushes the run closer makes for `metrics`, in order: the run, extract, reconcile and schedule
// groups, then the success timestamps (run and every stage), only when the run succeeded.
std::vector<PushedGroup> closer_groups(const RunMetrics& metrics);

// What pushing did: every push made, and those the gateway did not accept.
struct PushReport
{
  int pushes = 0;
  int failures = 0;
};

// Pushes closer_groups(metrics) to the gateway of `settings`. Never throws and never fails the run:
// a push answered with anything but 2xx, or not answered at all, is logged as "metrics.push_failed".
// Nothing is pushed when the URL is empty.
PushReport push_run_metrics(const PushSettings& settings, const RunMetrics& metrics);
// POSTs idexx_sync_run_start_timestamp_seconds to the run group. Never throws.
PushReport push_run_start(const PushSettings& settings, double started_at);

// The call sites: read the settings, read the ledger on `connection`, push. Neither throws: a
// problem (database, gateway) is a warning, because metrics never fail a run. The opener's ConfigError
// for a malformed URL is the exception: it propagates, so a wrong key stops extract with exit 78.
void push_closed_run(const config::ConfigFile& file, pqxx::connection& connection, const RunId& run, Instant now);
void push_opened_run(const config::ConfigFile& file, pqxx::connection& connection, const RunId& run);

} // namespace shared::metrics
