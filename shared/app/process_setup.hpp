#pragma once

#include "shared/app/command_line.hpp"
#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"

#include <string>
#include <vector>

namespace shared::app {

// What stage_main and command_main share: argv as strings, the config path and the clock from the
// common flags.
std::vector<std::string> arguments(int argc, char** argv, int skip);
config::ConfigFile load_config(const CommandLine& flags);
Clock clock_from(const CommandLine& flags);
// Logs the exception as "<what>.failed" and returns its exit code.
int report_failure(std::string_view what, const std::exception& error);

} // namespace shared::app
