#pragma once

#include "shared/core/clock.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace date {
class time_zone;
} // namespace date

namespace shared {

// A clinic-local wall-clock time: no zone attached, meaningful only with the clinic's ClinicZone.
using LocalTime = std::chrono::local_time<std::chrono::microseconds>;

// How a local wall-clock time maps onto UTC.
enum class LocalTimeKind {
  unique,     // exactly one instant
  in_gap,     // the time does not exist (spring forward); read with the offset before the gap
  in_overlap, // the time happens twice (fall back); the earlier instant was taken
};

struct ResolvedTime
{
  Instant instant;
  LocalTimeKind kind = LocalTimeKind::unique;
  // True when the local time was in a gap or an overlap: the record should carry a flag.
  [[nodiscard]] bool flagged() const { return kind != LocalTimeKind::unique; }
};

// Throws ConfigError naming `name` when it is not an IANA zone of the system tz database.
void validate_time_zone(std::string_view name);

// One clinic's IANA time zone. The only place (with clinic_time.cpp) that knows time-zone rules.
// Cheap to copy; thread-safe (the tz database is read-only once loaded).
class ClinicZone
{
public:
  // Throws DataError naming `name` when the zone is unknown (clinics.timezone is data, not config).
  explicit ClinicZone(std::string_view name);

  [[nodiscard]] const std::string& name() const { return m_name; }

  // Local wall clock -> UTC with architecture.md Decision 24: a time in the spring gap takes the
  // offset in force before the gap (02:30 on 2026-03-08 America/Chicago -> 08:30 UTC); an
  // ambiguous autumn time takes the earlier instant. `kind` says which case applied.
  [[nodiscard]] ResolvedTime to_utc(LocalTime local) const;
  // UTC -> local wall clock.
  [[nodiscard]] LocalTime to_local(Instant instant) const;
  // The clinic-local calendar date of `instant`.
  [[nodiscard]] std::chrono::year_month_day local_date(Instant instant) const;

private:
  std::string m_name;
  const date::time_zone* m_zone = nullptr;
};

// `2026-03-09 14:30:00` (what the IDEXX calendar sends and accepts). Sub-seconds are dropped.
std::string format_local(LocalTime local);
// `09.03.2026 14:30:00` (what the IDEXX consultation search accepts). Sub-seconds are dropped.
std::string format_local_dotted(LocalTime local);
// `2026-03-09`.
std::string format_date(std::chrono::year_month_day date);

// Strictly `YYYY-MM-DD HH:MM:SS`; throws DataError on anything else or an impossible date/time.
LocalTime parse_local(std::string_view text);
// Strictly `DD.MM.YYYY HH:MM:SS`; throws DataError on anything else.
LocalTime parse_local_dotted(std::string_view text);

// A time text from IDEXX Neo: `YYYY-MM-DD HH:MM:SS`, `DD.MM.YYYY HH:MM:SS`, or ISO 8601
// (`YYYY-MM-DDTHH:MM:SS[.ffffff]` with optional `Z`/`±HH:MM`). With `Z` or an offset the text is an
// instant (kind unique); without, it is clinic-local and resolved by `zone.to_utc`. Anything else
// (empty, a date alone, "not a date") throws DataError: never "now", never midnight.
ResolvedTime parse_clinic_time(std::string_view text, const ClinicZone& zone);

// A UTC window turned into the local whole days to query (idexx-neo.md §8): the start rounded
// down to 00:00:00 of its local date, the end up to 23:59:59 of its local date.
struct LocalQueryRange
{
  LocalTime start;
  LocalTime end;
  std::chrono::year_month_day first_day;
  std::chrono::year_month_day last_day;
};

// Throws std::invalid_argument when `to` is before `from`.
LocalQueryRange local_query_range(const ClinicZone& zone, Instant from, Instant to);

} // namespace shared
