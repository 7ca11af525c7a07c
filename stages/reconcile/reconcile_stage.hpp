#pragma once

#include "shared/app/stage_context.hpp"

namespace reconcile {

// Links each staged consultation of a clinic to its case (consultation id, then appointment id;
// ambiguity goes to review), merges the notes into the case when their content changed, refreshes
// calendar keys and status, creates cases for appointments that have none (configurable) and records
// consultation_sync_status, all in one transaction with the clinic's move to `reconciled`.
shared::app::StageSummary run_reconcile(shared::app::StageContext& context);

} // namespace reconcile
