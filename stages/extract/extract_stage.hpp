#pragma once

#include "shared/app/stage_context.hpp"

namespace extract {

// Opens or joins the run (one work item per eligible clinic), then per clinic: chooses and
// decrypts its credential, opens its sync session, logs in to IDEXX Neo, reads the window and
// stages the records together with its watermark and its move to `extracted`.
shared::app::StageSummary run_extract(shared::app::StageContext& context);

} // namespace extract
