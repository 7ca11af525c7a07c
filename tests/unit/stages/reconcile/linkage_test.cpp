#include "stages/reconcile/linkage.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace reconcile;
using shared::idexx::PhoneRegion;

namespace {

const std::string k_clinic_phone = "+15555550100";

// A record at a UTC time whose UTC date stands for the clinic-local date (midday times only).
VisitRecord record(std::string id, std::string pet, std::string owner, std::string phone, std::string_view start)
{
  const auto instant = shared::parse_iso8601(start);
  return VisitRecord{.id = std::move(id), .pet_name = std::move(pet), .owner_name = std::move(owner),
                     .phone = std::move(phone), .provider = {}, .patient_id = {}, .client_id = {},
                     .appointment_id = {}, .species = {}, .start = instant,
                     .local_date = std::chrono::floor<std::chrono::days>(instant)};
}

std::vector<PreparedRecord> prepared(const std::vector<VisitRecord>& records)
{
  std::vector<PreparedRecord> out;
  for (const auto& r : records) {
    out.push_back(prepare(r, PhoneRegion::north_america, k_clinic_phone));
  }
  return out;
}

std::vector<MatchDecision> match(const std::vector<VisitRecord>& visits, const std::vector<VisitRecord>& cases)
{
  return match_visits(prepared(visits), prepared(cases), NameFrequencies{}, LinkageParams{});
}

// The id of the case a decision linked, or "" when it did not link.
std::string linked_id(const MatchDecision& decision, const std::vector<VisitRecord>& cases)
{
  return decision.outcome == MatchOutcome::linked ? cases.at(*decision.case_index).id : std::string();
}

const FieldWeight& field(const PairScore& score, std::string_view name)
{
  const auto found = std::find_if(score.fields.begin(), score.fields.end(),
                                  [&](const FieldWeight& f) { return f.field == name; });
  BOOST_REQUIRE(found != score.fields.end());
  return *found;
}

PairScore score(const VisitRecord& a, const VisitRecord& b, const NameFrequencies& frequencies = {})
{
  return score_pair(prepare(a, PhoneRegion::north_america, k_clinic_phone),
                    prepare(b, PhoneRegion::north_america, k_clinic_phone), frequencies, LinkageParams{});
}

} // namespace

BOOST_AUTO_TEST_SUITE(reconcile_linkage)

BOOST_AUTO_TEST_CASE(links_a_clear_match_and_leaves_another_owners_pet_alone)
{
  const std::vector visits{record("c1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z")};
  const std::vector cases{record("other", "Bella", "Ann Jones", "(925) 555-0199", "2026-03-09T16:30:00Z"),
                          record("right", "Penny", "John Smith", "(925) 555-0134", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "right");
  BOOST_TEST(decisions.at(0).score >= LinkageParams{}.link_threshold);
}

BOOST_AUTO_TEST_CASE(a_common_name_agreeing_counts_for_less_than_a_rare_one)
{
  const auto bella = score(record("a", "BELLA", "", "", "2026-03-09T16:30:00Z"),
                           record("b", "Bella", "", "", "2026-03-09T16:30:00Z"));
  const auto portia = score(record("a", "PORTIA", "", "", "2026-03-09T16:30:00Z"),
                            record("b", "Portia", "", "", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(bella, "pet_name").level == "exact");
  BOOST_TEST(field(portia, "pet_name").weight - field(bella, "pet_name").weight > 2.0);
  // A clinic where every tenth patient is a Bella makes the agreement weaker still.
  NameFrequencies bella_clinic;
  for (int i = 0; i < 1000; ++i) {
    bella_clinic.add_pet(i % 10 == 0 ? "BELLA" : "PET" + std::to_string(i));
  }
  const auto local = score(record("a", "BELLA", "", "", "2026-03-09T16:30:00Z"),
                           record("b", "Bella", "", "", "2026-03-09T16:30:00Z"), bella_clinic);
  BOOST_TEST(field(local, "pet_name").weight < field(bella, "pet_name").weight - 1.0);
}

BOOST_AUTO_TEST_CASE(owner_names_agree_in_either_order_and_by_nickname)
{
  const auto reversed = score(record("a", "PENNY", "SMITH, JOHN", "", "2026-03-09T16:30:00Z"),
                              record("b", "Penny", "John Smith", "", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(reversed, "owner_name").level == "all_tokens");
  const auto nickname = score(record("a", "PENNY", "SMITH, ROBERT", "", "2026-03-09T16:30:00Z"),
                              record("b", "Penny", "Bob Smith", "", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(nickname, "owner_name").level == "surname_and_given");
  const auto different = score(record("a", "PENNY", "SMITH, JOHN", "", "2026-03-09T16:30:00Z"),
                               record("b", "Penny", "John Miller", "", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(different, "owner_name").weight < 0.0);
}

BOOST_AUTO_TEST_CASE(phones_in_different_messy_formats_agree)
{
  const auto messy = score(record("a", "PENNY", "", "Cell: (925) 555-0134 BEST!", "2026-03-09T16:30:00Z"),
                           record("b", "Penny", "", "+1 925 555 0134", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(messy, "phone").level == "equal");
  const auto changed = score(record("a", "PENNY", "", "925-555-0134 / 925-555-0178", "2026-03-09T16:30:00Z"),
                             record("b", "Penny", "", "925.555.0178", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(changed, "phone").level == "equal");
  const auto placeholder = score(record("a", "PENNY", "", "000-000-0000", "2026-03-09T16:30:00Z"),
                                 record("b", "Penny", "", "000-000-0000", "2026-03-09T16:30:00Z"));
  BOOST_TEST(field(placeholder, "phone").level == "missing");
}

BOOST_AUTO_TEST_CASE(two_pets_of_one_owner_in_one_slot_never_cross)
{
  const std::vector visits{record("v-maxine", "MAXINE", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z"),
                           record("v-max", "MAX", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z")};
  const std::vector cases{record("max", "Max", "John Smith", "9255550134", "2026-03-09T16:30:00Z"),
                          record("maxine", "Maxine", "John Smith", "9255550134", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "maxine");
  BOOST_TEST(linked_id(decisions.at(1), cases) == "max");
}

BOOST_AUTO_TEST_CASE(a_walk_in_sibling_is_never_linked_to_the_other_pets_case)
{
  // POLLY came in with MOLLY's owner, but only MOLLY had a case (and MOLLY did not come).
  const std::vector visits{record("v-polly", "POLLY", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z")};
  const std::vector cases{record("molly", "Molly", "John Smith", "9255550134", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST((decisions.at(0).outcome == MatchOutcome::needs_review));
  BOOST_TEST(decisions.at(0).reason == "household");
  BOOST_TEST(decisions.at(0).score >= LinkageParams{}.link_threshold); // the total alone would have linked
}

BOOST_AUTO_TEST_CASE(the_same_pet_name_twice_in_a_day_goes_to_each_owner)
{
  const std::vector visits{record("v1", "BELLA", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z"),
                           record("v2", "BELLA", "JONES, ANN", "925-555-0199", "2026-03-09T16:45:00Z")};
  const std::vector cases{record("jones", "Bella", "Ann Jones", "925 555 0199", "2026-03-09T16:45:00Z"),
                          record("smith", "Bella", "John Smith", "925 555 0134", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "smith");
  BOOST_TEST(linked_id(decisions.at(1), cases) == "jones");
}

BOOST_AUTO_TEST_CASE(another_owners_pet_of_the_same_name_at_the_same_time_is_no_candidate)
{
  const std::vector visits{record("v1", "BELLA", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z")};
  const std::vector cases{record("jones", "Bella", "Ann Jones", "925 555 0199", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST((decisions.at(0).outcome == MatchOutcome::unmatched));
  BOOST_TEST(decisions.at(0).candidates.empty());
}

BOOST_AUTO_TEST_CASE(a_visit_moved_to_the_next_day_still_links)
{
  const std::vector visits{record("v1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-10T17:00:00Z")};
  const std::vector cases{record("penny", "Penny", "John Smith", "925 555 0134", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "penny");
}

BOOST_AUTO_TEST_CASE(blocks_on_the_local_date_plus_or_minus_one_day)
{
  // No phone in common: only rule A's ±1 day applies.
  const std::vector visits{record("v1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-11T16:30:00Z")};
  const std::vector cases{record("penny", "Penny", "John Smith", "", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST((decisions.at(0).outcome == MatchOutcome::unmatched));
  BOOST_TEST(decisions.at(0).candidates.empty());
}

BOOST_AUTO_TEST_CASE(a_visit_moved_by_several_days_is_found_through_its_phone_within_a_week)
{
  const std::vector visits{record("v1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-13T16:30:00Z")};
  const std::vector cases{record("penny", "Penny", "John Smith", "(925) 555-0134", "2026-03-09T16:30:00Z"),
                          record("old", "Penny", "John Smith", "(925) 555-0134", "2026-03-01T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "penny");
  BOOST_TEST(decisions.at(0).candidates.size() == 1U); // eight days away is outside every block
}

BOOST_AUTO_TEST_CASE(two_equally_likely_cases_go_to_review_with_their_scores)
{
  const std::vector visits{record("v1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z")};
  const std::vector cases{record("a", "Penny", "John Smith", "925 555 0134", "2026-03-09T16:30:00Z"),
                          record("b", "Penny", "John Smith", "925 555 0134", "2026-03-09T16:40:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST((decisions.at(0).outcome == MatchOutcome::needs_review));
  BOOST_TEST(decisions.at(0).reason == "ambiguous");
  BOOST_REQUIRE(decisions.at(0).candidates.size() == 2U);
  BOOST_TEST(decisions.at(0).candidates[0].score.total >= decisions.at(0).candidates[1].score.total);
  BOOST_TEST(!decisions.at(0).candidates[0].score.fields.empty());
}

BOOST_AUTO_TEST_CASE(a_weak_match_falls_in_the_review_band)
{
  // record-linkage.md §4: BELLA, no phone on the case, surname typo, on time: about +7 bits.
  const std::vector visits{record("v1", "BELLA", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z")};
  const std::vector cases{record("bella", "Bella", "John Smiht", "", "2026-03-09T16:35:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST((decisions.at(0).outcome == MatchOutcome::needs_review));
  BOOST_TEST(decisions.at(0).reason == "low_score");
  BOOST_TEST(decisions.at(0).score > 0.0);
  BOOST_TEST(decisions.at(0).score < LinkageParams{}.link_threshold);
}

BOOST_AUTO_TEST_CASE(different_patient_ids_veto_an_automatic_link)
{
  auto visit = record("v1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z");
  auto case_record = record("penny", "Penny", "John Smith", "925 555 0134", "2026-03-09T16:30:00Z");
  visit.patient_id = "55001";
  case_record.patient_id = "55002";
  const auto decisions = match({visit}, {case_record});
  BOOST_TEST((decisions.at(0).outcome == MatchOutcome::needs_review));
  BOOST_TEST(decisions.at(0).reason == "veto:patient_id");
}

BOOST_AUTO_TEST_CASE(the_same_pet_seen_twice_in_a_day_links_each_visit_to_its_own_case)
{
  const std::vector visits{record("morning", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T15:00:00Z"),
                           record("recheck", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T20:00:00Z")};
  const std::vector cases{record("late", "Penny", "John Smith", "925 555 0134", "2026-03-09T20:00:00Z"),
                          record("early", "Penny", "John Smith", "925 555 0134", "2026-03-09T15:00:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "early");
  BOOST_TEST(linked_id(decisions.at(1), cases) == "late");
}

BOOST_AUTO_TEST_CASE(a_case_takes_at_most_one_visit)
{
  // Two visits of PENNY, one case: the better one links, the other cannot take the case too.
  const std::vector visits{record("v1", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T16:30:00Z"),
                           record("v2", "PENNY", "SMITH, JOHN", "925-555-0134", "2026-03-09T19:30:00Z")};
  const std::vector cases{record("penny", "Penny", "John Smith", "925 555 0134", "2026-03-09T16:30:00Z")};
  const auto decisions = match(visits, cases);
  BOOST_TEST(linked_id(decisions.at(0), cases) == "penny");
  BOOST_TEST((decisions.at(1).outcome != MatchOutcome::linked));
}

BOOST_AUTO_TEST_SUITE_END()
