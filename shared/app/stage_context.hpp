#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/ids.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace shared::app {

// What every stage gets from stage_main: the checked configuration file, the run id, the clock
// and a worker id naming this process in leases.
class StageContext
{
public:
  StageContext(std::string stage, config::ConfigFile config, RunId run_id, Clock clock);

  [[nodiscard]] const std::string& stage() const { return m_stage; }
  [[nodiscard]] const config::ConfigFile& config_file() const { return m_config; }
  [[nodiscard]] const RunId& run_id() const { return m_run_id; }
  [[nodiscard]] const Clock& clock() const { return m_clock; }
  // "<host>-<pid>": unique per process, stable for its life; the lease owner.
  [[nodiscard]] const std::string& worker_id() const { return m_worker_id; }

private:
  std::string m_stage;
  config::ConfigFile m_config;
  RunId m_run_id;
  Clock m_clock;
  std::string m_worker_id;
};

// What a stage reports when it is done: logged as "stage.finished" with each count as a field.
struct StageSummary
{
  std::vector<std::pair<std::string, std::int64_t>> counts;

  void add(std::string name, std::int64_t value) { counts.emplace_back(std::move(name), value); }
  [[nodiscard]] std::int64_t get(std::string_view name) const;
};

} // namespace shared::app
