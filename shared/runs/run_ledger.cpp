#include "shared/runs/run_ledger.hpp"

#include "shared/core/errors.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"

#include <algorithm>

namespace shared::runs {

namespace {

using db::Query;

constexpr Query k_fail_abandoned{"runs.fail_abandoned", R"sql(
  UPDATE sync_runs SET status = 'failed', error = 'abandoned', finished_at = now()
   WHERE status = 'running' AND run_id <> $1
     AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => $2)
  RETURNING run_id)sql"};

constexpr Query k_insert_running{"runs.insert_running", R"sql(
  INSERT INTO sync_runs (run_id, trigger, status, window_start, window_end, started_at, heartbeat_at)
  VALUES ($1, $2, 'running', $3::timestamptz, $4::timestamptz, now(), now())
  ON CONFLICT DO NOTHING)sql"};

constexpr Query k_insert_skipped{"runs.insert_skipped", R"sql(
  INSERT INTO sync_runs (run_id, trigger, status, window_start, window_end, started_at, finished_at, error)
  VALUES ($1, $2, 'skipped', $4::timestamptz, $5::timestamptz, now(), now(), 'another run is open: ' || $3)
  ON CONFLICT (run_id) DO NOTHING)sql"};

constexpr Query k_select_status{"runs.select_status", "SELECT status FROM sync_runs WHERE run_id = $1"};

constexpr Query k_select_open{"runs.select_open", "SELECT run_id FROM sync_runs WHERE status = 'running'"};

constexpr Query k_heartbeat{"runs.heartbeat",
                            "UPDATE sync_runs SET heartbeat_at = now() WHERE run_id = $1 AND status = 'running'"};

constexpr Query k_close{"runs.close", R"sql(
  UPDATE sync_runs r
     SET status = CASE WHEN EXISTS (SELECT 1 FROM sync_work_items w
                                     WHERE w.run_id = r.run_id AND w.state = 'failed')
                       THEN 'completed_with_failures' ELSE 'completed' END,
         finished_at = now()
   WHERE r.run_id = $1 AND r.status = 'running'
     AND NOT EXISTS (SELECT 1 FROM sync_work_items w
                      WHERE w.run_id = r.run_id AND w.state NOT IN ('done', 'failed'))
  RETURNING r.status)sql"};

Membership membership_of(pqxx::work& tx, const RunId& run_id)
{
  const auto rows = db::run(tx, k_select_status, run_id.value);
  if (rows.empty()) {
    return Membership::absent;
  }
  const auto status = run_status_from(rows[0][0].as<std::string>());
  if (status == RunStatus::running) {
    return Membership::working;
  }
  return status == RunStatus::skipped ? Membership::skipped : Membership::finished;
}

} // namespace

std::string_view to_string(RunStatus status)
{
  switch (status) {
  case RunStatus::running: return "running";
  case RunStatus::completed: return "completed";
  case RunStatus::completed_with_failures: return "completed_with_failures";
  case RunStatus::failed: return "failed";
  case RunStatus::skipped: return "skipped";
  }
  return "failed";
}

RunStatus run_status_from(std::string_view text)
{
  for (const auto status : {RunStatus::running, RunStatus::completed, RunStatus::completed_with_failures,
                            RunStatus::failed, RunStatus::skipped}) {
    if (to_string(status) == text) {
      return status;
    }
  }
  throw InvariantError("unknown run status '" + std::string(text) + "'");
}

std::string_view to_string(Trigger trigger)
{
  return trigger == Trigger::scheduled ? "scheduled" : "manual";
}

Trigger trigger_for(std::string_view run_id, std::string_view cronjob_name)
{
  if (run_id.size() <= cronjob_name.size() + 1 || run_id.substr(0, cronjob_name.size()) != cronjob_name ||
      run_id[cronjob_name.size()] != '-') {
    return Trigger::manual;
  }
  const auto suffix = run_id.substr(cronjob_name.size() + 1);
  const bool digits = std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits ? Trigger::scheduled : Trigger::manual;
}

RunLedger::RunLedger(pqxx::connection& connection, LedgerSettings settings)
    : m_connection(connection), m_settings(settings)
{
}

Membership RunLedger::open_or_join(const RunId& run_id, Trigger trigger, Instant window_from, Instant window_to)
{
  return db::with_transaction(m_connection, [&](pqxx::work& tx) {
    for (const auto& row : db::run(tx, k_fail_abandoned, run_id.value,
                                   static_cast<double>(m_settings.abandon_after.count()))) {
      logging::warn("run.abandoned", {{"abandoned_run_id", row[0].as<std::string>()}});
    }
    const auto from = format_iso8601(window_from);
    const auto to = format_iso8601(window_to);
    db::run(tx, k_insert_running, run_id.value, std::string(to_string(trigger)), from, to);
    const auto membership = membership_of(tx, run_id);
    if (membership != Membership::absent) {
      return membership;
    }
    // The insert met the one-open-run index: another run is alive.
    const auto open = db::run(tx, k_select_open);
    const std::string other = open.empty() ? "unknown" : open[0][0].as<std::string>();
    db::run(tx, k_insert_skipped, run_id.value, std::string(to_string(trigger)), other, from, to);
    logging::warn("run.skipped", {{"open_run_id", other}});
    return Membership::skipped;
  });
}

Membership RunLedger::join(const RunId& run_id)
{
  return db::with_transaction(m_connection, [&](pqxx::work& tx) { return membership_of(tx, run_id); });
}

void RunLedger::heartbeat(const RunId& run_id)
{
  db::with_transaction(m_connection, [&](pqxx::work& tx) { db::run(tx, k_heartbeat, run_id.value); });
}

std::optional<RunStatus> RunLedger::try_close(const RunId& run_id)
{
  return db::with_transaction(m_connection, [&](pqxx::work& tx) -> std::optional<RunStatus> {
    const auto rows = db::run(tx, k_close, run_id.value);
    if (rows.empty()) {
      return std::nullopt;
    }
    return run_status_from(rows[0][0].as<std::string>());
  });
}

} // namespace shared::runs
