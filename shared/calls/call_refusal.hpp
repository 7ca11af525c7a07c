#pragma once

#include <string_view>

namespace shared::calls {

// Why a discharge call is not made: the one vocabulary (architecture.md, Decision 10; data-model.md
// 6.2), written as metadata.skip_reason when the schedule stage refuses a call and as
// metadata.cancel_reason when a queued call is cancelled later (schedule or dispatcher).
enum class RefusalReason {
  not_finished, no_notes, phone_invalid, opted_out, calls_disabled, no_show, cancelled, euthanasia_or_death,
  too_old, call_exists, vapi_not_configured, needs_review
};

std::string_view to_string(RefusalReason reason);

} // namespace shared::calls
