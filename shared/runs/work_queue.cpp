#include "shared/runs/work_queue.hpp"

#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"

namespace shared::runs {

namespace {

using db::Query;

constexpr Query k_fail_exhausted{"queue.fail_exhausted", R"sql(
  UPDATE sync_work_items
     SET state = 'failed', error_code = 'attempts_exhausted', lease_owner = NULL, lease_expires_at = NULL,
         last_error = coalesce(last_error, 'lease expired too often'), updated_at = now()
   WHERE run_id = $1 AND state = $2 AND lease_expires_at < now() AND attempts >= $3
  RETURNING clinic_id)sql"};

constexpr Query k_claim{"queue.claim", R"sql(
  UPDATE sync_work_items w
     SET state = $3, lease_owner = $4, lease_expires_at = now() + make_interval(secs => $5),
         attempts = w.attempts + 1, updated_at = now(),
         -- the first claim of this stage counts; a retried claim keeps it
         stage_times = jsonb_build_object($3 || '_started', now()) || w.stage_times
   WHERE w.id = (SELECT id FROM sync_work_items
                  WHERE run_id = $1
                    AND (state = $2 OR (state = $3 AND lease_expires_at < now()))
                    AND attempts < $6
                  ORDER BY id
                  FOR UPDATE SKIP LOCKED
                  LIMIT 1)
  RETURNING w.id, w.clinic_id, w.attempts)sql"};

constexpr Query k_advance{"queue.advance", R"sql(
  UPDATE sync_work_items
     SET state = $3, lease_owner = NULL, lease_expires_at = NULL, attempts = 0, updated_at = now(),
         stage_times = stage_times || jsonb_build_object($4 || '_finished', now())
   WHERE id = $1 AND lease_owner = $2 AND state = $4)sql"};

constexpr Query k_add_counts{"queue.add_counts",
                             "UPDATE sync_work_items SET counts = counts || $2::jsonb WHERE id = $1"};

constexpr Query k_fail{"queue.fail", R"sql(
  UPDATE sync_work_items
     SET state = 'failed', error_code = $3, last_error = $4, lease_owner = NULL, lease_expires_at = NULL,
         updated_at = now(), stage_times = stage_times || jsonb_build_object($5 || '_finished', now())
   WHERE id = $1 AND lease_owner = $2 AND state = $5)sql"};

constexpr Query k_release{"queue.release", R"sql(
  UPDATE sync_work_items
     SET state = $3, last_error = $4, lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
         stage_times = stage_times || jsonb_build_object($5 || '_finished', now())
   WHERE id = $1 AND lease_owner = $2 AND state = $5)sql"};

constexpr Query k_renew{"queue.renew", R"sql(
  UPDATE sync_work_items SET lease_expires_at = now() + make_interval(secs => $3)
   WHERE id = ANY($1::bigint[]) AND lease_owner = $2)sql"};

constexpr Query k_open_count{"queue.open_count", R"sql(
  SELECT count(*) FROM sync_work_items WHERE run_id = $1 AND state IN ($2, $3))sql"};

std::string state_text(WorkState state)
{
  return std::string(to_string(state));
}

} // namespace

std::string_view to_string(WorkState state)
{
  switch (state) {
  case WorkState::pending: return "pending";
  case WorkState::extracting: return "extracting";
  case WorkState::extracted: return "extracted";
  case WorkState::reconciling: return "reconciling";
  case WorkState::reconciled: return "reconciled";
  case WorkState::scheduling: return "scheduling";
  case WorkState::scheduled: return "scheduled";
  case WorkState::done: return "done";
  case WorkState::failed: return "failed";
  }
  return "failed";
}

WorkQueue::WorkQueue(pqxx::connection& connection, std::string worker_id, QueueSettings settings)
    : m_connection(connection), m_worker_id(std::move(worker_id)), m_settings(settings)
{
}

std::optional<WorkItem> WorkQueue::claim_next(const RunId& run_id, StageStates states)
{
  return db::with_transaction(m_connection, [&](pqxx::work& tx) -> std::optional<WorkItem> {
    for (const auto& row :
         db::run(tx, k_fail_exhausted, run_id.value, state_text(states.working), m_settings.max_attempts)) {
      logging::warn("clinic.failed", {{"clinic_id", row[0].as<std::string>()}, {"error_code", "attempts_exhausted"}});
    }
    const auto rows = db::run(tx, k_claim, run_id.value, state_text(states.input), state_text(states.working),
                              m_worker_id, static_cast<double>(m_settings.lease.count()), m_settings.max_attempts);
    if (rows.empty()) {
      return std::nullopt;
    }
    return WorkItem{.id = rows[0][0].as<std::int64_t>(), .run_id = run_id,
                    .clinic_id = ClinicId{rows[0][1].as<std::string>()}, .attempts = rows[0][2].as<int>()};
  });
}

void WorkQueue::advance(pqxx::work& tx, const WorkItem& item, StageStates states)
{
  const auto result = db::run(tx, k_advance, item.id, m_worker_id, state_text(states.output), state_text(states.working));
  if (result.affected_rows() != 1) {
    throw LeaseLost("lease on clinic " + item.clinic_id.value + " was lost before its results were committed");
  }
}

void WorkQueue::add_counts(pqxx::work& tx, const WorkItem& item, const std::string& counts_json)
{
  db::run(tx, k_add_counts, item.id, counts_json);
}

void WorkQueue::fail(const WorkItem& item, StageStates states, std::string_view code, std::string_view message)
{
  db::with_transaction(m_connection, [&](pqxx::work& tx) {
    db::run(tx, k_fail, item.id, m_worker_id, std::string(code), std::string(message), state_text(states.working));
  });
}

void WorkQueue::release(const WorkItem& item, StageStates states, std::string_view message)
{
  db::with_transaction(m_connection, [&](pqxx::work& tx) {
    db::run(tx, k_release, item.id, m_worker_id, state_text(states.input), std::string(message),
            state_text(states.working));
  });
}

void WorkQueue::renew(std::span<const std::int64_t> ids)
{
  if (ids.empty()) {
    return;
  }
  std::vector<std::string> texts;
  for (const auto id : ids) {
    texts.push_back(std::to_string(id));
  }
  db::with_transaction(m_connection, [&](pqxx::work& tx) {
    db::run(tx, k_renew, db::sql_array(texts), m_worker_id, static_cast<double>(m_settings.lease.count()));
  });
}

std::int64_t WorkQueue::open_count(const RunId& run_id, StageStates states)
{
  return db::with_transaction(m_connection, [&](pqxx::work& tx) {
    return db::run(tx, k_open_count, run_id.value, state_text(states.input), state_text(states.working))[0][0]
        .as<std::int64_t>();
  });
}

} // namespace shared::runs
