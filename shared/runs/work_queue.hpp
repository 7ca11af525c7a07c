#pragma once

#include "shared/core/errors.hpp"
#include "shared/core/ids.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace shared::runs {

// A clinic's way through a run (architecture.md, Decision 4).
enum class WorkState { pending, extracting, extracted, reconciling, reconciled, scheduling, scheduled, done, failed };
std::string_view to_string(WorkState state);

// The states one stage works between: it claims items in `input` (or in `working` with an expired
// lease), and moves them to `output`.
struct StageStates
{
  WorkState input;
  WorkState working;
  WorkState output;
};

inline constexpr StageStates k_extract_states{WorkState::pending, WorkState::extracting, WorkState::extracted};
inline constexpr StageStates k_reconcile_states{WorkState::extracted, WorkState::reconciling, WorkState::reconciled};
inline constexpr StageStates k_schedule_states{WorkState::reconciled, WorkState::scheduling, WorkState::scheduled};

struct WorkItem
{
  std::int64_t id = 0;
  RunId run_id;
  ClinicId clinic_id;
  int attempts = 0;
};

// This worker's lease on the item is gone (expired and taken by another worker). The transaction
// that noticed it must roll back: the other worker owns the clinic now.
class LeaseLost : public Error
{
public:
  using Error::Error;
};

struct QueueSettings
{
  std::chrono::seconds lease{300};   // "run.lease_seconds"
  int max_attempts = 3;              // "run.max_attempts"
};

// sync_work_items: one row per clinic per run, claimed with FOR UPDATE SKIP LOCKED and a lease
// (operations.md, 6.1). Every result commit is fenced on still holding the lease.
class WorkQueue
{
public:
  WorkQueue(pqxx::connection& connection, std::string worker_id, QueueSettings settings);

  // Claims one item of `run_id` in `states.input`, or in `states.working` whose lease expired, in a
  // short transaction of its own. Items that used up their attempts are failed (`attempts_exhausted`).
  std::optional<WorkItem> claim_next(const RunId& run_id, StageStates states);
  // Moves `item` to `states.output` inside the caller's transaction, the one that writes the
  // clinic's rows. Throws LeaseLost when this worker no longer holds the item.
  void advance(pqxx::work& tx, const WorkItem& item, StageStates states);
  // Merges `counts_json` (a JSON object of per-clinic counts) into the item's counts, inside the
  // caller's transaction; the audit stage and the run summary read them.
  void add_counts(pqxx::work& tx, const WorkItem& item, const std::string& counts_json);
  // Records the clinic as failed with `code` and a message without personal data.
  void fail(const WorkItem& item, StageStates states, std::string_view code, std::string_view message);
  // Hands an item back for another try in this run (a transient failure): `states.input`, lease cleared.
  void release(const WorkItem& item, StageStates states, std::string_view message);
  // Renews this worker's leases on `ids`.
  void renew(std::span<const std::int64_t> ids);
  // Items in `states.input` or `states.working` (under any lease).
  std::int64_t open_count(const RunId& run_id, StageStates states);

  [[nodiscard]] const std::string& worker_id() const { return m_worker_id; }

private:
  pqxx::connection& m_connection;
  std::string m_worker_id;
  QueueSettings m_settings;
};

} // namespace shared::runs
