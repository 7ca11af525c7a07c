#include "stages/extract/extraction_window.hpp"

#include <boost/test/unit_test.hpp>

using extract::extraction_window;
using shared::parse_iso8601;
using namespace std::chrono_literals;

namespace {
const auto k_now = parse_iso8601("2026-03-09T12:00:00Z");
} // namespace

BOOST_AUTO_TEST_SUITE(extract_extraction_window)

BOOST_AUTO_TEST_CASE(a_clinic_that_synced_recently_gets_the_last_48_hours)
{
  const auto window = extraction_window(k_now, k_now - 4h, {}, {});
  BOOST_TEST((window.from == k_now - 48h));
  BOOST_TEST((window.to == k_now));
}

BOOST_AUTO_TEST_CASE(a_clinic_that_failed_for_three_days_catches_up_from_its_last_window_minus_the_overlap)
{
  const auto window = extraction_window(k_now, k_now - 72h, {}, {});
  BOOST_TEST((window.from == k_now - 74h));
}

BOOST_AUTO_TEST_CASE(the_catch_up_is_capped_at_the_maximum_look_back)
{
  const auto window = extraction_window(k_now, k_now - std::chrono::days{40}, {}, {});
  BOOST_TEST((window.from == k_now - std::chrono::days{14}));
}

BOOST_AUTO_TEST_CASE(a_pending_backfill_widens_the_window_beyond_the_cap)
{
  const extract::BackfillRange backfill{.from = k_now - std::chrono::days{30}, .to = k_now - std::chrono::days{29}};
  const auto window = extraction_window(k_now, k_now - 4h, {}, {backfill});
  BOOST_TEST((window.from == k_now - std::chrono::days{30}));
  BOOST_TEST((window.to == k_now));
}

BOOST_AUTO_TEST_SUITE_END()
