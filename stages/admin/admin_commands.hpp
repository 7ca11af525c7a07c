#pragma once

#include "shared/app/command_main.hpp"

namespace admin {

// migrate_command.cpp
int migrate(shared::app::CommandContext& context);
int config_check(shared::app::CommandContext& context);
int config_keys(shared::app::CommandContext& context);

// credentials_commands.cpp
int credentials_set(shared::app::CommandContext& context);
int credentials_validate(shared::app::CommandContext& context);
int credentials_rotate(shared::app::CommandContext& context);
int credentials_revoke(shared::app::CommandContext& context);

// clinics_commands.cpp
int clinics_list(shared::app::CommandContext& context);
int clinics_enable(shared::app::CommandContext& context);
int clinics_disable(shared::app::CommandContext& context);

// audit_commands.cpp
int audit_verify(shared::app::CommandContext& context);
int audit_maintain(shared::app::CommandContext& context); // owner role only

} // namespace admin
