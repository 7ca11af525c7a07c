#include "stages/schedule/call_planner.hpp"

namespace schedule {

CallPlan plan_discharge_call(const CallCandidate& candidate, const ClinicCallPolicy& policy,
                             const shared::ClinicZone& zone, shared::Instant now)
{
  const auto skip = [](RefusalReason reason) { return CallPlan{.due = std::nullopt, .skipped = reason}; };
  // Death, opt-out, no-show and cancellation refuse a call even before the visit is finished.
  if (candidate.standing) {
    return skip(*candidate.standing);
  }
  if (candidate.case_status != "completed") {
    return {}; // not finished yet: the next run looks again
  }
  if (!policy.calls_enabled) {
    return skip(RefusalReason::calls_disabled);
  }
  if (candidate.product_call_exists) {
    return skip(RefusalReason::call_exists);
  }
  if (policy.require_notes && !candidate.has_notes) {
    return skip(RefusalReason::no_notes);
  }
  if (!candidate.phone_e164) {
    return skip(RefusalReason::phone_invalid);
  }
  if (!policy.vapi_configured) {
    return skip(RefusalReason::vapi_not_configured);
  }
  const int delay = candidate.case_delay_days.value_or(policy.delay_days);
  const auto day = std::chrono::local_days{candidate.visit_day} + std::chrono::days{delay};
  const auto due = due_time(policy.hours, zone, shared::LocalTime{day + policy.call_time}, now, policy.min_lead);
  if (!due) {
    return skip(RefusalReason::calls_disabled); // business hours open on no day: no time to call
  }
  return {.due = *due, .skipped = std::nullopt};
}

} // namespace schedule
