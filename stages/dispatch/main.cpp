#include "shared/app/service_main.hpp"
#include "shared/logging/logger.hpp"
#include "stages/dispatch/dispatcher.hpp"

int main(int argc, char** argv)
{
  return shared::app::service_main(
      argc, argv, "idexx-sync-dispatch", "dispatch",
      "Receives QStash deliveries of discharge calls: verifies the signature, claims the call row, checks "
      "eligibility again and places the VAPI call. Serves /healthz, /readyz and /metrics.",
      [](const shared::config::ConfigFile& config, const shared::Clock& clock) {
        dispatch::DispatchServer server(dispatch::load_dispatch_config(config), clock);
        shared::logging::info("dispatch.listening", {{"port", static_cast<std::int64_t>(server.port())}});
        shared::app::wait_for_termination();
      });
}
