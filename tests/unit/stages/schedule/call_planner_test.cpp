#include "stages/schedule/call_planner.hpp"

#include <boost/test/unit_test.hpp>

using namespace schedule;
using namespace std::chrono;

namespace {

CallCandidate finished_visit()
{
  return CallCandidate{.case_status = "completed", .standing = std::nullopt, .has_notes = true, .phone_e164 = "+15555550123", .product_call_exists = false,
                       .visit_day = year{2026} / March / 2, .case_delay_days = std::nullopt};
}

ClinicCallPolicy calls_on()
{
  return ClinicCallPolicy{.calls_enabled = true, .require_notes = true, .vapi_configured = true, .delay_days = 2,
                          .call_time = minutes{16 * 60}, .min_lead = minutes{2},
                          .hours = parse_business_hours(R"({"monday": {"open": "08:00", "close": "18:00"},
      "tuesday": {"open": "08:00", "close": "18:00"}, "wednesday": {"open": "08:00", "close": "18:00"},
      "thursday": {"open": "08:00", "close": "18:00"}, "friday": {"open": "08:00", "close": "18:00"},
      "saturday": {"open": "09:00", "close": "13:00"}})")};
}

const shared::ClinicZone k_chicago("America/Chicago");
const auto k_early = shared::parse_iso8601("2026-03-02T20:00:00Z");

} // namespace

BOOST_AUTO_TEST_SUITE(schedule_call_planner)

BOOST_AUTO_TEST_CASE(calls_two_days_after_the_visit_at_16_00_clinic_time)
{
  const auto plan = plan_discharge_call(finished_visit(), calls_on(), k_chicago, k_early);
  BOOST_REQUIRE(plan.due.has_value());
  BOOST_TEST(shared::format_iso8601(*plan.due) == "2026-03-04T22:00:00.000000Z"); // CST, UTC-6
}

BOOST_AUTO_TEST_CASE(the_case_delay_wins_over_the_clinic_delay_and_dst_is_respected)
{
  auto candidate = finished_visit();
  candidate.case_delay_days = 7; // 2026-03-09: after the change to CDT, UTC-5
  const auto plan = plan_discharge_call(candidate, calls_on(), k_chicago, k_early);
  BOOST_REQUIRE(plan.due.has_value());
  BOOST_TEST(shared::format_iso8601(*plan.due) == "2026-03-09T21:00:00.000000Z");
}

BOOST_AUTO_TEST_CASE(a_due_time_already_past_moves_to_now_plus_the_lead)
{
  const auto late = shared::parse_iso8601("2026-03-10T15:00:00Z"); // Tuesday 10:00 CDT: open
  const auto plan = plan_discharge_call(finished_visit(), calls_on(), k_chicago, late);
  BOOST_REQUIRE(plan.due.has_value());
  BOOST_TEST((*plan.due == late + minutes{2}));
}

BOOST_AUTO_TEST_CASE(a_call_due_on_a_closed_day_moves_to_the_next_opening)
{
  auto candidate = finished_visit();
  candidate.case_delay_days = 6; // Sunday 2026-03-08, closed -> Monday 08:00 CDT
  const auto plan = plan_discharge_call(candidate, calls_on(), k_chicago, k_early);
  BOOST_REQUIRE(plan.due.has_value());
  BOOST_TEST(shared::format_iso8601(*plan.due) == "2026-03-09T13:00:00.000000Z");
}

BOOST_AUTO_TEST_CASE(a_standing_refusal_is_recorded_even_before_the_visit_is_finished)
{
  auto candidate = finished_visit();
  candidate.case_status = "ongoing";
  candidate.standing = RefusalReason::euthanasia_or_death;
  const auto plan = plan_discharge_call(candidate, calls_on(), k_chicago, k_early);
  BOOST_TEST((plan.skipped == RefusalReason::euthanasia_or_death));
  BOOST_TEST(!plan.due.has_value());
}

BOOST_AUTO_TEST_CASE(a_clinic_open_on_no_day_gets_no_call)
{
  auto policy = calls_on();
  policy.hours = parse_business_hours(R"({"sunday": null})");
  const auto plan = plan_discharge_call(finished_visit(), policy, k_chicago, k_early);
  BOOST_TEST((plan.skipped == RefusalReason::calls_disabled));
}

BOOST_AUTO_TEST_CASE(each_refusal_has_its_reason)
{
  const auto reason = [](CallCandidate candidate, ClinicCallPolicy policy) {
    return plan_discharge_call(candidate, policy, k_chicago, k_early).skipped;
  };
  auto candidate = finished_visit();
  candidate.standing = RefusalReason::no_show;
  BOOST_TEST((reason(candidate, calls_on()) == RefusalReason::no_show));
  candidate = finished_visit();
  candidate.standing = RefusalReason::opted_out;
  BOOST_TEST((reason(candidate, calls_on()) == RefusalReason::opted_out));
  candidate = finished_visit();
  candidate.has_notes = false;
  BOOST_TEST((reason(candidate, calls_on()) == RefusalReason::no_notes));
  candidate = finished_visit();
  candidate.phone_e164.reset();
  BOOST_TEST((reason(candidate, calls_on()) == RefusalReason::phone_invalid));
  auto policy = calls_on();
  policy.calls_enabled = false;
  BOOST_TEST((reason(finished_visit(), policy) == RefusalReason::calls_disabled));
  policy = calls_on();
  policy.vapi_configured = false;
  BOOST_TEST((reason(finished_visit(), policy) == RefusalReason::vapi_not_configured));
  candidate = finished_visit();
  candidate.product_call_exists = true;
  BOOST_TEST((reason(candidate, calls_on()) == RefusalReason::call_exists));
}

BOOST_AUTO_TEST_CASE(an_unfinished_visit_is_neither_called_nor_skipped_yet)
{
  auto candidate = finished_visit();
  candidate.case_status = "draft";
  const auto plan = plan_discharge_call(candidate, calls_on(), k_chicago, k_early);
  BOOST_TEST(!plan.due.has_value());
  BOOST_TEST(!plan.skipped.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
