#include "shared/runs/clinic_loop.hpp"

#include "shared/logging/logger.hpp"
#include "shared/runs/run_ledger.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace shared::runs {

LoopSettings load_loop_settings(const config::ConfigFile& file, std::string_view threads_key)
{
  LoopSettings settings;
  settings.threads = threads_key.empty() ? 1 : static_cast<int>(file.integer(threads_key));
  settings.heartbeat = file.seconds("run.heartbeat_seconds");
  settings.max_wait = file.seconds("run.max_wait_seconds");
  settings.poll = file.milliseconds("run.poll_interval_ms");
  settings.queue.lease = file.seconds("run.lease_seconds");
  settings.queue.max_attempts = static_cast<int>(file.integer("run.max_attempts"));
  return settings;
}

namespace {

// What the workers of one process share: the leases they hold, the counts, the first fatal error.
class LoopState
{
public:
  void hold(std::int64_t id)
  {
    const std::lock_guard lock(m_mutex);
    m_held.insert(id);
  }
  void drop(std::int64_t id)
  {
    const std::lock_guard lock(m_mutex);
    m_held.erase(id);
  }
  std::vector<std::int64_t> held()
  {
    const std::lock_guard lock(m_mutex);
    return {m_held.begin(), m_held.end()};
  }
  void set_fatal(std::exception_ptr error)
  {
    const std::lock_guard lock(m_mutex);
    if (!m_fatal) {
      m_fatal = std::move(error);
    }
    stop();
  }
  std::exception_ptr fatal()
  {
    const std::lock_guard lock(m_mutex);
    return m_fatal;
  }
  void stop()
  {
    m_stopping = true;
    m_wake.notify_all();
  }
  [[nodiscard]] bool stopping() const { return m_stopping; }
  // Sleeps up to `period`; returns early when stopping.
  void sleep_for(std::chrono::milliseconds period)
  {
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, period, [&] { return m_stopping.load(); });
  }

  std::atomic<std::int64_t> succeeded{0};
  std::atomic<std::int64_t> failed{0};

private:
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::set<std::int64_t> m_held;
  std::exception_ptr m_fatal;
  std::atomic<bool> m_stopping{false};
};

std::string code_for(const std::exception& error)
{
  if (const auto* clinic = dynamic_cast<const ClinicError*>(&error)) {
    return clinic->code();
  }
  if (dynamic_cast<const TransientError*>(&error) != nullptr) {
    return "unavailable";
  }
  if (dynamic_cast<const DataError*>(&error) != nullptr) {
    return "malformed_data";
  }
  if (dynamic_cast<const ConfigError*>(&error) != nullptr) {
    return "configuration";
  }
  return "internal_error";
}

void work(const db::DatabaseConfig& database, const RunId& run_id, const std::string& worker_id,
          const std::string& component, StageStates states, const LoopSettings& settings,
          const ClinicStepFactory& make_step, LoopState& state, logging::Progress& progress,
          std::mutex& progress_mutex)
{
  auto connection = db::open_connection(database, component);
  const auto step = make_step();
  WorkQueue queue(*connection, worker_id, settings.queue);
  std::optional<std::chrono::steady_clock::time_point> idle_since;
  while (!state.stopping()) {
    auto item = queue.claim_next(run_id, states);
    if (!item) {
      if (queue.open_count(run_id, states) == 0) {
        return;
      }
      // Other workers hold live leases: wait, and reclaim if they expire (Decision 18).
      const auto now = std::chrono::steady_clock::now();
      if (!idle_since) {
        idle_since = now;
      } else if (now - *idle_since > settings.max_wait) {
        logging::warn("stage.gave_up_waiting", {{"seconds", settings.max_wait.count()}});
        return;
      }
      state.sleep_for(settings.poll);
      continue;
    }
    idle_since.reset();
    state.hold(item->id);
    try {
      step(*connection, queue, *item);
      ++state.succeeded;
    } catch (const db::DatabaseUnavailable&) {
      state.drop(item->id);
      throw;
    } catch (const LeaseLost& error) {
      logging::warn("clinic.lease_lost", {{"clinic_id", item->clinic_id.value}});
    } catch (const pqxx::broken_connection& error) {
      state.drop(item->id);
      throw db::DatabaseUnavailable(std::string("database connection lost: ") + error.what());
    } catch (const std::exception& error) {
      const auto code = code_for(error);
      logging::warn("clinic.failed", {{"clinic_id", item->clinic_id.value}, {"error_code", code}, {"error", error.what()}});
      queue.fail(*item, states, code, error.what());
      ++state.failed;
    }
    state.drop(item->id);
    const std::lock_guard lock(progress_mutex);
    progress.advance();
  }
}

} // namespace

LoopResult run_clinic_loop(const db::DatabaseConfig& database, const RunId& run_id, const std::string& worker_id,
                           const std::string& component, StageStates states, const LoopSettings& settings,
                           const ClinicStep& step)
{
  return run_clinic_loop(database, run_id, worker_id, component, states, settings, [&step] { return step; });
}

LoopResult run_clinic_loop(const db::DatabaseConfig& database, const RunId& run_id, const std::string& worker_id,
                           const std::string& component, StageStates states, const LoopSettings& settings,
                           const ClinicStepFactory& make_step)
{
  LoopState state;
  auto control = db::open_connection(database, component + ".heartbeat");
  WorkQueue control_queue(*control, worker_id, settings.queue);
  RunLedger ledger(*control, LedgerSettings{});
  logging::Progress progress("clinics", control_queue.open_count(run_id, states));
  std::mutex progress_mutex;

  std::vector<std::thread> workers;
  for (int i = 0; i < settings.threads; ++i) {
    workers.emplace_back([&] {
      try {
        work(database, run_id, worker_id, component, states, settings, make_step, state, progress, progress_mutex);
      } catch (...) {
        state.set_fatal(std::current_exception());
      }
    });
  }
  std::thread heartbeat([&] {
    while (!state.stopping()) {
      state.sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(settings.heartbeat));
      if (state.stopping()) {
        break;
      }
      try {
        const auto ids = state.held();
        control_queue.renew(ids);
        ledger.heartbeat(run_id);
      } catch (const std::exception& error) {
        logging::warn("lease.renew_failed", {{"error", error.what()}});
      }
    }
  });
  for (auto& worker : workers) {
    worker.join();
  }
  state.stop();
  heartbeat.join();
  if (auto fatal = state.fatal()) {
    std::rethrow_exception(fatal);
  }
  return LoopResult{.succeeded = state.succeeded, .failed = state.failed};
}

} // namespace shared::runs
