#pragma once

#include <exception>

namespace shared {

// The exit codes of every binary (architecture.md, "Exit codes"). The chart's podFailurePolicy
// fails the Job at once on usage and configuration errors.
enum ExitCode : int {
  exit_ok = 0,
  exit_bug = 1,
  exit_usage = 64,
  exit_transient = 75,
  exit_config = 78,
};

// The one table from exception to exit code: UsageError 64, ConfigError 78, TransientError 75,
// anything else 1.
int exit_code_for(const std::exception& error) noexcept;

} // namespace shared
