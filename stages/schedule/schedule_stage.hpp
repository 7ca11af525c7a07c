#pragma once

#include "shared/app/stage_context.hpp"

namespace schedule {

// For each clinic: decides which consultations linked in this run get a discharge call and when,
// commits the call rows first (outbox: pending_publish, or skipped with its reason), then publishes
// every pending call of the clinic to QStash with its deduplication id and marks it queued.
shared::app::StageSummary run_schedule(shared::app::StageContext& context);

} // namespace schedule
