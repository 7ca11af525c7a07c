#include "shared/app/command_main.hpp"
#include "stages/admin/admin_commands.hpp"

int main(int argc, char** argv)
{
  return shared::app::command_main(
      argc, argv, "idexx-sync",
      {
          {"migrate", "apply pending migrations (advisory-locked, checksummed)", {}, admin::migrate},
          {"config check", "check the configuration file and exit", {}, admin::config_check},
      });
}
