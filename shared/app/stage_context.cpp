#include "shared/app/stage_context.hpp"

#include <unistd.h>

#include <array>

namespace shared::app {

namespace {

std::string make_worker_id()
{
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) {
    host = {};
  }
  return std::string(host.data()) + "-" + std::to_string(::getpid());
}

} // namespace

StageContext::StageContext(std::string stage, config::ConfigFile config, RunId run_id, Clock clock)
    : m_stage(std::move(stage)), m_config(std::move(config)), m_run_id(std::move(run_id)), m_clock(clock),
      m_worker_id(make_worker_id())
{
}

std::int64_t StageSummary::get(std::string_view name) const
{
  for (const auto& [key, value] : counts) {
    if (key == name) {
      return value;
    }
  }
  return 0;
}

} // namespace shared::app
