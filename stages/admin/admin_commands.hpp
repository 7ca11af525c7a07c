#pragma once

#include "shared/app/command_main.hpp"

namespace admin {

// migrate_command.cpp
int migrate(shared::app::CommandContext& context);
int config_check(shared::app::CommandContext& context);

} // namespace admin
