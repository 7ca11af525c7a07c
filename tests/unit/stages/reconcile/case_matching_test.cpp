#include "stages/reconcile/case_matching.hpp"
#include "stages/reconcile/notes_merge.hpp"

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

using namespace reconcile;

BOOST_AUTO_TEST_SUITE(reconcile_case_matching)

BOOST_AUTO_TEST_CASE(links_by_consultation_id_before_trying_the_appointment_id)
{
  const auto decision = decide_link({"case-a"}, {"case-b"});
  BOOST_TEST((decision.outcome == LinkOutcome::linked));
  BOOST_TEST(*decision.case_id == "case-a");
  BOOST_TEST((*decision.tier == LinkTier::consultation_id));
}

BOOST_AUTO_TEST_CASE(falls_back_to_the_appointment_id_when_no_case_has_the_consultation_id)
{
  const auto decision = decide_link({}, {"case-b"});
  BOOST_TEST(*decision.case_id == "case-b");
  BOOST_TEST((*decision.tier == LinkTier::appointment_id));
}

BOOST_AUTO_TEST_CASE(sends_two_cases_with_the_same_id_to_review_instead_of_guessing)
{
  const auto decision = decide_link({}, {"case-b", "case-c"});
  BOOST_TEST((decision.outcome == LinkOutcome::needs_review));
  BOOST_TEST(!decision.case_id.has_value());
  BOOST_TEST(decision.candidates.size() == 2U);
  BOOST_TEST((decide_link({}, {}).outcome == LinkOutcome::unmatched));
}

BOOST_AUTO_TEST_CASE(reads_the_appointment_id_from_every_external_id_convention)
{
  BOOST_TEST(*appointment_id_from_external_id("pims-appt-idexx-neo-880112") == "880112");
  BOOST_TEST(*appointment_id_from_external_id("pims-appt-dr-sample-880112") == "880112");
  BOOST_TEST(*appointment_id_from_external_id("idexx-appt-880112") == "880112");
  BOOST_TEST(!appointment_id_from_external_id("450211").has_value());
  BOOST_TEST(!appointment_id_from_external_id("pims-appt-idexx-neo-").has_value());
  BOOST_TEST(!appointment_id_from_external_id("pims-appt-idexx-neo-abc").has_value());
}

BOOST_AUTO_TEST_CASE(maps_appointment_types_most_specific_first)
{
  BOOST_TEST(case_type_for("Urgent dental") == "emergency");
  BOOST_TEST(case_type_for("Dental cleaning") == "surgery");
  BOOST_TEST(case_type_for("Recheck") == "follow_up");
  BOOST_TEST(case_type_for("Vaccination") == "checkup");
  BOOST_TEST(case_type_for("") == "checkup");
}

BOOST_AUTO_TEST_CASE(a_finished_visit_completes_the_case_and_a_no_show_reviews_it)
{
  BOOST_TEST(*case_status_for("finalized") == "completed");
  BOOST_TEST(*case_status_for("ready_to_pay") == "completed");
  BOOST_TEST(*case_status_for("in_progress") == "ongoing");
  BOOST_TEST(*case_status_for("no_show") == "reviewed");
  BOOST_TEST(!case_status_for("scheduled").has_value());
  BOOST_TEST(!case_status_for("unknown").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reconcile_notes_merge)

BOOST_AUTO_TEST_CASE(renders_lines_as_the_product_did)
{
  const std::vector<BilledLine> lines{{"Examination", 1, false}, {"Maropitant 16mg", 4, false},
                                      {"Radiographs", 1, true}, {"Fluids", 0.5, false}};
  BOOST_TEST(render_lines(lines, false) == "Examination; Maropitant 16mg (Qty: 4); Fluids (Qty: 0.5)");
  BOOST_TEST(render_lines(lines, true) == "Radiographs");
}

BOOST_AUTO_TEST_CASE(the_discharge_summary_falls_back_to_the_notes)
{
  ConsultationContent content;
  content.consultation_id = "450211";
  content.notes_html = "<p>S: vomiting</p>";
  content.notes_text = "S: vomiting";
  content.content_hash = "abc";
  const auto patch = nlohmann::json::parse(pims_consultation_patch(content, "2026-03-09T12:00:00.000000Z"));
  BOOST_TEST(patch["dischargeSummary"].get<std::string>() == "<p>S: vomiting</p>");
  BOOST_TEST(patch["contentHash"].get<std::string>() == "abc");
  BOOST_TEST(patch["syncedBy"].get<std::string>() == "idexx-sync");
  BOOST_TEST(!patch.contains("revision"));
}

BOOST_AUTO_TEST_CASE(caps_plain_text_without_splitting_a_character)
{
  BOOST_TEST(cap_utf8("ZOË", 3) == "ZO");
  BOOST_TEST(cap_utf8("ZOË", 4) == "ZOË");
  BOOST_TEST(cap_utf8("abc", 10) == "abc");
}

BOOST_AUTO_TEST_SUITE_END()
