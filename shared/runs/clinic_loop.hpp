#pragma once

#include "shared/config/config_file.hpp"
#include "shared/db/connection.hpp"
#include "shared/runs/work_queue.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace shared::runs {

struct LoopSettings
{
  int threads = 1;                              // clinics worked at once in this process
  std::chrono::seconds heartbeat{60};           // "run.heartbeat_seconds"
  std::chrono::seconds max_wait{3300};          // "run.max_wait_seconds"
  std::chrono::milliseconds poll{500};          // "run.poll_interval_ms"
  QueueSettings queue;                          // "run.lease_seconds", "run.max_attempts"
};

// Reads the run.* keys; `threads` from `threads_key` when given (e.g. "extract.threads"), else 1.
LoopSettings load_loop_settings(const config::ConfigFile& file, std::string_view threads_key = {});

// One clinic's work for a stage. It must commit the clinic's rows and `queue.advance(tx, item, states)`
// in ONE transaction on `connection` (style.md L7). Throwing fails the clinic (ClinicError gives the
// code), except DatabaseUnavailable, which stops the stage (exit 75) and leaves the lease to expire.
using ClinicStep = std::function<void(pqxx::connection& connection, WorkQueue& queue, const WorkItem& item)>;
// Makes one worker's ClinicStep, once per worker thread: what the step owns (an IDEXX Neo client with
// its TLS context and keep-alive connection) serves every clinic that worker claims.
using ClinicStepFactory = std::function<ClinicStep()>;

struct LoopResult
{
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;
};

// The per-clinic catch site (style.md L2): `settings.threads` workers, each with its own connection,
// claim the run's items in `states.input` until none is left in input or working state (waiting for
// other workers' live leases up to `max_wait`), while a heartbeat thread renews this process's leases
// and the run's heartbeat.
LoopResult run_clinic_loop(const db::DatabaseConfig& database, const RunId& run_id, const std::string& worker_id,
                           const std::string& component, StageStates states, const LoopSettings& settings,
                           const ClinicStep& step);
// The same with a step of each worker's own, made by `make_step` on the worker's thread.
LoopResult run_clinic_loop(const db::DatabaseConfig& database, const RunId& run_id, const std::string& worker_id,
                           const std::string& component, StageStates states, const LoopSettings& settings,
                           const ClinicStepFactory& make_step);

} // namespace shared::runs
