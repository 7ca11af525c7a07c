#include "stages/schedule/call_timing.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace schedule {

namespace {

using std::chrono::minutes;

constexpr std::array<const char*, 7> k_day_names{"sunday", "monday", "tuesday", "wednesday",
                                                 "thursday", "friday", "saturday"};

// "08:30" -> 510 minutes; std::nullopt unless HH:MM with HH 00-24 and MM 00-59 (24:00 = midnight).
std::optional<minutes> clock_time(const nlohmann::json& value)
{
  if (!value.is_string()) {
    return std::nullopt;
  }
  const auto text = value.get<std::string>();
  if (text.size() != 5 || text[2] != ':' || !std::isdigit(static_cast<unsigned char>(text[0])) ||
      !std::isdigit(static_cast<unsigned char>(text[1])) || !std::isdigit(static_cast<unsigned char>(text[3])) ||
      !std::isdigit(static_cast<unsigned char>(text[4]))) {
    return std::nullopt;
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (hour > 24 || minute > 59 || (hour == 24 && minute != 0)) {
    return std::nullopt;
  }
  return minutes{hour * 60 + minute};
}

BusinessHours assumed_hours()
{
  BusinessHours hours;
  for (int day = 1; day <= 5; ++day) {
    hours.days[static_cast<std::size_t>(day)] = OpenHours{.open = minutes{9 * 60}, .close = minutes{17 * 60},
                                                          .lunch_start = std::nullopt, .lunch_end = std::nullopt};
  }
  hours.assumed = true;
  return hours;
}

} // namespace

BusinessHours parse_business_hours(const std::optional<std::string>& json)
{
  if (!json) {
    return assumed_hours();
  }
  const auto parsed = nlohmann::json::parse(*json, nullptr, false);
  if (!parsed.is_object()) {
    return assumed_hours();
  }
  BusinessHours hours;
  for (std::size_t day = 0; day < k_day_names.size(); ++day) {
    const auto found = parsed.find(k_day_names[day]);
    if (found == parsed.end() || !found->is_object()) {
      continue; // missing or null: closed
    }
    const auto open = clock_time(found->value("open", nlohmann::json()));
    const auto close = clock_time(found->value("close", nlohmann::json()));
    if (!open || !close || *open >= *close) {
      continue;
    }
    OpenHours day_hours{.open = *open, .close = *close, .lunch_start = std::nullopt, .lunch_end = std::nullopt};
    const auto lunch_start = clock_time(found->value("lunch_start", nlohmann::json()));
    const auto lunch_end = clock_time(found->value("lunch_end", nlohmann::json()));
    if (lunch_start && lunch_end && *lunch_start < *lunch_end && *lunch_start >= *open && *lunch_end <= *close) {
      day_hours.lunch_start = lunch_start;
      day_hours.lunch_end = lunch_end;
    }
    hours.days[day] = day_hours;
  }
  return hours;
}

std::optional<shared::LocalTime> next_open(const BusinessHours& hours, shared::LocalTime local)
{
  using namespace std::chrono;
  auto at = ceil<minutes>(local);
  // Fifteen days reach the same weekday twice: if nothing is open by then, nothing ever is.
  for (int step = 0; step < 15; ++step) {
    const auto day = floor<days>(at);
    const auto& open = hours.days[weekday{day}.c_encoding()];
    if (open) {
      auto time_of_day = duration_cast<minutes>(at - day);
      time_of_day = std::max(time_of_day, open->open);
      if (open->lunch_start && time_of_day >= *open->lunch_start && time_of_day < *open->lunch_end) {
        time_of_day = *open->lunch_end;
      }
      if (time_of_day < open->close) {
        return shared::LocalTime{day + time_of_day};
      }
    }
    at = local_time<minutes>{day + days{1}};
  }
  return std::nullopt;
}

std::optional<shared::Instant> due_time(const BusinessHours& hours, const shared::ClinicZone& zone,
                                        shared::LocalTime planned, shared::Instant now, std::chrono::minutes lead)
{
  const auto candidate = next_open(hours, planned);
  if (!candidate) {
    return std::nullopt;
  }
  const auto due = zone.to_utc(*candidate).instant;
  const auto earliest = now + lead;
  if (due >= earliest) {
    return due;
  }
  const auto moved = next_open(hours, zone.to_local(earliest));
  if (!moved) {
    return std::nullopt;
  }
  // Local minutes map onto UTC monotonically except in an autumn overlap, where the earlier
  // instant is taken; never hand out a time before `earliest`.
  return std::max(zone.to_utc(*moved).instant, shared::Instant{std::chrono::ceil<std::chrono::minutes>(earliest)});
}

std::optional<shared::Instant> allocate_start(const BusinessHours& hours, const shared::ClinicZone& zone,
                                              shared::Instant earliest, const TakeStart& take, StartHints* hints,
                                              int max_minutes)
{
  using namespace std::chrono;
  const shared::Instant asked = ceil<minutes>(earliest);
  auto from = asked;
  if (hints != nullptr) {
    if (const auto found = hints->find(asked); found != hints->end()) {
      from = std::max(from, found->second);
    }
  }
  auto local = zone.to_local(from);
  for (int tried = 0; tried < max_minutes; ++tried) {
    const auto open = next_open(hours, local);
    if (!open) {
      return std::nullopt;
    }
    const auto minute = zone.to_utc(*open).instant;
    local = *open + minutes{1};
    if (minute < from) {
      continue; // a repeated local minute of an autumn overlap, mapped to its earlier instant
    }
    if (take(minute)) {
      if (hints != nullptr) {
        (*hints)[asked] = minute;
      }
      return minute;
    }
  }
  return std::nullopt;
}

} // namespace schedule
