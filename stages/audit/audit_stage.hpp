#pragma once

#include "shared/app/stage_context.hpp"

namespace audit {

// Closes the run (architecture.md, audit): finalises each clinic's idexx_sync_sessions row and its
// clinic_sync_state, appends the hash-chained audit entries, moves `scheduled` clinics to `done`,
// closes the run when no clinic is left in a non-final state, and deletes old staging rows.
shared::app::StageSummary run_audit(shared::app::StageContext& context);

} // namespace audit
