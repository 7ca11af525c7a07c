#include "shared/runs/clinic_counts.hpp"

#include "shared/logging/logger.hpp"

#include <nlohmann/json.hpp>

namespace shared::runs {

std::string counts_json(const ClinicCounts& counts)
{
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : counts) {
    object[name] = value;
  }
  return object.dump();
}

void log_clinic_counts(std::string_view event, const ClinicId& clinic, const ClinicCounts& counts)
{
  std::vector<logging::Field> fields{{"clinic_id", clinic.value}};
  for (const auto& [name, value] : counts) {
    fields.emplace_back(name, value);
  }
  logging::log(logging::Level::info, event, fields);
}

void CountTotals::add(const ClinicCounts& counts)
{
  const std::lock_guard lock(m_mutex);
  for (const auto& [name, value] : counts) {
    const auto [it, inserted] = m_totals.try_emplace(name, 0);
    if (inserted) {
      m_order.push_back(name);
    }
    it->second += value;
  }
}

void CountTotals::report(app::StageSummary& summary) const
{
  const std::lock_guard lock(m_mutex);
  for (const auto& name : m_order) {
    summary.add(name, m_totals.find(name)->second);
  }
}

} // namespace shared::runs
