// tests/unit/shared/core/clinic_time_test.cpp   <->   shared/core/clinic_time.cpp
#include "shared/core/clinic_time.hpp"
#include "shared/core/errors.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using namespace std::chrono;

shared::LocalTime local(int y, unsigned mo, unsigned d, int h, int mi, int s = 0)
{
  return shared::LocalTime{local_days{year{y} / month{mo} / day{d}}.time_since_epoch()} + hours{h} +
         minutes{mi} + seconds{s};
}

std::string utc(const shared::ResolvedTime& resolved)
{
  return shared::format_iso8601(resolved.instant);
}

} // namespace

BOOST_AUTO_TEST_SUITE(core_clinic_time)

BOOST_AUTO_TEST_CASE(chicago_converts_on_both_sides_of_the_spring_change)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  const auto before = chicago.to_utc(local(2026, 3, 8, 1, 59, 59));
  BOOST_TEST(utc(before) == "2026-03-08T07:59:59.000000Z");
  BOOST_TEST(!before.flagged());
  const auto after = chicago.to_utc(local(2026, 3, 8, 3, 0));
  BOOST_TEST(utc(after) == "2026-03-08T08:00:00.000000Z");
  BOOST_TEST(!after.flagged());
}

BOOST_AUTO_TEST_CASE(a_time_in_the_spring_gap_takes_the_offset_before_the_gap_and_is_flagged)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  const auto gap = chicago.to_utc(local(2026, 3, 8, 2, 30));
  BOOST_TEST(utc(gap) == "2026-03-08T08:30:00.000000Z");
  BOOST_TEST((gap.kind == shared::LocalTimeKind::in_gap));
  // 08:30 UTC reads back as 03:30 CDT.
  BOOST_TEST(shared::format_local(chicago.to_local(gap.instant)) == "2026-03-08 03:30:00");
}

BOOST_AUTO_TEST_CASE(an_ambiguous_autumn_time_takes_the_earlier_instant_and_is_flagged)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  const auto doubled = chicago.to_utc(local(2026, 11, 1, 1, 30));
  BOOST_TEST(utc(doubled) == "2026-11-01T06:30:00.000000Z");
  BOOST_TEST((doubled.kind == shared::LocalTimeKind::in_overlap));
  const auto later = chicago.to_utc(local(2026, 11, 1, 2, 30));
  BOOST_TEST(utc(later) == "2026-11-01T08:30:00.000000Z");
  BOOST_TEST(!later.flagged());
  BOOST_TEST(shared::format_local(chicago.to_local(
                 shared::parse_iso8601("2026-11-01T07:30:00Z"))) == "2026-11-01 01:30:00");
}

BOOST_AUTO_TEST_CASE(london_gap_and_overlap_follow_the_same_rules_on_uk_dates)
{
  const shared::ClinicZone london{"Europe/London"};
  BOOST_TEST(utc(london.to_utc(local(2026, 3, 29, 0, 59))) == "2026-03-29T00:59:00.000000Z");
  const auto gap = london.to_utc(local(2026, 3, 29, 1, 30));
  BOOST_TEST(utc(gap) == "2026-03-29T01:30:00.000000Z");
  BOOST_TEST((gap.kind == shared::LocalTimeKind::in_gap));
  BOOST_TEST(utc(london.to_utc(local(2026, 3, 29, 2, 0))) == "2026-03-29T01:00:00.000000Z");
  const auto doubled = london.to_utc(local(2026, 10, 25, 1, 30));
  BOOST_TEST(utc(doubled) == "2026-10-25T00:30:00.000000Z");
  BOOST_TEST((doubled.kind == shared::LocalTimeKind::in_overlap));
  BOOST_TEST(utc(london.to_utc(local(2026, 10, 25, 2, 30))) == "2026-10-25T02:30:00.000000Z");
}

BOOST_AUTO_TEST_CASE(local_date_uses_the_clinic_zone_not_utc)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  const auto instant = shared::parse_iso8601("2026-03-10T03:00:00Z"); // 22:00 CDT on the 9th
  BOOST_TEST(shared::format_date(chicago.local_date(instant)) == "2026-03-09");
  const shared::ClinicZone london{"Europe/London"};
  BOOST_TEST(shared::format_date(london.local_date(instant)) == "2026-03-10");
}

BOOST_AUTO_TEST_CASE(formats_both_neo_layouts)
{
  BOOST_TEST(shared::format_local(local(2026, 3, 9, 7, 5, 9)) == "2026-03-09 07:05:09");
  BOOST_TEST(shared::format_local_dotted(local(2026, 3, 9, 23, 59, 59)) == "09.03.2026 23:59:59");
}

BOOST_AUTO_TEST_CASE(parses_every_accepted_layout)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  BOOST_TEST(utc(shared::parse_clinic_time("2026-03-09 09:30:00", chicago)) ==
             "2026-03-09T14:30:00.000000Z");
  BOOST_TEST(utc(shared::parse_clinic_time("09.03.2026 09:30:00", chicago)) ==
             "2026-03-09T14:30:00.000000Z");
  BOOST_TEST(utc(shared::parse_clinic_time("2026-03-09T09:30:00", chicago)) ==
             "2026-03-09T14:30:00.000000Z");
  BOOST_TEST(utc(shared::parse_clinic_time("2026-03-09T09:30:00.250", chicago)) ==
             "2026-03-09T14:30:00.250000Z");
  // With Z or an offset the text is an instant, whatever the clinic's zone.
  BOOST_TEST(utc(shared::parse_clinic_time("2026-03-09T09:30:00Z", chicago)) ==
             "2026-03-09T09:30:00.000000Z");
  BOOST_TEST(utc(shared::parse_clinic_time("2026-03-09T09:30:00+01:00", chicago)) ==
             "2026-03-09T08:30:00.000000Z");
  BOOST_TEST((shared::parse_clinic_time("2026-03-08 02:30:00", chicago).kind ==
              shared::LocalTimeKind::in_gap));
  BOOST_TEST(shared::format_local(shared::parse_local("2026-12-31 23:59:59")) ==
             "2026-12-31 23:59:59");
  BOOST_TEST(shared::format_local(shared::parse_local_dotted("01.02.2026 00:00:00")) ==
             "2026-02-01 00:00:00");
}

BOOST_AUTO_TEST_CASE(rejects_anything_else_strictly)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  for (const auto* text :
       {"", "not a date", "2026-03-09", "2026-03-09 09:30", "2026-03-09  09:30:00",
        "2026-3-9 09:30:00", "2026-03-09 09:30:00 ", " 2026-03-09 09:30:00", "2026-02-30 10:00:00",
        "2026-03-09 24:00:00", "2026-03-09 09:60:00", "09.03.26 09:30:00", "2026/03/09 09:30:00",
        "2026-03-09 09:30:00Z", "2026-03-09T09:30:00.", "2026-03-09T09:30:00+1", "1741512600"}) {
    BOOST_TEST_CONTEXT(text)
    {
      BOOST_CHECK_THROW(shared::parse_clinic_time(text, chicago), shared::DataError);
    }
  }
  BOOST_CHECK_THROW(shared::parse_local("2026-03-09T09:30:00"), shared::DataError);
  BOOST_CHECK_THROW(shared::parse_local_dotted("2026-03-09 09:30:00"), shared::DataError);
}

BOOST_AUTO_TEST_CASE(unknown_zones_are_rejected)
{
  BOOST_CHECK_THROW(shared::ClinicZone{"America/Atlantis"}, shared::DataError);
  BOOST_CHECK_THROW(shared::ClinicZone{""}, shared::DataError);
  BOOST_CHECK_THROW(shared::validate_time_zone("Mars/Olympus"), shared::ConfigError);
  BOOST_CHECK_NO_THROW(shared::validate_time_zone("Europe/London"));
}

BOOST_AUTO_TEST_CASE(window_becomes_whole_local_days)
{
  const shared::ClinicZone chicago{"America/Chicago"};
  // [now - 48 h, now] with now = 2026-03-10T03:00Z (22:00 CDT on the 9th): crosses the spring
  // change.
  const auto now = shared::parse_iso8601("2026-03-10T03:00:00Z");
  const auto range = shared::local_query_range(chicago, now - hours{48}, now);
  BOOST_TEST(shared::format_local(range.start) == "2026-03-07 00:00:00");
  BOOST_TEST(shared::format_local(range.end) == "2026-03-09 23:59:59");
  BOOST_TEST(shared::format_date(range.first_day) == "2026-03-07");
  BOOST_TEST(shared::format_date(range.last_day) == "2026-03-09");
  BOOST_CHECK_THROW(shared::local_query_range(chicago, now, now - hours{1}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
