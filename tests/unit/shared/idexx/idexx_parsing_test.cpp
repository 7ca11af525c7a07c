// tests/unit/shared/idexx/idexx_parsing_test.cpp   <->   shared/idexx/idexx_parsing.cpp
#include "shared/idexx/idexx_parsing.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string data(const std::string& name)
{
  std::ifstream in(std::string(IDEXX_SYNC_SOURCE_DIR) + "/tests/data/idexx/" + name,
                   std::ios::binary);
  BOOST_TEST_REQUIRE(in.good(), "missing test data " << name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const shared::ClinicZone& chicago()
{
  static const shared::ClinicZone zone{"America/Chicago"};
  return zone;
}

std::string utc(const shared::idexx::NeoTime& time) { return shared::format_iso8601(time.utc); }

} // namespace

namespace idx = shared::idexx;

BOOST_AUTO_TEST_SUITE(idexx_parsing)

BOOST_AUTO_TEST_CASE(reads_shape_a_from_a_bare_array)
{
  const auto result = idx::parse_calendar(data("calendar_shape_a_bare.json"), chicago());
  BOOST_TEST(result.malformed.empty());
  BOOST_TEST(result.roster_entries_dropped == 1);
  BOOST_TEST_REQUIRE(result.appointments.size() == 3U);
  const auto& first = result.appointments[0];
  BOOST_TEST(first.id.value == "880112");
  BOOST_TEST(!first.consultation_id.has_value());
  BOOST_TEST(utc(first.start) == "2026-03-09T14:30:00.000000Z");
  BOOST_TEST(first.start.raw == "2026-03-09 09:30:00");
  BOOST_TEST_REQUIRE(first.end.has_value());
  BOOST_TEST(utc(*first.end) == "2026-03-09T15:00:00.000000Z");
  BOOST_TEST(shared::format_date(first.local_date) == "2026-03-09");
  BOOST_TEST(first.patient_id == "55001");
  BOOST_TEST(first.patient_name == "BISCUIT");
  BOOST_TEST(first.client_id == "77001");
  BOOST_TEST(first.client_name == "ALEX EXAMPLE");
  BOOST_TEST(first.phone_raw == "Cell: (555) 555-0134 BEST");
  BOOST_TEST(first.email == "owner.one@example.com");
  BOOST_TEST(first.provider == "DR. R. SAMPLE");
  BOOST_TEST(first.resource_id == "3");
  BOOST_TEST(first.type == "Recheck");
  BOOST_TEST(first.reason == "Ear recheck");
  BOOST_TEST(first.status_raw == "Scheduled");
  BOOST_TEST((first.status == idx::AppointmentStatus::scheduled));
  BOOST_TEST(!first.is_block);
  BOOST_TEST(first.raw_json.find("unknown_extra") != std::string::npos);

  const auto& second = result.appointments[1];
  BOOST_TEST(second.id.value == "880120"); // no appointment_id: falls back to id
  BOOST_TEST_REQUIRE(second.consultation_id.has_value());
  BOOST_TEST(second.consultation_id->value == "450211");
  BOOST_TEST((second.start.kind == shared::LocalTimeKind::in_gap));
  BOOST_TEST(utc(second.start) == "2026-03-08T08:30:00.000000Z");
  BOOST_TEST(!second.end.has_value()); // end == start: duration unknown
  BOOST_TEST((second.status == idx::AppointmentStatus::no_show));
  BOOST_TEST(!second.is_block); // "0"

  const auto& block = result.appointments[2];
  BOOST_TEST(block.is_block);                                         // 1
  BOOST_TEST((block.status == idx::AppointmentStatus::ready_to_pay)); // status_label fallback
}

BOOST_AUTO_TEST_CASE(reads_shape_b_from_the_events_wrapper)
{
  const auto result = idx::parse_calendar(data("calendar_shape_b_events.json"), chicago());
  BOOST_TEST(result.malformed.empty());
  BOOST_TEST_REQUIRE(result.appointments.size() == 2U);
  const auto& mochi = result.appointments[0];
  BOOST_TEST(mochi.id.value == "880113");
  BOOST_TEST(utc(mochi.start) == "2026-03-09T15:00:00.000000Z");
  BOOST_TEST(mochi.patient_name == "MOCHI");
  BOOST_TEST(mochi.client_name == "SAMPLE, JORDAN"); // from the title after ';'
  BOOST_TEST(mochi.phone_raw == "555-555-0178");
  BOOST_TEST((mochi.status == idx::AppointmentStatus::finalized));
  const auto& zoe = result.appointments[1];
  BOOST_TEST(zoe.id.value == "990001");
  BOOST_TEST_REQUIRE(zoe.consultation_id.has_value());
  BOOST_TEST(zoe.consultation_id->value == "450300");
  BOOST_TEST(utc(zoe.start) == "2026-03-09T15:00:00.000000Z"); // Z: an instant
  BOOST_TEST(zoe.patient_id == "12");
  BOOST_TEST(zoe.patient_name == "ZOË");
  BOOST_TEST(zoe.client_id == "34");
  BOOST_TEST(zoe.client_name == "MUÑOZ, ANA");
  BOOST_TEST(zoe.email == "ana@example.com");
  BOOST_TEST(zoe.provider == "DR. B. OTHER");
  BOOST_TEST(zoe.type == "Surgery");
  BOOST_TEST((zoe.status == idx::AppointmentStatus::in_progress)); // className "in-progress"
  BOOST_TEST(zoe.is_block);
}

BOOST_AUTO_TEST_CASE(accepts_all_four_wrappers_and_an_empty_calendar)
{
  const std::string record = R"({"id": 7, "start": "2026-03-09 09:00:00"})";
  for (const auto& body : {"[" + record + "]", R"({"appointments": [)" + record + "]}",
                           R"({"data": [)" + record + "]}", R"({"events": [)" + record + "]}"}) {
    BOOST_TEST_CONTEXT(body)
    {
      const auto result = idx::parse_calendar(body, chicago());
      BOOST_TEST_REQUIRE(result.appointments.size() == 1U);
      BOOST_TEST(result.appointments[0].id.value == "7");
      BOOST_TEST((result.appointments[0].status == idx::AppointmentStatus::unknown));
    }
  }
  BOOST_TEST(idx::parse_calendar("[]", chicago()).appointments.empty());
  BOOST_TEST(idx::parse_calendar(R"({"data": []})", chicago()).appointments.empty());
}

BOOST_AUTO_TEST_CASE(a_body_without_an_accepted_wrapper_is_a_schema_error_never_empty)
{
  for (const auto* body :
       {"null", "\"[]\"", "{}", R"({"appointments": null})", R"({"items": []})", R"({"data": {}})",
        "42", "", "<html><body>Login</body></html>", R"([{"id": 1)"}) {
    BOOST_TEST_CONTEXT(body)
    {
      BOOST_CHECK_THROW(idx::parse_calendar(body, chicago()), idx::SchemaError);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_malformed_record_is_returned_with_its_reason_beside_the_good_ones)
{
  const auto result = idx::parse_calendar(data("calendar_with_malformed.json"), chicago());
  BOOST_TEST_REQUIRE(result.appointments.size() == 2U);
  BOOST_TEST(result.appointments[0].id.value == "1");
  BOOST_TEST((result.appointments[0].status == idx::AppointmentStatus::checked_in));
  BOOST_TEST(result.appointments[1].id.value == "5");
  BOOST_TEST(!result.appointments[1].end.has_value());
  BOOST_TEST((result.appointments[1].status == idx::AppointmentStatus::unknown));
  BOOST_TEST(result.appointments[1].status_raw == "Something New");
  BOOST_TEST_REQUIRE(result.malformed.size() == 4U);
  BOOST_TEST(result.malformed[0].reason == "missing id");
  BOOST_TEST(result.malformed[0].raw_json.find("NO ID") != std::string::npos);
  BOOST_TEST(result.malformed[1].reason == "unparseable start");
  BOOST_TEST(result.malformed[2].reason == "missing start");
  BOOST_TEST(result.malformed[3].reason == "not an object");
}

BOOST_AUTO_TEST_CASE(booleans_arrive_in_every_spelling)
{
  const auto block = [](const std::string& value) {
    const auto body = R"([{"id": 1, "start": "2026-03-09 09:00:00", "is_block": )" + value + "}]";
    return idx::parse_calendar(body, chicago()).appointments.at(0).is_block;
  };
  BOOST_TEST(block("true"));
  BOOST_TEST(block("1"));
  BOOST_TEST(block("\"1\""));
  BOOST_TEST(!block("false"));
  BOOST_TEST(!block("0"));
  BOOST_TEST(!block("\"0\""));
  BOOST_TEST(!block("null"));
  const auto rosters = [](const std::string& value) {
    const auto body = R"([{"id": 1, "start": "2026-03-09 09:00:00", "is_roster": )" + value + "}]";
    return idx::parse_calendar(body, chicago()).roster_entries_dropped;
  };
  BOOST_TEST(rosters("\"1\"") == 1);
  BOOST_TEST(rosters("0") == 0);
}

BOOST_AUTO_TEST_CASE(appointment_statuses_normalise_as_the_table_says)
{
  const std::vector<std::pair<std::string, idx::AppointmentStatus>> table{
      {"Scheduled", idx::AppointmentStatus::scheduled},
      {"Confirmed", idx::AppointmentStatus::confirmed},
      {"Checked In", idx::AppointmentStatus::checked_in},
      {"checked_in", idx::AppointmentStatus::checked_in},
      {"In Progress", idx::AppointmentStatus::in_progress},
      {"Ready to Pay", idx::AppointmentStatus::ready_to_pay},
      {"Finalized", idx::AppointmentStatus::finalized},
      {"finalized", idx::AppointmentStatus::finalized},
      {"Completed", idx::AppointmentStatus::completed},
      {"Discharged", idx::AppointmentStatus::discharged},
      {"No Show", idx::AppointmentStatus::no_show},
      {"no-show", idx::AppointmentStatus::no_show},
      {" NO_SHOW ", idx::AppointmentStatus::no_show},
      {"Cancelled", idx::AppointmentStatus::cancelled},
      {"Canceled", idx::AppointmentStatus::cancelled},
      {"Late", idx::AppointmentStatus::unknown},
      {"", idx::AppointmentStatus::unknown}};
  for (const auto& [raw, expected] : table) {
    BOOST_TEST_CONTEXT(raw) { BOOST_TEST((idx::normalise_appointment_status(raw) == expected)); }
  }
  BOOST_TEST(idx::normalise_label("  Ready - to__Pay ") == "ready_to_pay");
  BOOST_TEST(
      (idx::normalise_consultation_status("completed") == idx::ConsultationStatus::completed));
  BOOST_TEST(
      (idx::normalise_consultation_status("In Progress") == idx::ConsultationStatus::in_progress));
  BOOST_TEST(
      (idx::normalise_consultation_status("cancelled") == idx::ConsultationStatus::cancelled));
  BOOST_TEST((idx::normalise_consultation_status("") == idx::ConsultationStatus::unknown));
  BOOST_TEST((idx::normalise_species("Canine") == idx::Species::dog));
  BOOST_TEST((idx::normalise_species("DOG") == idx::Species::dog));
  BOOST_TEST((idx::normalise_species("Feline") == idx::Species::cat));
  BOOST_TEST((idx::normalise_species("Avian") == idx::Species::bird));
  BOOST_TEST((idx::normalise_species("Bunny") == idx::Species::rabbit));
  BOOST_TEST((idx::normalise_species("Equine") == idx::Species::other));
  BOOST_TEST((idx::normalise_species("") == idx::Species::unknown));
}

BOOST_AUTO_TEST_CASE(phone_numbers_normalise_as_the_table_says)
{
  using idx::PhoneRegion;
  const std::vector<std::pair<std::string, std::optional<std::string>>> north_america{
      {"5555550123 BEST!", "+15555550123"},
      {"NEW 555-555-0147", "+15555550147"},
      {"Home: (555) 555-0199", "+15555550199"},
      {"555-555-0111 / 555-555-0122", "+15555550111"},
      {"cell 555.555.0188 ext 12", "+15555550188"},
      {"1-555-555-0166", "+15555550166"},
      {"+1 (555) 555-0100", "+15555550100"},
      {"555-0134", std::nullopt},
      {"", std::nullopt},
      {"N/A", std::nullopt},
      {"none", std::nullopt},
      {"see notes", std::nullopt},
      {"07700 900555", std::nullopt}};
  for (const auto& [raw, expected] : north_america) {
    BOOST_TEST_CONTEXT(raw)
    {
      BOOST_TEST((idx::normalise_phone(raw, PhoneRegion::north_america) == expected));
    }
  }
  BOOST_TEST((idx::normalise_phone("07700 900555", PhoneRegion::united_kingdom) ==
              std::optional<std::string>{"+447700900555"}));
  BOOST_TEST((idx::normalise_phone("+44 7700 900555", PhoneRegion::united_kingdom) ==
              std::optional<std::string>{"+447700900555"}));
  BOOST_TEST(!idx::normalise_phone("5555550123", PhoneRegion::united_kingdom).has_value());
}

BOOST_AUTO_TEST_CASE(splits_phone_text_into_every_number_it_holds)
{
  const auto runs = idx::phone_runs("Home: (555) 555-0111 / cell +1 555 555 0122 BEST! ext 12");
  BOOST_REQUIRE(runs.size() == 3U);
  BOOST_TEST(runs[0].digits == "5555550111");
  BOOST_TEST(!runs[0].plus);
  BOOST_TEST(runs[1].digits == "15555550122");
  BOOST_TEST(runs[1].plus);
  BOOST_TEST(runs[2].digits == "12");
  BOOST_TEST((idx::to_e164(runs[1], idx::PhoneRegion::north_america) == std::optional<std::string>{"+15555550122"}));
  BOOST_TEST(!idx::to_e164(runs[2], idx::PhoneRegion::north_america).has_value());
  BOOST_TEST(idx::phone_runs("see notes").empty());
}

BOOST_AUTO_TEST_CASE(page_data_is_read_from_the_top_level)
{
  const auto detail = idx::parse_page_data(data("page_data_current.json"), chicago());
  BOOST_TEST(detail.id.value == "450211");
  BOOST_TEST(detail.reason == "Vomiting x2 days");
  BOOST_TEST(detail.notes_html.find("<strong>S:</strong>") !=
             std::string::npos); // consultationNotes wins
  BOOST_TEST(detail.discharge_summary_html == "<p>Bland diet for 3 days.</p>");
  BOOST_TEST_REQUIRE(detail.date.has_value());
  BOOST_TEST(shared::format_iso8601(detail.date->utc) == "2026-03-09T14:41:12.000000Z");
  BOOST_TEST((detail.status == idx::ConsultationStatus::completed));
  BOOST_TEST(detail.patient_name == "BISCUIT");
  BOOST_TEST((detail.species == idx::Species::dog));
  BOOST_TEST(detail.breed == "Beagle");
  BOOST_TEST(detail.client_name == "ALEX EXAMPLE");
  BOOST_TEST(detail.client_phone_raw == "555-555-0134");
  BOOST_TEST(detail.client_email == "owner.one@example.com");
  BOOST_TEST(detail.branch_name == "Main");
  BOOST_TEST_REQUIRE(detail.lines.size() == 3U);
  BOOST_TEST(detail.lines[0].name == "Examination");
  BOOST_TEST(detail.lines[1].quantity == 0.5);
  BOOST_TEST(!detail.lines[1].declined);
  BOOST_TEST(detail.lines[2].quantity == 1.0);
  BOOST_TEST(detail.lines[2].declined);
}

BOOST_AUTO_TEST_CASE(page_data_raw_evidence_holds_no_provider_or_provider_email)
{
  const auto detail = idx::parse_page_data(data("page_data_current.json"), chicago());
  BOOST_TEST(detail.raw_json.find("providers") == std::string::npos);
  BOOST_TEST(detail.raw_json.find("r.sample@clinic.example") == std::string::npos);
  BOOST_TEST(detail.raw_json.find("integration@clinic.example") == std::string::npos);
  BOOST_TEST(detail.raw_json.find("licenseNumber") == std::string::npos);
  // The owner's data and the clinical content stay.
  BOOST_TEST(detail.raw_json.find("owner.one@example.com") != std::string::npos);
  BOOST_TEST(detail.raw_json.find("Maropitant") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(page_data_is_read_from_the_older_page_data_nesting)
{
  const auto detail = idx::parse_page_data(data("page_data_nested.json"), chicago());
  BOOST_TEST(detail.id.value == "450300");
  BOOST_TEST(detail.notes_html == "<p>Routine spay.</p>"); // empty consultationNotes: falls back
  BOOST_TEST(detail.discharge_summary_html.empty());
  BOOST_TEST((detail.status == idx::ConsultationStatus::in_progress));
  BOOST_TEST((detail.species == idx::Species::cat));
  BOOST_TEST(detail.client_name == "ANA MUÑOZ");
  BOOST_TEST(detail.client_phone_raw.empty());
  BOOST_TEST(detail.lines.empty());
  BOOST_TEST(detail.raw_json.find("b.other@clinic.example") == std::string::npos);
  BOOST_TEST(detail.raw_json.find("providers") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(page_data_without_a_consultation_is_a_schema_error)
{
  for (const auto* body : {"{}", "[]", "null", R"({"pageData": {}})", R"({"consultation": null})",
                           R"({"consultation": {"reason": "no id"}})", "<html></html>"}) {
    BOOST_TEST_CONTEXT(body)
    {
      BOOST_CHECK_THROW(idx::parse_page_data(body, chicago()), idx::SchemaError);
    }
  }
}

BOOST_AUTO_TEST_CASE(search_pages_keep_walk_ins_and_quarantine_records_without_id)
{
  const auto page = idx::parse_search_page(data("search_page_1.json"), chicago());
  BOOST_TEST(page.total == 2);
  BOOST_TEST(page.page == 1);
  BOOST_TEST(page.per_page == 20);
  BOOST_TEST_REQUIRE(page.items.size() == 2U);
  BOOST_TEST(page.items[0].id.value == "450211");
  BOOST_TEST_REQUIRE(page.items[0].appointment_id.has_value());
  BOOST_TEST(page.items[0].appointment_id->value == "880112");
  BOOST_TEST((page.items[0].status == idx::ConsultationStatus::completed));
  BOOST_TEST_REQUIRE(page.items[0].consulted_at.has_value());
  BOOST_TEST(shared::format_iso8601(page.items[0].consulted_at->utc) ==
             "2026-03-09T14:41:12.000000Z");
  BOOST_TEST(!page.items[1].appointment_id.has_value());
  BOOST_TEST_REQUIRE(page.items[1].consulted_at.has_value());
  BOOST_TEST(shared::format_iso8601(page.items[1].consulted_at->utc) ==
             "2026-03-09T16:00:00.000000Z");
  BOOST_TEST_REQUIRE(page.malformed.size() == 1U);
  BOOST_TEST(page.malformed[0].reason == "missing id");
  BOOST_CHECK_THROW(idx::parse_search_page(R"({"total": 0})", chicago()), idx::SchemaError);
  BOOST_TEST(
      idx::parse_search_page(R"({"data": [], "total": 40, "page": 3, "perPage": 20})", chicago())
          .items.empty());
}

BOOST_AUTO_TEST_CASE(html_renders_as_plain_text)
{
  BOOST_TEST(idx::html_to_text("<p><strong>S:</strong> Vomiting&nbsp;since Sunday</p><p>P: 1&amp;2 "
                               "&lt;3&gt; it&#39;s &#x263A;</p>") ==
             "S: Vomiting since Sunday\nP: 1&2 <3> it's \xE2\x98\xBA");
  BOOST_TEST(idx::html_to_text("line one<br>line   two\r\n<ul><li>a</li><li>b</li></ul>") ==
             "line one\nline two\na\nb");
  BOOST_TEST(idx::html_to_text("<script>alert('x')</script>ok") == "alert('x')ok");
  BOOST_TEST(idx::html_to_text("") == "");
  BOOST_TEST(idx::html_to_text("a &unknown; b") == "a &unknown; b");
}

BOOST_AUTO_TEST_CASE(detects_html_where_json_was_asked)
{
  BOOST_TEST(idx::looks_like_html("<!DOCTYPE html><html>", ""));
  BOOST_TEST(idx::looks_like_html("  \n<html>", "application/json"));
  BOOST_TEST(idx::looks_like_html("{}", "text/html; charset=utf-8"));
  BOOST_TEST(!idx::looks_like_html("[]", "application/json"));
}

BOOST_AUTO_TEST_CASE(url_helpers_encode_and_resolve_as_neo_expects)
{
  BOOST_TEST(idx::url_encode("2026-03-08 00:00:00") == "2026-03-08%2000%3A00%3A00");
  BOOST_TEST(idx::url_encode("order[]") == "order%5B%5D");
  BOOST_TEST(idx::url_encode("a+b&c=d") == "a%2Bb%26c%3Dd");
  BOOST_TEST(idx::resolve_url("https://h.example/login", "/dashboard") ==
             "https://h.example/dashboard");
  BOOST_TEST(idx::resolve_url("https://h.example/login", "") == "https://h.example/login");
  BOOST_TEST(idx::resolve_url("https://h.example/a/login", "submit") ==
             "https://h.example/a/submit");
  BOOST_TEST(idx::resolve_url("https://h.example/login", "https://other.example/x") ==
             "https://other.example/x");
  BOOST_TEST(idx::url_path("https://h.example/two-factor?x=1") == "/two-factor");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(idexx_login_form)

BOOST_AUTO_TEST_CASE(finds_the_password_form_with_company_id_and_copies_every_hidden_field)
{
  const auto form = idx::parse_login_form(data("login_page.html"));
  BOOST_TEST_REQUIRE(form.has_value());
  BOOST_TEST(form->action == "/login/submit?x=1&y=2");
  BOOST_TEST(form->method == "post");
  BOOST_TEST_REQUIRE(form->hidden.size() == 2U);
  BOOST_TEST(form->hidden[0].first == "_token");
  BOOST_TEST(form->hidden[0].second == "abc&123=");
  BOOST_TEST(form->hidden[1].first == "redirect");
  BOOST_TEST(form->username_field == "username");
  BOOST_TEST(form->password_field == "password");
  BOOST_TEST_REQUIRE(form->company_field.has_value());
  BOOST_TEST(idx::login_form_body(*form, "12345", "vet@example.com", "P@ss word&1") ==
             "_token=abc%26123%3D&redirect=%2Fdashboard&company_id=12345&username=vet%40example."
             "com&password=P%40ss%20word%261");
  // "default" and empty mean no company id (idexx-neo.md §2.1).
  BOOST_TEST(idx::login_form_body(*form, "default", "u", "p") ==
             "_token=abc%26123%3D&redirect=%2Fdashboard&username=u&password=p");
  BOOST_TEST(idx::login_form_body(*form, "", "u", "p") ==
             "_token=abc%26123%3D&redirect=%2Fdashboard&username=u&password=p");
  BOOST_TEST(idx::page_title(data("login_page.html")) == "IDEXX Neo & Login");
  BOOST_TEST(!idx::login_error_text(data("login_page.html")).has_value());
}

BOOST_AUTO_TEST_CASE(uses_an_email_input_as_username_and_never_sends_a_company_id_without_the_field)
{
  const auto html = data("login_page_email.html");
  const auto form = idx::parse_login_form(html);
  BOOST_TEST_REQUIRE(form.has_value());
  BOOST_TEST(form->action.empty());
  BOOST_TEST(form->username_field == "email");
  BOOST_TEST(form->password_field == "pass");
  BOOST_TEST(!form->company_field.has_value());
  BOOST_TEST(idx::login_form_body(*form, "12345", "a@b.c", "x") ==
             "_token=t0k3n&email=a%40b.c&pass=x");
  BOOST_TEST(idx::login_error_text(html).value_or("") ==
             "These credentials do not match our records.");
}

BOOST_AUTO_TEST_CASE(a_page_without_a_usable_form_is_unrecognised)
{
  BOOST_TEST(
      !idx::parse_login_form("<html><form><input name='username'></form></html>").has_value());
  BOOST_TEST(
      !idx::parse_login_form("<form><input type='password' name='password'></form>").has_value());
  BOOST_TEST(!idx::parse_login_form("<html><body>Sign in with MyIDEXX</body></html>").has_value());
}

BOOST_AUTO_TEST_CASE(recognises_second_factor_pages_and_paths)
{
  BOOST_TEST(idx::has_one_time_code_input(data("login_page_otp.html")));
  BOOST_TEST(idx::has_one_time_code_input("<input name=\"code\">"));
  BOOST_TEST(idx::has_one_time_code_input("<input name=\"token2\" placeholder=\"6-digit Code\">"));
  BOOST_TEST(!idx::has_one_time_code_input(data("login_page.html")));
  for (const auto* path : {"/2fa", "/auth/mfa/challenge", "/login/otp", "/verify", "/two-factor"}) {
    BOOST_TEST_CONTEXT(path) { BOOST_TEST(idx::is_two_factor_path(path)); }
  }
  BOOST_TEST(!idx::is_two_factor_path("/dashboard"));
  BOOST_TEST(idx::has_password_form(data("login_page.html")));
  BOOST_TEST(!idx::has_password_form("<html><body>Dashboard</body></html>"));
}

BOOST_AUTO_TEST_CASE(error_text_is_capped_at_200_characters)
{
  const auto html = "<div class=\"error-message\">" + std::string(300, 'x') + "</div>";
  BOOST_TEST(idx::login_error_text(html).value_or("").size() == 200U);
}

BOOST_AUTO_TEST_SUITE_END()
