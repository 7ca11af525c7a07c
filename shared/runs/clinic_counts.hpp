#pragma once

#include "shared/app/stage_context.hpp"
#include "shared/core/ids.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shared::runs {

// What a stage counted for one clinic, in a fixed order: written to the work item (its `counts`
// jsonb, which the audit stage and the run summary read), logged, and summed for the stage.
using ClinicCounts = std::vector<std::pair<std::string, std::int64_t>>;

// `{"name": value, ...}`.
std::string counts_json(const ClinicCounts& counts);

// Logs `event` for `clinic` with every count as a field.
void log_clinic_counts(std::string_view event, const ClinicId& clinic, const ClinicCounts& counts);

// Sums the clinics' counts of one stage across worker threads, keeping the first-seen order.
class CountTotals
{
public:
  void add(const ClinicCounts& counts);
  // Appends every total to `summary`.
  void report(app::StageSummary& summary) const;

private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_order;
  std::map<std::string, std::int64_t, std::less<>> m_totals;
};

} // namespace shared::runs
