#include "shared/calls/case_call_facts.hpp"
#include "shared/calls/death_signal.hpp"

#include <boost/test/unit_test.hpp>

using namespace shared::calls;

namespace {

CaseCallFacts alive_and_willing()
{
  CaseCallFacts facts;
  facts.case_status = "completed";
  facts.appointment_status = "finalized";
  facts.texts = {"Vomiting for two days. Maropitant given; recheck if it attempts to eat and vomits again."};
  return facts;
}

} // namespace

BOOST_AUTO_TEST_SUITE(call_eligibility)

BOOST_AUTO_TEST_CASE(euthanasia_and_death_words_block_as_whole_words_in_any_case)
{
  for (const char* text : {"Euthanasia performed at owner's request.", "EUTHANIZED 14:20", "pet euthanised",
                           "Plan: PTS today", "pts.", "Patient DOA", "dead on arrival", "Put to sleep, owner present",
                           "put-to-sleep", "put  to\nsleep", "Private cremation (Qty: 1)", "communal CREMATION",
                           "Euthasol 390 mg/ml 2 ml", "Pentobarbital", "Patient died overnight",
                           "Passed away at home", "Deceased", "owner requested aquamation"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(death_signal(text).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(ordinary_words_that_contain_a_keyword_do_not_block)
{
  // Each holds a keyword as a substring: the previous product's rule blocked every one of them.
  for (const char* text : {"attempts to eat", "adoption paperwork", "doable with sedation", "opts for surgery",
                           "ptsd-like behaviour", "ptosis of the left eyelid", "adopted last year",
                           "euthyroid", "recremated", "diedre the technician",
                           "studied the radiographs", "passed a normal stool", "away from other dogs",
                           "discussed the risk of death under anaesthesia", "dead skin removed",
                           "Sleep well, put the cone back on", "deceasedly"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(!death_signal(text).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(an_empty_text_blocks_nothing)
{
  BOOST_TEST(!death_signal("").has_value());
  BOOST_TEST(!death_signal(" \n\t- ").has_value());
}

BOOST_AUTO_TEST_CASE(a_case_with_nothing_against_it_may_be_called)
{
  BOOST_TEST(!standing_refusal(alive_and_willing()).has_value());
}

BOOST_AUTO_TEST_CASE(each_standing_refusal_has_its_reason)
{
  auto facts = alive_and_willing();
  facts.texts.push_back("Euthanasia (Qty: 1)"); // a billed line
  BOOST_TEST((standing_refusal(facts) == RefusalReason::euthanasia_or_death));
  facts = alive_and_willing();
  facts.patient_deceased = true;
  BOOST_TEST((standing_refusal(facts) == RefusalReason::euthanasia_or_death));
  facts = alive_and_willing();
  facts.client_opted_out = true;
  BOOST_TEST((standing_refusal(facts) == RefusalReason::opted_out));
  facts = alive_and_willing();
  facts.appointment_status = "no_show";
  BOOST_TEST((standing_refusal(facts) == RefusalReason::no_show));
  facts = alive_and_willing();
  facts.appointment_status = "cancelled";
  BOOST_TEST((standing_refusal(facts) == RefusalReason::cancelled));
  facts = alive_and_willing();
  facts.removed_from_pims = true;
  BOOST_TEST((standing_refusal(facts) == RefusalReason::cancelled));
  facts = alive_and_willing();
  facts.case_calls_enabled = false;
  BOOST_TEST((standing_refusal(facts) == RefusalReason::calls_disabled));
}

BOOST_AUTO_TEST_CASE(death_outranks_the_other_reasons)
{
  auto facts = alive_and_willing();
  facts.client_opted_out = true;
  facts.appointment_status = "cancelled";
  facts.patient_deceased = true;
  BOOST_TEST((standing_refusal(facts) == RefusalReason::euthanasia_or_death));
}

BOOST_AUTO_TEST_CASE(every_reason_has_its_database_spelling)
{
  BOOST_TEST(to_string(RefusalReason::euthanasia_or_death) == "euthanasia_or_death");
  BOOST_TEST(to_string(RefusalReason::opted_out) == "opted_out");
  BOOST_TEST(to_string(RefusalReason::phone_invalid) == "phone_invalid");
  BOOST_TEST(to_string(RefusalReason::no_show) == "no_show");
  BOOST_TEST(to_string(RefusalReason::cancelled) == "cancelled");
  BOOST_TEST(to_string(RefusalReason::no_notes) == "no_notes");
  BOOST_TEST(to_string(RefusalReason::calls_disabled) == "calls_disabled");
}

BOOST_AUTO_TEST_SUITE_END()
