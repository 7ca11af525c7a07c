#include "shared/db/connection.hpp"
#include "shared/metrics/run_metrics.hpp"

namespace shared::metrics {

namespace {

using db::Query;

constexpr Query k_select_run{"metrics.select_run", R"sql(
  SELECT status, extract(epoch FROM started_at)::float8, extract(epoch FROM finished_at)::float8
    FROM sync_runs
   WHERE run_id = $1)sql"};

// Clinics by result and the consultations extract staged (sync_work_items.counts).
constexpr Query k_count_clinics{"metrics.count_clinics", R"sql(
  SELECT count(*) FILTER (WHERE state = 'done'),
         count(*) FILTER (WHERE state = 'failed'),
         count(*) FILTER (WHERE state NOT IN ('done', 'failed')),
         coalesce(sum(CASE WHEN jsonb_typeof(counts -> 'consultations_staged') = 'number'
                           THEN (counts ->> 'consultations_staged')::numeric END), 0)::bigint
    FROM sync_work_items
   WHERE run_id = $1)sql"};

// A closed run failed when its status is failed, or when more than 10 % of its clinics failed (the
// alert's threshold); the streak counts the newest failed runs back to the last one that did not fail.
constexpr Query k_count_consecutive_failed_runs{"metrics.count_consecutive_failed_runs", R"sql(
  WITH closed AS (
    SELECT r.started_at,
           r.status = 'failed'
             OR coalesce((SELECT count(*) FILTER (WHERE w.state = 'failed')::float8 / nullif(count(*), 0)
                            FROM sync_work_items w WHERE w.run_id = r.run_id), 0) > 0.10 AS failed
      FROM sync_runs r
     WHERE r.status NOT IN ('running', 'skipped'))
  SELECT count(*)
    FROM closed
   WHERE failed
     AND started_at > coalesce((SELECT max(started_at) FROM closed WHERE NOT failed), '-infinity'))sql"};

constexpr Query k_select_clinic_health{"metrics.select_clinic_health", R"sql(
  SELECT coalesce(max(consecutive_failures), 0),
         count(*) FILTER (WHERE last_success_at IS NULL OR last_success_at < $1::timestamptz - interval '24 hours')
    FROM clinic_sync_state
   WHERE idexx_sync_enabled)sql"};

constexpr Query k_count_links{"metrics.count_links", R"sql(
  SELECT decision,
         CASE tier WHEN 1 THEN 'consultation_id' WHEN 2 THEN 'appointment_id' WHEN 3 THEN 'probabilistic'
                   ELSE 'none' END,
         count(*)
    FROM staging_matches
   WHERE run_id = $1 AND decision IN ('auto_linked', 'needs_review', 'unmatched')
   GROUP BY 1, 2)sql"};

// Calls the run planned (schedule records the run in the row's metadata, as audit reads them).
constexpr Query k_count_calls{"metrics.count_calls", R"sql(
  SELECT CASE WHEN status IN ('skipped', 'cancelled', 'failed') THEN status ELSE 'scheduled' END,
         CASE WHEN status = 'skipped' THEN coalesce(metadata ->> 'skip_reason', 'other') END,
         count(*)
    FROM scheduled_discharge_calls
   WHERE metadata ->> 'run_id' = $1 AND call_kind = 'discharge'
   GROUP BY 1, 2)sql"};

// Per stage: the first claim to the last release of the run's items (work_queue.cpp writes both).
constexpr Query k_stage_durations{"metrics.stage_durations", R"sql(
  SELECT stage,
         extract(epoch FROM max((w.stage_times ->> (working || '_finished'))::timestamptz)
                          - min((w.stage_times ->> (working || '_started'))::timestamptz))::float8
    FROM sync_work_items w,
         (VALUES ('extract', 'extracting'), ('reconcile', 'reconciling'), ('schedule', 'scheduling')) AS s(stage, working)
   WHERE w.run_id = $1 AND w.stage_times ? (working || '_started')
   GROUP BY stage)sql"};

std::optional<double> optional_double(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<double>(field.as<double>());
}

} // namespace

std::optional<double> read_run_start(pqxx::transaction_base& tx, const RunId& run)
{
  const auto rows = db::run(tx, k_select_run, run.value);
  if (rows.empty()) {
    return std::nullopt;
  }
  return rows[0][1].as<double>();
}

std::optional<RunMetrics> read_run_metrics(pqxx::transaction_base& tx, const RunId& run, Instant now)
{
  const auto runs = db::run(tx, k_select_run, run.value);
  if (runs.empty()) {
    return std::nullopt;
  }
  auto metrics = empty_run_metrics();
  metrics.status = runs[0][0].as<std::string>();
  metrics.started_at = runs[0][1].as<double>();
  metrics.finished_at = optional_double(runs[0][2]);

  const auto clinics = db::run(tx, k_count_clinics, run.value)[0];
  metrics.clinics_ok = clinics[0].as<std::int64_t>();
  metrics.clinics_failed = clinics[1].as<std::int64_t>();
  metrics.clinics_skipped = clinics[2].as<std::int64_t>();
  metrics.consultations_fetched = clinics[3].as<std::int64_t>();

  metrics.consecutive_failed_runs = db::run(tx, k_count_consecutive_failed_runs)[0][0].as<std::int64_t>();

  const auto health = db::run(tx, k_select_clinic_health, format_iso8601(now))[0];
  metrics.clinic_failure_streak_max = health[0].as<std::int64_t>();
  metrics.clinics_stale = health[1].as<std::int64_t>();

  for (const auto& row : db::run(tx, k_count_links, run.value)) {
    metrics.links[{row[0].as<std::string>(), row[1].as<std::string>()}] += row[2].as<std::int64_t>();
  }
  for (const auto& row : db::run(tx, k_stage_durations, run.value)) {
    if (!row[1].is_null()) {
      metrics.stage_durations[row[0].as<std::string>()] = row[1].as<double>();
    }
  }
  for (const auto& row : db::run(tx, k_count_calls, run.value)) {
    const auto count = row[2].as<std::int64_t>();
    metrics.calls[row[0].as<std::string>()] += count;
    if (!row[1].is_null()) {
      // A reason outside the fixed list is counted as "other": label values are never built from data.
      const auto reason = row[1].as<std::string>();
      const auto known = metrics.calls_skipped.find(reason);
      metrics.calls_skipped[known == metrics.calls_skipped.end() ? std::string("other") : reason] += count;
    }
  }
  return metrics;
}

} // namespace shared::metrics
