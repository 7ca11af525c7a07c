#pragma once

#include "shared/core/clinic_time.hpp"
#include "shared/core/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace schedule {

// Why a linked consultation gets no call: one vocabulary (architecture.md, Decision 10).
enum class SkipReason {
  not_finished, no_notes, phone_invalid, opted_out, calls_disabled, no_show, cancelled, euthanasia_or_death,
  too_old, call_exists, vapi_not_configured, needs_review
};
std::string_view to_string(SkipReason reason);

// What the planner needs to know about one linked consultation and its case.
struct CallCandidate
{
  std::string case_status;                  // cases.status
  std::string appointment_status;           // canonical appointment status, "" when unknown
  bool case_calls_enabled = true;           // cases.call_enabled
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
};

struct CallPlan
{
  std::optional<shared::Instant> due;       // UTC; set when a call is planned
  std::optional<SkipReason> skipped;        // set when no call will be made
  // Neither set: not yet (the visit is not finished); no row is written, a later run decides.
};

// Decides whether and when to call, in the clinic's zone: the visit's local date plus the delay at
// the call time; a due time already past (or closer than `min_lead`) moves to now + `min_lead`.
// Pure: no clock, no database.
CallPlan plan_discharge_call(const CallCandidate& candidate, const ClinicCallPolicy& policy,
                             const shared::ClinicZone& zone, shared::Instant now);

} // namespace schedule
