#include "stages/schedule/call_planner.hpp"

#include <algorithm>

namespace schedule {

std::string_view to_string(SkipReason reason)
{
  switch (reason) {
  case SkipReason::not_finished: return "not_finished";
  case SkipReason::no_notes: return "no_notes";
  case SkipReason::phone_invalid: return "phone_invalid";
  case SkipReason::opted_out: return "opted_out";
  case SkipReason::calls_disabled: return "calls_disabled";
  case SkipReason::no_show: return "no_show";
  case SkipReason::cancelled: return "cancelled";
  case SkipReason::euthanasia_or_death: return "euthanasia_or_death";
  case SkipReason::too_old: return "too_old";
  case SkipReason::call_exists: return "call_exists";
  case SkipReason::vapi_not_configured: return "vapi_not_configured";
  case SkipReason::needs_review: return "needs_review";
  }
  return "calls_disabled";
}

CallPlan plan_discharge_call(const CallCandidate& candidate, const ClinicCallPolicy& policy,
                             const shared::ClinicZone& zone, shared::Instant now)
{
  const auto skip = [](SkipReason reason) { return CallPlan{.due = std::nullopt, .skipped = reason}; };
  // A no-show or a cancelled visit never gets a call (idexx-neo.md 6.1).
  if (candidate.appointment_status == "no_show") {
    return skip(SkipReason::no_show);
  }
  if (candidate.appointment_status == "cancelled") {
    return skip(SkipReason::cancelled);
  }
  if (candidate.case_status != "completed") {
    return {}; // not finished yet: the next run looks again
  }
  if (!policy.calls_enabled || !candidate.case_calls_enabled) {
    return skip(SkipReason::calls_disabled);
  }
  if (candidate.product_call_exists) {
    return skip(SkipReason::call_exists);
  }
  if (policy.require_notes && !candidate.has_notes) {
    return skip(SkipReason::no_notes);
  }
  if (!candidate.phone_e164) {
    return skip(SkipReason::phone_invalid);
  }
  if (!policy.vapi_configured) {
    return skip(SkipReason::vapi_not_configured);
  }
  const int delay = candidate.case_delay_days.value_or(policy.delay_days);
  const auto day = std::chrono::local_days{candidate.visit_day} + std::chrono::days{delay};
  const auto local = shared::LocalTime{day + policy.call_time};
  const auto due = zone.to_utc(local).instant;
  return {.due = std::max(due, now + policy.min_lead), .skipped = std::nullopt};
}

} // namespace schedule
