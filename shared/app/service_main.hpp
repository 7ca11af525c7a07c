#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"

#include <functional>
#include <string_view>

namespace shared::app {

// A long-running service's work: start serving, call wait_for_termination(), return to stop.
using ServiceBody = std::function<void(const config::ConfigFile&, const Clock&)>;

// The main of a long-running service (idexx-sync-dispatch): the common flags without --run-id (a
// service belongs to no run), configuration, logging, and exceptions turned into exit codes as
// stage_main does. SIGTERM and SIGINT are blocked in every thread so that only
// wait_for_termination() sees them.
int service_main(int argc, char** argv, std::string_view binary, std::string_view component,
                 std::string_view description, const ServiceBody& body);

// Blocks until SIGTERM or SIGINT arrives (Kubernetes stops a pod with SIGTERM).
void wait_for_termination();

} // namespace shared::app
