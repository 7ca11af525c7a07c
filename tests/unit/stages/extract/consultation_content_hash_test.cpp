#include "shared/crypto/hashing.hpp"
#include "shared/idexx/json_text.hpp"
#include "stages/extract/clinic_extractor.hpp"

#include <boost/test/unit_test.hpp>

namespace {

shared::idexx::ConsultationDetail detail()
{
  shared::idexx::ConsultationDetail d;
  d.notes_html = "<p>S: \"bright\" \\ alert\r\n\tZOË 🐾 &amp; \x01</p>";
  d.discharge_summary_html = "Rest; recheck in 10 days.";
  d.status = shared::idexx::ConsultationStatus::completed;
  d.reason = "Vaccines";
  d.lines = {{"Rabies vaccine", 1.0, false}, {"Dental cleaning", 0.5, true}};
  return d;
}

// The definition the stored hashes were made with: compact JSON of the content array.
std::string reference_hash(const shared::idexx::ConsultationDetail& d)
{
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& line : d.lines) {
    lines.push_back({line.name, line.quantity, line.declined});
  }
  const nlohmann::json content{d.notes_html, d.discharge_summary_html, lines, shared::idexx::to_string(d.status),
                               d.reason};
  return shared::crypto::sha256_hex(shared::idexx::compact_json(content, true));
}

} // namespace

BOOST_AUTO_TEST_SUITE(extract_consultation_content_hash)

BOOST_AUTO_TEST_CASE(equals_the_hash_of_the_compact_json_content_array)
{
  auto d = detail();
  BOOST_TEST(extract::consultation_content_hash(d) == reference_hash(d));
  d.notes_html += "\xff"; // invalid UTF-8 is replaced, as compact_json does
  BOOST_TEST(extract::consultation_content_hash(d) == reference_hash(d));
}

BOOST_AUTO_TEST_CASE(changes_with_the_notes_and_with_a_declined_line)
{
  const auto d = detail();
  auto edited = d;
  edited.notes_html += " Edited.";
  BOOST_TEST(extract::consultation_content_hash(edited) != extract::consultation_content_hash(d));
  auto declined = d;
  declined.lines[0].declined = true;
  BOOST_TEST(extract::consultation_content_hash(declined) != extract::consultation_content_hash(d));
}

BOOST_AUTO_TEST_SUITE_END()
