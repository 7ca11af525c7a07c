#include "shared/core/clock.hpp"
#include "shared/core/errors.hpp"

#include <boost/test/unit_test.hpp>

using shared::parse_iso8601;

BOOST_AUTO_TEST_SUITE(core_clock)

BOOST_AUTO_TEST_CASE(parses_utc_and_offset_instants_to_the_same_point)
{
  const auto utc = parse_iso8601("2026-03-09T14:30:00Z");
  BOOST_TEST(shared::format_iso8601(utc) == "2026-03-09T14:30:00.000000Z");
  BOOST_TEST((parse_iso8601("2026-03-09T09:30:00-05:00") == utc));
  BOOST_TEST(shared::format_iso8601(parse_iso8601("2026-03-09T14:30:00.25Z")) == "2026-03-09T14:30:00.250000Z");
  BOOST_TEST(shared::unix_seconds(parse_iso8601("1970-01-01T00:01:00Z")) == 60);
}

BOOST_AUTO_TEST_CASE(refuses_local_times_and_garbage)
{
  BOOST_CHECK_THROW(parse_iso8601("2026-03-09T14:30:00"), shared::DataError);
  BOOST_CHECK_THROW(parse_iso8601("not a date"), shared::DataError);
  BOOST_CHECK_THROW(parse_iso8601("2026-02-30T00:00:00Z"), shared::DataError);
  BOOST_CHECK_THROW(parse_iso8601("2026-03-09T14:30:00Zjunk"), shared::DataError);
}

BOOST_AUTO_TEST_CASE(a_fixed_clock_returns_its_instant)
{
  const auto instant = parse_iso8601("2026-03-09T14:30:00Z");
  BOOST_TEST((shared::Clock{instant}.now() == instant));
  BOOST_TEST(!shared::Clock{}.is_fixed());
}

BOOST_AUTO_TEST_SUITE_END()
