#include "shared/app/service_main.hpp"

#include "shared/app/command_line.hpp"
#include "shared/app/process_setup.hpp"
#include "shared/app/version.hpp"
#include "shared/logging/logger.hpp"

#include <csignal>
#include <iostream>
#include <pthread.h>
#include <vector>

namespace shared::app {

namespace {

sigset_t termination_signals()
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::vector<FlagSpec> service_flags()
{
  std::vector<FlagSpec> flags;
  for (const auto& flag : common_flags()) {
    if (flag.name != "run-id") {
      flags.push_back(flag);
    }
  }
  return flags;
}

} // namespace

void wait_for_termination()
{
  const auto set = termination_signals();
  int signal = 0;
  sigwait(&set, &signal);
  logging::info("service.stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
}

int service_main(int argc, char** argv, std::string_view binary, std::string_view component,
                 std::string_view description, const ServiceBody& body)
{
  // Before any thread exists, so that every thread inherits the mask.
  const auto set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  logging::configure(std::string(component), logging::Level::info);
  try {
    const auto specs = service_flags();
    const auto flags = CommandLine::parse(arguments(argc, argv, 1), specs);
    if (flags.has("help")) {
      std::cout << "Usage: " << binary << " --config FILE [--now ISO-8601]\n\n"
                << description << "\n\nFlags:\n"
                << describe_flags(specs)
                << "\nExit codes: 0 stopped by SIGTERM/SIGINT, 64 usage, 75 database or network unavailable, "
                   "78 configuration, 1 bug.\n";
      return 0;
    }
    if (flags.has("version")) {
      std::cout << binary << " " << k_version << "\n";
      return 0;
    }
    const auto config = load_config(flags);
    body(config, clock_from(flags));
    return 0;
  } catch (const std::exception& error) {
    return report_failure("service", error);
  }
}

} // namespace shared::app
