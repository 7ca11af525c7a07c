#pragma once

#include "shared/calls/call_refusal.hpp"
#include "shared/core/clinic_time.hpp"
#include "shared/core/clock.hpp"
#include "stages/schedule/call_timing.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace schedule {

using shared::calls::RefusalReason;

// What the planner needs to know about one linked consultation and its case.
struct CallCandidate
{
  std::string case_status;                  // cases.status
  // shared::calls::standing_refusal of the case's facts (death words, deceased, opt-out, no-show,
  // cancelled, cases.call_enabled): the rules the dispatcher checks again at call time.
  std::optional<RefusalReason> standing;
  bool has_notes = false;                   // notes or discharge summary plain text non-empty
  std::optional<std::string> phone_e164;    // the owner's phone, normalised; nullopt = invalid
  bool product_call_exists = false;         // a product call (no call_kind) queued or done
  std::chrono::year_month_day visit_day{};  // clinic-local date of the visit
  std::optional<int> case_delay_days;       // cases.call_delay_days
};

// The clinic's rules, already resolved in precedence order (data-model.md 7): case-type cadence,
// then auto_scheduling_config, then 2 days at 16:00 where a value is NULL.
struct ClinicCallPolicy
{
  bool calls_enabled = false;               // auto_scheduling_config.is_enabled && auto_call_enabled, cadence
  bool require_notes = true;                // "schedule.require_notes"
  bool vapi_configured = false;             // assistant and phone number id known
  int delay_days = 2;
  std::chrono::minutes call_time{16 * 60};  // clinic-local time of day
  std::chrono::minutes min_lead{2};         // "schedule.min_lead_minutes"
  BusinessHours hours;                      // clinics.business_hours
};

struct CallPlan
{
  std::optional<shared::Instant> due;       // UTC; set when a call is planned
  std::optional<RefusalReason> skipped;     // set when no call will be made
  // Neither set: not yet (the visit is not finished); no row is written, a later run decides.
};

// Decides whether and when to call, in the clinic's zone: the visit's local date plus the delay at
// the call time, moved into business hours (closed days and lunch skipped); a due time already past
// (or closer than `min_lead`) moves to the first open minute at least `min_lead` ahead. The start
// slot of the minute is taken later, just before publishing. Pure: no clock, no database.
CallPlan plan_discharge_call(const CallCandidate& candidate, const ClinicCallPolicy& policy,
                             const shared::ClinicZone& zone, shared::Instant now);

} // namespace schedule
