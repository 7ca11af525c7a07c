#include "shared/app/process_setup.hpp"

#include "shared/core/errors.hpp"
#include "shared/core/exit_codes.hpp"
#include "shared/logging/logger.hpp"

#include <cstdlib>

namespace shared::app {

std::vector<std::string> arguments(int argc, char** argv, int skip)
{
  std::vector<std::string> out;
  for (int i = skip; i < argc; ++i) {
    out.emplace_back(argv[i]);
  }
  return out;
}

config::ConfigFile load_config(const CommandLine& flags)
{
  std::string path;
  if (auto flag = flags.value("config")) {
    path = *flag;
  } else if (const char* env = std::getenv("IDEXX_SYNC_CONFIG"); env != nullptr && *env != '\0') {
    path = env;
  } else {
    throw UsageError("no configuration: pass --config FILE or set IDEXX_SYNC_CONFIG");
  }
  auto config = config::ConfigFile::load(path);
  logging::configure_level(logging::parse_level(config.text("logging.level")));
  return config;
}

Clock clock_from(const CommandLine& flags)
{
  const auto now = flags.value("now");
  if (!now) {
    return Clock{};
  }
  try {
    return Clock{parse_iso8601(*now)};
  } catch (const DataError&) {
    throw UsageError("--now: expected an ISO-8601 instant such as 2026-03-09T14:30:00Z, got '" + *now + "'");
  }
}

int report_failure(std::string_view what, const std::exception& error)
{
  const int code = exit_code_for(error);
  logging::error(std::string(what) + ".failed", {{"error", error.what()}, {"exit_code", code}});
  return code;
}

} // namespace shared::app
