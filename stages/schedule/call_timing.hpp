#pragma once

#include "shared/core/clinic_time.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace schedule {

// One open day of clinics.business_hours (data-model.md 2), minutes after local midnight.
struct OpenHours
{
  std::chrono::minutes open{};
  std::chrono::minutes close{};
  std::optional<std::chrono::minutes> lunch_start; // both set, or neither
  std::optional<std::chrono::minutes> lunch_end;
};

struct BusinessHours
{
  std::array<std::optional<OpenHours>, 7> days; // index = weekday, 0 = Sunday; nullopt = closed
  bool assumed = false; // the column was NULL or unreadable: Monday-Friday 09:00-17:00 assumed
};

// Reads the clinics.business_hours JSON: a missing day, `null`, an object without open/close, or
// one whose times do not parse as HH:MM with open < close means closed that day; lunch keys are
// optional and ignored unless both are inside the open hours. NULL or text that is not a JSON
// object -> Monday-Friday 09:00-17:00 with `assumed` set (the product's own default).
BusinessHours parse_business_hours(const std::optional<std::string>& json);

// The first clinic-local minute at or after `local` (rounded up to a whole minute) at which a call
// may start: open, not lunch, before closing. std::nullopt when the clinic opens on no day at all.
std::optional<shared::LocalTime> next_open(const BusinessHours& hours, shared::LocalTime local);

// The call's start: the planned local time moved into business hours; when that is earlier than
// now + `lead`, the first open minute at least `lead` after now instead (lesson 7). UTC.
// std::nullopt when the clinic is never open.
std::optional<shared::Instant> due_time(const BusinessHours& hours, const shared::ClinicZone& zone,
                                        shared::LocalTime planned, shared::Instant now, std::chrono::minutes lead);

// Takes one start in the minute `minute` (UTC, whole minute) for the account; false when the
// minute is already full. Implemented over Postgres by the repository.
using TakeStart = std::function<bool(shared::Instant minute)>;

// Where earlier walks of this process ended, per earliest minute asked for. Starts are never given
// back, so a minute found full stays full and the next walk from the same point may start where the
// last one succeeded: without this, 10,000 calls due at 16:00 would ask Postgres about 500,000
// full minutes. One per account; not thread-safe.
using StartHints = std::map<shared::Instant, shared::Instant>;

// Walks open minutes from `earliest` (rounded up to a whole minute) until `take` grants a start,
// and returns that minute. Gives up after `max_minutes` open minutes (std::nullopt).
std::optional<shared::Instant> allocate_start(const BusinessHours& hours, const shared::ClinicZone& zone,
                                              shared::Instant earliest, const TakeStart& take,
                                              StartHints* hints = nullptr, int max_minutes = 100'000);

} // namespace schedule
