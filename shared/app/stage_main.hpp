#pragma once

#include "shared/app/stage_context.hpp"

#include <functional>
#include <string_view>

namespace shared::app {

using StageBody = std::function<StageSummary(StageContext&)>;

// The one main of the four stages (style.md L1): parses the common flags, loads and checks the
// configuration, works out the run id (--run-id, else IDEXX_SYNC_RUN_ID), starts logging, runs
// `body`, and turns whatever escapes it into an exit code (shared/core/exit_codes.hpp).
int stage_main(int argc, char** argv, std::string_view binary, std::string_view stage,
               std::string_view description, const StageBody& body);

} // namespace shared::app
