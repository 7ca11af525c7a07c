#include "shared/app/stage_main.hpp"

#include "shared/app/process_setup.hpp"
#include "shared/app/version.hpp"
#include "shared/core/errors.hpp"
#include "shared/logging/logger.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <regex>

namespace shared::app {

namespace {

RunId resolve_run_id(const CommandLine& flags)
{
  std::string id;
  if (auto flag = flags.value("run-id")) {
    id = *flag;
  } else if (const char* env = std::getenv("IDEXX_SYNC_RUN_ID"); env != nullptr && *env != '\0') {
    id = env;
  } else {
    throw UsageError("no run id: pass --run-id ID or set IDEXX_SYNC_RUN_ID (the chart sets it to the Job's name)");
  }
  static const std::regex allowed("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  if (!std::regex_match(id, allowed)) {
    throw UsageError("run id '" + id + "': expected 1-128 letters, digits, '.', '_' or '-'");
  }
  return RunId{id};
}

} // namespace

int stage_main(int argc, char** argv, std::string_view binary, std::string_view stage,
               std::string_view description, const StageBody& body)
{
  logging::configure(std::string(stage), logging::Level::info);
  try {
    const auto flags = CommandLine::parse(arguments(argc, argv, 1), common_flags());
    if (flags.has("help")) {
      std::cout << "Usage: " << binary << " --config FILE [--run-id ID] [--now ISO-8601]\n\n"
                << description << "\n\nFlags:\n"
                << describe_flags(common_flags())
                << "\nExit codes: 0 done (failed clinics are recorded, not fatal), 64 usage, 75 database or "
                   "network unavailable, 78 configuration, 1 bug.\n";
      return 0;
    }
    if (flags.has("version")) {
      std::cout << binary << " " << k_version << "\n";
      return 0;
    }
    auto config = load_config(flags);
    auto run_id = resolve_run_id(flags);
    logging::set_run_id(run_id.value);
    StageContext context(std::string(stage), std::move(config), std::move(run_id), clock_from(flags));
    const auto started = std::chrono::steady_clock::now();
    logging::info("stage.started", {{"worker", context.worker_id()}, {"version", k_version}});
    const StageSummary summary = body(context);
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Build the event by hand: the counts are only known at run time.
    std::string counts;
    for (const auto& [name, value] : summary.counts) {
      counts += (counts.empty() ? "" : " ") + name + "=" + std::to_string(value);
    }
    logging::info("stage.finished", {{"seconds", elapsed}, {"counts", counts}});
    return 0;
  } catch (const std::exception& error) {
    return report_failure("stage", error);
  }
}

} // namespace shared::app
