#pragma once

#include "shared/core/clock.hpp"
#include "shared/core/ids.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shared::runs {

enum class RunStatus { running, completed, completed_with_failures, failed, skipped };
std::string_view to_string(RunStatus status);
RunStatus run_status_from(std::string_view text);

enum class Trigger { scheduled, manual };
std::string_view to_string(Trigger trigger);
// `scheduled` when `run_id` is `<cronjob_name>-<digits>` (the CronJob controller's Job names),
// otherwise `manual` (architecture.md, Decision 17).
Trigger trigger_for(std::string_view run_id, std::string_view cronjob_name);

// What a process finds when it opens or joins its run.
enum class Membership {
  working,  // the run is open (this call may have opened it): work on it
  skipped,  // another run is open: this run was recorded as skipped; do nothing
  finished, // this run is already closed (a re-run of a finished Job): do nothing
  absent,   // no such run (a stage other than extract, before any extract opened it)
};

struct LedgerSettings
{
  std::chrono::seconds abandon_after{1800}; // "run.abandon_after_seconds"
};

// sync_runs: one row per run; only one may be `running` (a partial unique index).
class RunLedger
{
public:
  RunLedger(pqxx::connection& connection, LedgerSettings settings);

  // Extract's entry (Decision 17): fails an open run of another id whose heartbeat is older than
  // `abandon_after` (reason `abandoned`), then opens `run_id` or joins it; a run of another id that
  // is still alive makes this one `skipped`.
  // `window_from`/`window_to` is the run's default window (each clinic's own lives on its item).
  Membership open_or_join(const RunId& run_id, Trigger trigger, Instant window_from, Instant window_to);
  // The other stages only join: they never open a run.
  Membership join(const RunId& run_id);
  // Live pods refresh the run's heartbeat.
  void heartbeat(const RunId& run_id);
  // Closes the run when no work item is left in a non-final state: exactly one caller wins and gets
  // the final status (completed, or completed_with_failures when a clinic failed).
  std::optional<RunStatus> try_close(const RunId& run_id);

private:
  pqxx::connection& m_connection;
  LedgerSettings m_settings;
};

} // namespace shared::runs
