#include "stages/schedule/call_timing.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace schedule;
using namespace std::chrono;

namespace {

// Monday-Friday 08:00-18:00 with lunch 12:30-13:30, Saturday 09:00-13:00, Sunday closed.
const BusinessHours k_hours = parse_business_hours(R"({
  "monday":    {"open": "08:00", "close": "18:00", "lunch_start": "12:30", "lunch_end": "13:30"},
  "tuesday":   {"open": "08:00", "close": "18:00", "lunch_start": "12:30", "lunch_end": "13:30"},
  "wednesday": {"open": "08:00", "close": "18:00", "lunch_start": "12:30", "lunch_end": "13:30"},
  "thursday":  {"open": "08:00", "close": "18:00", "lunch_start": "12:30", "lunch_end": "13:30"},
  "friday":    {"open": "08:00", "close": "18:00", "lunch_start": "12:30", "lunch_end": "13:30"},
  "saturday":  {"open": "09:00", "close": "13:00"},
  "sunday":    null})");

const shared::ClinicZone k_chicago("America/Chicago");
const shared::ClinicZone k_london("Europe/London");
const auto k_long_ago = shared::parse_iso8601("2026-01-01T00:00:00Z");

shared::LocalTime local(const char* text)
{
  return shared::parse_local(text);
}

std::string due(const char* planned, shared::Instant now = k_long_ago, const BusinessHours& hours = k_hours,
                const shared::ClinicZone& zone = k_chicago)
{
  const auto at = due_time(hours, zone, local(planned), now, minutes{2});
  return at ? shared::format_iso8601(*at) : "never";
}

// Postgres's call_start_slots in memory: at most `max` starts per minute.
struct SlotTable
{
  int max = 10;
  std::map<shared::Instant, int> used;
  int asked = 0;
  TakeStart take()
  {
    return [this](shared::Instant minute) {
      ++asked;
      if (used[minute] >= max) {
        return false;
      }
      ++used[minute];
      return true;
    };
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(schedule_call_timing)

BOOST_AUTO_TEST_CASE(spring_forward_both_sides)
{
  BOOST_TEST(due("2026-03-07 10:00:00") == "2026-03-07T16:00:00.000000Z"); // Saturday, CST (UTC-6)
  BOOST_TEST(due("2026-03-09 10:00:00") == "2026-03-09T15:00:00.000000Z"); // Monday, CDT (UTC-5)
  // Planned on the Sunday of the change (closed): Monday's opening, already CDT.
  BOOST_TEST(due("2026-03-08 16:00:00") == "2026-03-09T13:00:00.000000Z");
}

BOOST_AUTO_TEST_CASE(fall_back_both_sides)
{
  BOOST_TEST(due("2026-10-31 10:00:00") == "2026-10-31T15:00:00.000000Z"); // Saturday, CDT
  BOOST_TEST(due("2026-11-02 10:00:00") == "2026-11-02T16:00:00.000000Z"); // Monday, CST
  BOOST_TEST(due("2026-11-01 16:00:00") == "2026-11-02T14:00:00.000000Z"); // Sunday -> Monday 08:00 CST
}

BOOST_AUTO_TEST_CASE(lunch_is_skipped)
{
  BOOST_TEST(due("2026-03-10 12:29:00") == "2026-03-10T17:29:00.000000Z");
  BOOST_TEST(due("2026-03-10 12:30:00") == "2026-03-10T18:30:00.000000Z"); // -> 13:30 CDT
  BOOST_TEST(due("2026-03-10 12:45:00") == "2026-03-10T18:30:00.000000Z");
  BOOST_TEST(due("2026-03-10 13:30:00") == "2026-03-10T18:30:00.000000Z");
}

BOOST_AUTO_TEST_CASE(closed_days_and_after_hours_move_to_the_next_opening)
{
  BOOST_TEST(due("2026-03-10 06:15:00") == "2026-03-10T13:00:00.000000Z"); // before opening -> 08:00
  BOOST_TEST(due("2026-03-13 18:00:00") == "2026-03-14T14:00:00.000000Z"); // Friday closing -> Saturday 09:00
  BOOST_TEST(due("2026-03-14 13:30:00") == "2026-03-16T13:00:00.000000Z"); // Saturday afternoon -> Monday
  BOOST_TEST(due("2026-03-10 17:59:00") == "2026-03-10T22:59:00.000000Z"); // the last open minute
}

BOOST_AUTO_TEST_CASE(unknown_hours_mean_weekdays_nine_to_five)
{
  const auto assumed = parse_business_hours(std::nullopt);
  BOOST_TEST(assumed.assumed);
  BOOST_TEST(parse_business_hours(std::string("not json")).assumed);
  BOOST_TEST(due("2026-03-14 10:00:00", k_long_ago, assumed) == "2026-03-16T14:00:00.000000Z"); // Sat -> Mon 09:00
  BOOST_TEST(due("2026-03-16 17:00:00", k_long_ago, assumed) == "2026-03-17T14:00:00.000000Z");
  BOOST_TEST(!k_hours.assumed);
}

BOOST_AUTO_TEST_CASE(a_day_that_does_not_parse_is_closed)
{
  const auto hours = parse_business_hours(R"({"monday": {"open": "25:00", "close": "18:00"},
    "tuesday": {"open": "18:00", "close": "08:00"}, "wednesday": {"open": "08:00"},
    "thursday": {"open": "08:00", "close": "18:00", "lunch_start": "19:00", "lunch_end": "20:00"}})");
  BOOST_TEST(due("2026-03-09 10:00:00", k_long_ago, hours) == "2026-03-12T13:00:00.000000Z"); // Thursday 08:00
  // A lunch outside the open hours is ignored, not a reason to close.
  BOOST_TEST(due("2026-03-12 12:45:00", k_long_ago, hours) == "2026-03-12T17:45:00.000000Z");
  BOOST_TEST(due("2026-03-09 10:00:00", k_long_ago, parse_business_hours(R"({})")) == "never");
}

BOOST_AUTO_TEST_CASE(a_time_already_past_moves_to_the_next_open_minute_two_minutes_ahead)
{
  // Tuesday 10:00:30 CDT: 10:02:30 rounds up to 10:03.
  BOOST_TEST(due("2026-03-02 16:00:00", shared::parse_iso8601("2026-03-10T15:00:30Z")) ==
             "2026-03-10T15:03:00.000000Z");
  // During lunch: after lunch.
  BOOST_TEST(due("2026-03-02 16:00:00", shared::parse_iso8601("2026-03-10T17:40:00Z")) ==
             "2026-03-10T18:30:00.000000Z");
  // Two minutes before closing: the next morning, never a call at 18:01.
  BOOST_TEST(due("2026-03-02 16:00:00", shared::parse_iso8601("2026-03-10T22:59:00Z")) ==
             "2026-03-11T13:00:00.000000Z");
  // A due time still ahead is kept.
  BOOST_TEST(due("2026-03-11 16:00:00", shared::parse_iso8601("2026-03-10T15:00:00Z")) ==
             "2026-03-11T21:00:00.000000Z");
}

BOOST_AUTO_TEST_CASE(no_more_starts_in_a_minute_than_the_account_allows)
{
  SlotTable slots;
  std::map<std::string, int> per_minute;
  const auto earliest = shared::parse_iso8601("2026-03-10T21:00:00Z"); // Tuesday 16:00 CDT
  for (int i = 0; i < 25; ++i) {
    const auto start = allocate_start(k_hours, k_chicago, earliest, slots.take());
    BOOST_REQUIRE(start.has_value());
    ++per_minute[shared::format_iso8601(*start)];
  }
  BOOST_TEST(per_minute["2026-03-10T21:00:00.000000Z"] == 10);
  BOOST_TEST(per_minute["2026-03-10T21:01:00.000000Z"] == 10);
  BOOST_TEST(per_minute["2026-03-10T21:02:00.000000Z"] == 5);
  BOOST_TEST(per_minute.size() == 3U);
}

BOOST_AUTO_TEST_CASE(staggered_calls_that_reach_closing_time_move_to_the_next_opening)
{
  const auto hours = parse_business_hours(R"({"tuesday": {"open": "08:00", "close": "16:02"},
                                               "wednesday": {"open": "08:00", "close": "18:00"}})");
  SlotTable slots;
  std::map<std::string, int> per_minute;
  for (int i = 0; i < 25; ++i) {
    const auto start = allocate_start(hours, k_chicago, shared::parse_iso8601("2026-03-10T21:00:00Z"), slots.take());
    BOOST_REQUIRE(start.has_value());
    ++per_minute[shared::format_iso8601(*start)];
  }
  BOOST_TEST(per_minute["2026-03-10T21:00:00.000000Z"] == 10);
  BOOST_TEST(per_minute["2026-03-10T21:01:00.000000Z"] == 10);
  BOOST_TEST(per_minute["2026-03-11T13:00:00.000000Z"] == 5); // Wednesday 08:00 CDT
}

BOOST_AUTO_TEST_CASE(clinics_in_different_zones_share_the_account_s_minutes)
{
  // London 16:00 GMT and Chicago 10:00 CST are the same instant: one account, one count.
  SlotTable slots;
  StartHints hints;
  std::map<std::string, int> per_minute;
  for (int i = 0; i < 12; ++i) {
    const auto& zone = i % 2 == 0 ? k_london : k_chicago;
    const auto planned = i % 2 == 0 ? local("2026-01-14 16:00:00") : local("2026-01-14 10:00:00");
    const auto at = due_time(k_hours, zone, planned, k_long_ago, minutes{2});
    BOOST_REQUIRE(at.has_value());
    BOOST_TEST(shared::format_iso8601(*at) == "2026-01-14T16:00:00.000000Z");
    const auto start = allocate_start(k_hours, zone, *at, slots.take(), &hints);
    BOOST_REQUIRE(start.has_value());
    ++per_minute[shared::format_iso8601(*start)];
  }
  BOOST_TEST(per_minute["2026-01-14T16:00:00.000000Z"] == 10);
  BOOST_TEST(per_minute["2026-01-14T16:01:00.000000Z"] == 2);
}

BOOST_AUTO_TEST_CASE(hints_keep_the_walk_over_full_minutes_short)
{
  SlotTable with_hints;
  SlotTable without;
  StartHints hints;
  const auto earliest = shared::parse_iso8601("2026-03-10T13:00:00Z"); // Tuesday 08:00 CDT
  for (int i = 0; i < 300; ++i) {
    const auto a = allocate_start(k_hours, k_chicago, earliest, with_hints.take(), &hints);
    const auto b = allocate_start(k_hours, k_chicago, earliest, without.take());
    BOOST_REQUIRE((a.has_value() && b.has_value() && *a == *b));
  }
  BOOST_TEST(with_hints.asked <= 300 + 30);
  BOOST_TEST(without.asked > 3000);
}

BOOST_AUTO_TEST_SUITE_END()
