#include "stages/reconcile/similarity.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>

using namespace reconcile;
using shared::idexx::PhoneRegion;

BOOST_AUTO_TEST_SUITE(reconcile_similarity)

BOOST_AUTO_TEST_CASE(jaro_and_jaro_winkler_match_the_published_test_vectors)
{
  // record-linkage.md §6 (Winkler's classics and ours), to 4 decimals.
  const std::vector<std::tuple<std::string, std::string, double, double>> vectors{
      {"MARTHA", "MARHTA", 0.9444, 0.9611},   {"DWAYNE", "DUANE", 0.8222, 0.8400},
      {"DIXON", "DICKSONX", 0.7667, 0.8133},  {"CRATE", "TRACE", 0.7333, 0.7333},
      {"AB", "BA", 0.0, 0.0},                 {"LUNA", "LUCY", 0.6667, 0.6667},
      {"BELLA", "BELA", 0.9333, 0.9533},      {"BELLA", "BELLE", 0.8667, 0.9200},
      {"BELLA", "BELLA MAE", 0.8519, 0.9111}, {"MAX", "MAXIE", 0.8667, 0.9067},
      {"MAX", "MAX SMITH", 0.7778, 0.8444},   {"CHARLIE", "CHARLEY", 0.9048, 0.9429},
      {"DAISY", "DASIY", 0.9333, 0.9467},     {"PENNY", "PENNNY", 0.9444, 0.9667},
      {"SOPHIE", "SOFIE", 0.8222, 0.8578},    {"CHLOE", "KHLOE", 0.8667, 0.8667},
      {"MOLLY", "POLLY", 0.8667, 0.8667},     {"SMITH JOHN", "JOHN SMITH", 0.5333, 0.5333},
      {"PENNY", "Penny", 0.4667, 0.4667},     {"", "ABC", 0.0, 0.0}};
  for (const auto& [a, b, expected_jaro, expected_jw] : vectors) {
    BOOST_TEST_CONTEXT(a << " / " << b)
    {
      BOOST_TEST(std::abs(jaro(a, b) - expected_jaro) < 0.00005);
      BOOST_TEST(std::abs(jaro_winkler(a, b) - expected_jw) < 0.00005);
      BOOST_TEST(std::abs(jaro_winkler(b, a) - expected_jw) < 0.00005); // symmetric
    }
  }
}

BOOST_AUTO_TEST_CASE(edit_distances_tell_osa_from_levenshtein)
{
  const std::vector<std::tuple<std::string, std::string, std::size_t, std::size_t>> vectors{
      {"MARTHA", "MARHTA", 2, 1}, {"KITTEN", "SITTING", 3, 3}, {"CAKE", "ACKE", 2, 1}, {"CA", "ABC", 3, 3},
      {"AB", "BA", 2, 1},         {"DAISY", "DASIY", 2, 1},    {"", "ABC", 3, 3},      {"PENNY", "PENNNY", 1, 1}};
  for (const auto& [a, b, expected_levenshtein, expected_osa] : vectors) {
    BOOST_TEST_CONTEXT(a << " / " << b)
    {
      BOOST_TEST(levenshtein(a, b) == expected_levenshtein);
      BOOST_TEST(osa_distance(a, b) == expected_osa);
    }
  }
}

BOOST_AUTO_TEST_CASE(soundex_codes_match_the_standard_set)
{
  const std::vector<std::pair<std::string, std::string>> vectors{
      {"ROBERT", "R163"},  {"RUPERT", "R163"},  {"RUBIN", "R150"},   {"ASHCRAFT", "A261"}, {"ASHCROFT", "A261"},
      {"TYMCZAK", "T522"}, {"PFISTER", "P236"}, {"HONEYMAN", "H555"}, {"SMITH", "S530"},    {"SMYTH", "S530"},
      {"SCHMIDT", "S530"}, {"JOHNSON", "J525"}, {"JONSON", "J525"},  {"BELLA", "B400"},    {"MAXIE", "M200"},
      {"CHARLEY", "C640"}, {"MOLLIE", "M400"},  {"TEDDIE", "T300"},  {"ZOEY", "Z000"},     {"LUNA", "L500"},
      {"LUCY", "L200"},    {"COCO", "C200"},    {"KOKO", "K200"}};
  for (const auto& [word, code] : vectors) {
    BOOST_TEST_CONTEXT(word) { BOOST_TEST(soundex(word) == code); }
  }
}

BOOST_AUTO_TEST_CASE(normalises_case_accents_and_punctuation_before_any_comparison)
{
  BOOST_TEST(normalise_text("Penny") == "PENNY");
  BOOST_TEST(normalise_text("  José  Muñoz ") == "JOSE MUNOZ");
  BOOST_TEST(normalise_text("O'Brien") == "OBRIEN");
  BOOST_TEST(normalise_text("O\u2019BRIEN") == "OBRIEN");
  BOOST_TEST(normalise_text("MR. WHISKERS") == normalise_text("MR WHISKERS"));
  BOOST_TEST(normalise_text("BELLA ") == "BELLA");
  BOOST_TEST(jaro_winkler(normalise_text("PENNY"), normalise_text("Penny")) == 1.0);
  // The ASCII fast path and the Unicode path agree.
  BOOST_TEST(normalise_text("Ó'Brien-Smith, Mr.") == normalise_text("O'Brien-Smith, Mr."));
  BOOST_TEST(normalise_text("O'Brien-Smith, Mr.") == "OBRIEN SMITH MR");
}

BOOST_AUTO_TEST_CASE(reads_owner_names_in_either_order_without_titles)
{
  const auto comma = parse_owner_name("SMITH, JOHN");
  const auto plain = parse_owner_name("John Smith");
  BOOST_TEST(comma.surname == "SMITH");
  BOOST_TEST(plain.surname == "SMITH");
  BOOST_TEST((comma.tokens == plain.tokens));
  BOOST_TEST(parse_owner_name("Mrs. Jane Q. Doe Jr.").surname == "DOE");
  BOOST_TEST(parse_owner_name("Mrs. Jane Q. Doe Jr.").given.front() == "JANE");
  const auto couple = parse_owner_name("JOHN & MARY SMITH");
  BOOST_TEST(couple.surname == "SMITH");
  BOOST_TEST(couple.given.size() == 2U);
  const auto hyphen = parse_owner_name("Ana Garcia-Lopez");
  BOOST_TEST(hyphen.surname == "GARCIA LOPEZ");
  BOOST_TEST((hyphen.surnames == std::vector<std::string>{"GARCIA LOPEZ", "GARCIA", "LOPEZ"}));
  BOOST_TEST(parse_owner_name("").empty());
}

BOOST_AUTO_TEST_CASE(reads_pet_names_with_compound_names_aliases_and_appended_surnames)
{
  const auto bella = parse_pet_name("Bella Smith", {"SMITH"});
  BOOST_TEST(bella.full == "BELLA");
  const auto mae = parse_pet_name("BELLA MAE", {"SMITH"});
  BOOST_TEST(mae.full == "BELLA MAE");
  BOOST_TEST(mae.first_token == "BELLA");
  const auto alias = parse_pet_name("BELLA (BELL)", {});
  BOOST_TEST(alias.full == "BELLA");
  BOOST_TEST(alias.alias == "BELL");
  BOOST_TEST(parse_pet_name("MR. WHISKERS", {}).full == "MR WHISKERS");
}

BOOST_AUTO_TEST_CASE(knows_the_seed_nicknames_and_nothing_else)
{
  BOOST_TEST(is_owner_nickname_pair("ROBERT", "BOB"));
  BOOST_TEST(is_owner_nickname_pair("LIZ", "ELIZABETH"));
  BOOST_TEST(!is_owner_nickname_pair("ROBERT", "BILL"));
  BOOST_TEST(is_pet_nickname_pair("MAX", "MAXIE"));
  BOOST_TEST(is_pet_nickname_pair("OLLIE", "OLIVER"));
  BOOST_TEST(!is_pet_nickname_pair("MAX", "MAXINE"));
  BOOST_TEST(!is_pet_nickname_pair("MOLLY", "POLLY"));
}

BOOST_AUTO_TEST_CASE(normalises_providers_without_titles_and_dots)
{
  BOOST_TEST(normalise_provider("DR. J. DOE") == "J DOE");
  BOOST_TEST(normalise_provider("Dr Jane Doe") == "JANE DOE");
}

BOOST_AUTO_TEST_CASE(finds_every_number_in_messy_phone_text)
{
  const std::string clinic = "+15555550100";
  const auto set = [&](std::string_view raw) { return phone_set(raw, PhoneRegion::north_america, clinic); };
  for (const char* raw : {"(925) 555-0134", "925-555-0134", "925.555.0134", "9255550134", "+1 925 555 0134",
                          "1-925-555-0134", "Cell: (925) 555-0134 BEST!", "NEW 925-555-0134", "Home: 925 555 0134"}) {
    BOOST_TEST_CONTEXT(raw) { BOOST_TEST((set(raw).e164 == std::set<std::string>{"+19255550134"})); }
  }
  const auto two = set("925-555-0134 / 925-555-0178");
  BOOST_TEST((two.e164 == std::set<std::string>{"+19255550134", "+19255550178"}));
  const auto local = set("555-0134");
  BOOST_TEST(local.e164.empty());
  BOOST_TEST((local.last7 == std::set<std::string>{"5550134"})); // kept for the last-7 level only
  BOOST_TEST(set("000-000-0000").empty());
  BOOST_TEST(set("(555) 555-0100").empty()); // the clinic's own number
  BOOST_TEST(set("").empty());
  BOOST_TEST(set("N/A").empty());
}

BOOST_AUTO_TEST_SUITE_END()
