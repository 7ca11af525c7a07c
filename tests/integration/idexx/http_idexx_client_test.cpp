// tests/integration/idexx/http_idexx_client_test.cpp   <->   shared/idexx/http_idexx_client.cpp
// HttpIdexxClient against the IDEXX Neo simulator over HTTPS with the test CA (style.md L14).
#include "shared/http/http_client.hpp"
#include "shared/idexx/http_idexx_client.hpp"
#include "tests/fakes/idexx_neo_simulator.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono;
namespace idx = shared::idexx;
namespace fakes = tests::fakes;

const auto k_now = sys_days{2026y / 3 / 9} + 18h; // 13:00 CDT in Chicago-like zones

struct SimulatorFixture
{
  fakes::IdexxNeoSimulator simulator{fakes::generate_world(7, k_now, 2, 24)};
  fakes::World world = simulator.world();

  static idx::IdexxConfig config()
  {
    idx::IdexxConfig config;
    config.ca_file = fakes::test_ca_dir() + "/ca.pem";
    config.user_agent = "idexx-sync-tests/1.0";
    config.retry_base_delay = milliseconds{1};
    config.retry_max_delay = milliseconds{5};
    config.max_attempts = 4;
    config.rate_per_second = 1000;
    config.burst = 1000;
    return config;
  }

  idx::ClinicLogin login_for(std::size_t tenant) const
  {
    const auto& t = world.tenants.at(tenant);
    idx::ClinicLogin login;
    login.clinic_id = shared::ClinicId{"clinic-" + std::to_string(tenant)};
    login.base_url = simulator.base_url();
    login.company_id = t.company_id;
    login.username = t.username;
    login.password = shared::Secret{t.password};
    login.time_zone = t.timezone;
    return login;
  }

  idx::LocalDays days_for(std::size_t tenant) const
  {
    const shared::ClinicZone zone{world.tenants.at(tenant).timezone};
    const auto now = shared::Instant{k_now};
    const auto range = shared::local_query_range(zone, now - hours{96}, now + hours{48});
    return {range.first_day, range.last_day};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(idexx_http_client_simulator, SimulatorFixture)

BOOST_AUTO_TEST_CASE(logs_in_and_reads_the_calendar_with_neo_encoding_and_xhr_headers)
{
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  const auto calendar = client.calendar(session, days_for(0));

  std::set<std::string> expected;
  for (const auto& a : world.tenants[0].appointments) {
    if (a.kind != fakes::EntryKind::roster) {
      expected.insert(std::to_string(a.id));
    }
  }
  std::set<std::string> got;
  for (const auto& a : calendar.appointments) {
    got.insert(a.id.value);
  }
  BOOST_TEST(!got.empty());
  BOOST_TEST(std::includes(expected.begin(), expected.end(), got.begin(), got.end()));
  BOOST_TEST(calendar.malformed.empty());

  const auto requests = simulator.server().requests();
  const auto calendar_request = std::find_if(requests.begin(), requests.end(), [](const auto& r) {
    return r.path() == "/appointments/getCalendarEventData";
  });
  BOOST_TEST_REQUIRE((calendar_request != requests.end()));
  BOOST_TEST(calendar_request->raw_query().find("%2000%3A00%3A00") != std::string::npos);
  BOOST_TEST(calendar_request->raw_query().find('+') == std::string::npos);
  BOOST_TEST(calendar_request->header("X-Requested-With").value_or("") == "XMLHttpRequest");
  BOOST_TEST(calendar_request->header("Accept").value_or("") == "application/json");
  BOOST_TEST(calendar_request->header("User-Agent").value_or("") == "idexx-sync-tests/1.0");
  BOOST_TEST(simulator.stats().write_attempts == 0U);
}

BOOST_AUTO_TEST_CASE(calendar_start_instants_match_the_simulated_world)
{
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  const auto calendar = client.calendar(session, days_for(0));
  BOOST_TEST_REQUIRE(!calendar.appointments.empty());
  for (const auto& got : calendar.appointments) {
    const auto& entries = world.tenants[0].appointments;
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& a) {
      return std::to_string(a.id) == got.id.value;
    });
    BOOST_TEST_REQUIRE((it != entries.end()));
    BOOST_TEST_CONTEXT(got.id.value)
    {
      BOOST_TEST(shared::format_iso8601(got.start.utc) ==
                 shared::format_iso8601(shared::Instant{it->start_utc}));
      BOOST_TEST(got.start.raw == it->start_local);
      BOOST_TEST(got.is_block == (it->kind == fakes::EntryKind::block));
      BOOST_TEST(got.consultation_id.has_value() == it->consultation_id.has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(shape_b_legacy_page_data_email_username_and_a_malformed_record_are_all_read)
{
  auto custom = fakes::generate_world(11, k_now, 1, 12);
  auto& tenant = custom.tenants.at(0);
  tenant.calendar_shape = fakes::CalendarShape::b;
  tenant.calendar_wrapper = fakes::CalendarWrapper::events;
  tenant.page_data_layout = fakes::PageDataLayout::legacy_page_data;
  tenant.faults.malformed_record = true;
  // The simulator copies the first event to make the malformed one; a roster copy would be dropped
  // as a roster entry, so keep rosters out of this world.
  std::erase_if(tenant.appointments,
                [](const auto& a) { return a.kind == fakes::EntryKind::roster; });
  fakes::SimulatorSettings settings;
  settings.username_field_is_email = true;
  fakes::IdexxNeoSimulator neo{custom, settings};

  idx::HttpIdexxClient client{config()};
  idx::ClinicLogin login;
  login.clinic_id = shared::ClinicId{"custom"};
  login.base_url = neo.base_url();
  login.company_id = tenant.company_id;
  login.username = tenant.username;
  login.password = shared::Secret{tenant.password};
  login.time_zone = tenant.timezone;
  auto session = client.log_in(login);

  const shared::ClinicZone zone{tenant.timezone};
  const auto range = shared::local_query_range(zone, shared::Instant{k_now} - hours{96},
                                               shared::Instant{k_now} + hours{48});
  const auto calendar = client.calendar(session, {range.first_day, range.last_day});
  BOOST_TEST(!calendar.appointments.empty());
  BOOST_TEST(calendar.malformed.size() == 1U);

  BOOST_TEST_REQUIRE(!tenant.consultations.empty());
  const auto& expected = tenant.consultations.front();
  const auto detail =
      client.consultation(session, shared::ConsultationId{std::to_string(expected.id)});
  BOOST_TEST_REQUIRE(detail.has_value());
  BOOST_TEST(detail->notes_html == expected.notes_html);
  BOOST_TEST(detail->raw_json.find(tenant.email) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_certificate_outside_the_configured_trust_is_rejected)
{
  auto untrusting = config();
  untrusting.ca_file.clear(); // the system store does not know the test CA
  idx::HttpIdexxClient client{untrusting};
  BOOST_CHECK_THROW(client.log_in(login_for(0)), shared::http::TlsVerificationError);
  BOOST_TEST(simulator.stats().requests == 0U);
}

BOOST_AUTO_TEST_CASE(a_tenant_without_company_id_logs_in_too)
{
  BOOST_TEST_REQUIRE(world.tenants.size() >= 2U);
  BOOST_TEST(world.tenants[1].company_id.empty());
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(1));
  BOOST_TEST(!client.calendar(session, days_for(1)).appointments.empty());
}

BOOST_AUTO_TEST_CASE(search_pages_are_read_whole_and_deduplicated)
{
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  const auto result = client.search_consultations(session, days_for(0));
  BOOST_TEST(!result.unstable_listing);
  std::set<std::string> ids;
  for (const auto& item : result.items) {
    BOOST_TEST(ids.insert(item.id.value).second);
  }
  std::set<std::string> world_ids;
  for (const auto& c : world.tenants[0].consultations) {
    world_ids.insert(std::to_string(c.id));
  }
  BOOST_TEST(!ids.empty());
  BOOST_TEST(std::includes(world_ids.begin(), world_ids.end(), ids.begin(), ids.end()));
}

BOOST_AUTO_TEST_CASE(page_data_carries_the_notes_and_no_staff_email)
{
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  const auto& tenant = world.tenants[0];
  BOOST_TEST_REQUIRE(!tenant.consultations.empty());
  const auto& expected = tenant.consultations.front();
  const auto detail =
      client.consultation(session, shared::ConsultationId{std::to_string(expected.id)});
  BOOST_TEST_REQUIRE(detail.has_value());
  BOOST_TEST(detail->id.value == std::to_string(expected.id));
  BOOST_TEST(detail->notes_html == expected.notes_html);
  BOOST_TEST(detail->lines.size() == expected.lines.size());
  BOOST_TEST(detail->raw_json.find(tenant.email) == std::string::npos);
  for (const auto& provider : tenant.providers) {
    if (!provider.email.empty()) {
      BOOST_TEST(detail->raw_json.find(provider.email) == std::string::npos);
    }
  }
  BOOST_TEST(!client.consultation(session, shared::ConsultationId{"999999999"}).has_value());
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_invalid_credentials_without_the_password_in_the_message)
{
  idx::HttpIdexxClient client{config()};
  auto login = login_for(0);
  login.password = shared::Secret{"Wrong-Password-123!"};
  try {
    client.log_in(login);
    BOOST_FAIL("expected LoginRejected");
  } catch (const idx::LoginRejected& error) {
    BOOST_TEST((error.reason() == idx::LoginFailure::invalid_credentials));
    BOOST_TEST(std::string(error.what()).find("Wrong-Password-123!") == std::string::npos);
  }
  BOOST_TEST(client.login_count() == 1);
}

BOOST_AUTO_TEST_CASE(a_second_factor_is_reported_as_unsupported)
{
  simulator.set_requires_2fa(0, true);
  idx::HttpIdexxClient client{config()};
  try {
    client.log_in(login_for(0));
    BOOST_FAIL("expected LoginRejected");
  } catch (const idx::LoginRejected& error) {
    BOOST_TEST((error.reason() == idx::LoginFailure::two_factor_unsupported));
  }
}

BOOST_AUTO_TEST_CASE(an_expired_session_is_renewed_once_and_the_request_repeated)
{
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  simulator.expire_sessions(0);
  const auto calendar = client.calendar(session, days_for(0));
  BOOST_TEST(!calendar.appointments.empty());
  BOOST_TEST(client.login_count() == 2);
}

BOOST_AUTO_TEST_CASE(a_session_that_expires_at_once_again_is_lost)
{
  auto faults = world.tenants[0].faults;
  faults.expire_session_every_n_requests = 1; // the second data request of each session fails
  simulator.set_faults(0, faults);
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  client.calendar(session, days_for(0));
  BOOST_CHECK_THROW(
      {
        client.calendar(session, days_for(0));
        client.calendar(session, days_for(0));
      },
      idx::SessionExpired);
}

BOOST_AUTO_TEST_CASE(server_errors_are_retried_then_reported_as_transient)
{
  idx::HttpIdexxClient client{config()};
  auto session = client.log_in(login_for(0));
  // The simulator hands out its server read-only; fail_next is the server's own fault switch.
  auto& server = const_cast<fakes::FakeHttpServer&>(simulator.server());
  server.fail_next(2, 503); // two failures, then the real answer
  BOOST_TEST(!client.calendar(session, days_for(0)).appointments.empty());
  server.fail_next(10, 500);
  BOOST_CHECK_THROW(client.calendar(session, days_for(0)), shared::TransientError);
}

BOOST_AUTO_TEST_CASE(a_retry_wait_that_would_end_past_the_clinic_deadline_fails_at_once)
{
  auto cfg = config();
  cfg.clinic_deadline = seconds{2};
  cfg.retry_base_delay = milliseconds{5000}; // the first backoff already ends past the deadline
  cfg.retry_max_delay = milliseconds{5000};
  std::vector<milliseconds> waits;
  idx::HttpIdexxClient client{cfg, [&](milliseconds wait) { waits.push_back(wait); }};
  auto session = client.log_in(login_for(0));
  auto& server = const_cast<fakes::FakeHttpServer&>(simulator.server());
  server.fail_next(3, 503);
  const auto started = steady_clock::now();
  BOOST_CHECK_THROW(client.calendar(session, days_for(0)), idx::DeadlineExceeded);
  BOOST_TEST(waits.empty()); // it never slept towards a retry it could not make in time
  BOOST_TEST(duration_cast<milliseconds>(steady_clock::now() - started).count() < 2000);
}

BOOST_AUTO_TEST_CASE(a_clinic_past_its_deadline_sends_nothing_more)
{
  auto cfg = config();
  cfg.clinic_deadline = seconds{1};
  idx::HttpIdexxClient client{cfg};
  auto session = client.log_in(login_for(0));
  std::this_thread::sleep_for(milliseconds{1100});
  const auto before = simulator.stats().tenants.at(0).requests;
  BOOST_CHECK_THROW(client.calendar(session, days_for(0)), idx::DeadlineExceeded);
  BOOST_TEST(simulator.stats().tenants.at(0).requests == before);
}

BOOST_AUTO_TEST_CASE(a_429_on_every_attempt_is_rate_limited)
{
  auto cfg = config();
  cfg.retry_after_cap = seconds{0}; // honour Retry-After, capped to nothing for the test
  idx::HttpIdexxClient client{cfg};
  auto session = client.log_in(login_for(0));
  auto faults = world.tenants[0].faults;
  faults.http429_probability = 1.0;
  simulator.set_faults(0, faults);
  BOOST_CHECK_THROW(client.calendar(session, days_for(0)), idx::RateLimited);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A scripted Neo on the plain fake server: a login that always works, and data answers chosen by
// the test, so each classification rule of idexx-neo.md §3.1 is exercised on its own.
struct ScriptedNeo
{
  std::function<fakes::FakeResponse(const fakes::FakeRequest&)> data;
  std::atomic<int> logins{0};
  fakes::FakeHttpServer server{
      [this](const fakes::FakeRequest& request) { return answer(request); }};

  fakes::FakeResponse answer(const fakes::FakeRequest& request)
  {
    if (request.path() == "/login" && request.method == "GET") {
      return {200,
              {{"Content-Type", "text/html"}, {"Set-Cookie", "XSRF=pre; Path=/"}},
              "<html><title>Login</title><form method=post><input type=hidden name=_token value=t>"
              "<input name=username><input type=password name=password></form></html>"};
    }
    if (request.path() == "/login" && request.method == "POST") {
      if (request.cookie("XSRF").value_or("") != "pre" ||
          request.body.find("_token=t") == std::string::npos) {
        return {400, {}, "missing token or cookie from GET /login"};
      }
      ++logins;
      return {302,
              {{"Location", "/home"},
               {"Set-Cookie", "App_Auth=s" + std::to_string(logins.load()) + "; HttpOnly"}},
              ""};
    }
    if (request.path() == "/home") {
      return {200, {{"Content-Type", "text/html"}}, "<html><body>Welcome</body></html>"};
    }
    return data(request);
  }

  idx::ClinicLogin login() const
  {
    idx::ClinicLogin out;
    out.clinic_id = shared::ClinicId{"scripted"};
    out.base_url = server.base_url();
    out.username = "user";
    out.password = shared::Secret{"Secret-Password-1!"};
    out.time_zone = "America/Chicago";
    return out;
  }
};

fakes::FakeResponse json_answer(int status, std::string body)
{
  return {status, {{"Content-Type", "application/json"}}, std::move(body)};
}

// Page `page` (20 a page) of a listing holding `ids` in order.
std::string search_page_of(const std::vector<int>& ids, int page)
{
  std::string data;
  const auto from = static_cast<std::size_t>(page - 1) * 20;
  for (std::size_t i = from; i < ids.size() && i < from + 20; ++i) {
    data += (i > from ? "," : "") + std::string(R"({"id": )") + std::to_string(ids[i]) +
            R"(, "consultedAt": "2026-03-09 09:00:00", "status": "completed"})";
  }
  return R"({"data": [)" + data + R"(], "total": )" + std::to_string(ids.size()) + R"(, "page": )" +
         std::to_string(page) + R"(, "perPage": 20})";
}

// Ids first_id .. first_id + count - 1, on a page claiming `total`.
std::string search_page(int first_id, int count, int total, int page)
{
  std::string data;
  for (int i = 0; i < count; ++i) {
    data += (i > 0 ? "," : "") + std::string(R"({"id": )") + std::to_string(first_id + i) +
            R"(, "consultedAt": "2026-03-09 09:00:00", "status": "completed"})";
  }
  return R"({"data": [)" + data + R"(], "total": )" + std::to_string(total) + R"(, "page": )" +
         std::to_string(page) + R"(, "perPage": 20})";
}

const idx::LocalDays k_days{2026y / 3 / 8, 2026y / 3 / 9};

int page_of(const fakes::FakeRequest& request)
{
  const auto query = request.raw_query();
  const auto at = query.find("page=");
  return at == std::string::npos ? 0 : std::stoi(query.substr(at + 5));
}

} // namespace

BOOST_AUTO_TEST_SUITE(idexx_http_client_scripted)

BOOST_AUTO_TEST_CASE(html_where_json_was_asked_means_expired_and_triggers_one_relogin)
{
  ScriptedNeo neo;
  int calls = 0;
  neo.data = [&](const fakes::FakeRequest& request) {
    ++calls;
    if (calls == 1) {
      return fakes::FakeResponse{
          200, {{"Content-Type", "text/html"}}, "<!DOCTYPE html><html>app</html>"};
    }
    BOOST_TEST(request.cookie("App_Auth").value_or("") == "s2"); // the fresh session's cookie
    return json_answer(200, R"([{"id": 1, "start": "2026-03-09 09:00:00"}])");
  };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  BOOST_TEST(client.calendar(session, k_days).appointments.size() == 1U);
  BOOST_TEST(neo.logins.load() == 2);
}

BOOST_AUTO_TEST_CASE(status_401_and_419_are_expiry_and_the_budget_is_bounded)
{
  ScriptedNeo neo;
  neo.data = [](const fakes::FakeRequest&) {
    return json_answer(419, R"({"message": "Page expired"})");
  };
  auto config = SimulatorFixture::config();
  config.max_relogins = 1;
  idx::HttpIdexxClient client{config};
  auto session = client.log_in(neo.login());
  BOOST_CHECK_THROW(client.calendar(session, k_days), idx::SessionExpired);
  BOOST_TEST(neo.logins.load() == 2); // first login + exactly one re-login
}

BOOST_AUTO_TEST_CASE(forbidden_not_found_and_other_client_errors_are_classified)
{
  ScriptedNeo neo;
  neo.data = [](const fakes::FakeRequest& request) {
    if (request.path() == "/appointments/getCalendarEventData") {
      return json_answer(403, "{}");
    }
    if (request.path() == "/consultations/search") {
      return json_answer(404, "{}");
    }
    if (request.path() == "/consultations/5/page-data") {
      return json_answer(404, R"({"message": "Consultation not found."})");
    }
    return json_answer(400, R"({"message": "bad"})");
  };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  BOOST_CHECK_THROW(client.calendar(session, k_days), idx::ForbiddenError);
  BOOST_CHECK_THROW(client.search_consultations(session, k_days), idx::SearchUnavailable);
  BOOST_TEST(!client.consultation(session, shared::ConsultationId{"5"}).has_value());
  BOOST_CHECK_THROW(client.consultation(session, shared::ConsultationId{"6"}),
                    idx::RequestRejected);
  BOOST_TEST(neo.logins.load() == 1);
}

BOOST_AUTO_TEST_CASE(a_schema_error_is_never_an_empty_calendar)
{
  ScriptedNeo neo;
  neo.data = [](const fakes::FakeRequest&) { return json_answer(200, R"({"result": []})"); };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  BOOST_CHECK_THROW(client.calendar(session, k_days), idx::SchemaError);
}

BOOST_AUTO_TEST_CASE(search_pages_again_when_the_total_moves_and_dedupes)
{
  ScriptedNeo neo;
  int pass_requests = 0;
  neo.data = [&](const fakes::FakeRequest& request) {
    ++pass_requests;
    const int page = page_of(request);
    // First pass: a consultation is inserted between page 1 and page 2 (total 30 -> 31, items
    // shift by one). Later passes see a stable 31.
    if (pass_requests == 1) {
      return json_answer(200, search_page(100, 20, 30, 1));
    }
    if (pass_requests == 2) {
      return json_answer(200, search_page(119, 11, 31, 2));
    }
    const int first = page == 1 ? 99 : 119;
    return json_answer(200, search_page(first, page == 1 ? 20 : 11, 31, page));
  };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  const auto result = client.search_consultations(session, k_days);
  BOOST_TEST(!result.unstable_listing);
  BOOST_TEST(result.pages_read == 5); // 2 pages, 2 pages again, page 1 to confirm
  BOOST_TEST(result.items.size() == 31U); // ids 99..129, each once
}

BOOST_AUTO_TEST_CASE(an_insertion_at_the_head_hidden_by_a_deletion_is_found_by_the_confirming_page)
{
  // Newest first: 100..71. After page 1 was served, 101 arrives at the head and 100 is deleted:
  // the total stays 30 and page 2 looks the same, yet 101 sits on a page already read.
  std::vector<int> listing;
  for (int id = 100; id >= 71; --id) {
    listing.push_back(id);
  }
  ScriptedNeo neo;
  int requests = 0;
  neo.data = [&](const fakes::FakeRequest& request) {
    const int page = page_of(request);
    auto answer = json_answer(200, search_page_of(listing, page));
    if (++requests == 1) {
      listing.erase(listing.begin());
      listing.insert(listing.begin(), 101);
    }
    return answer;
  };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  const auto result = client.search_consultations(session, k_days);
  BOOST_TEST(!result.unstable_listing);
  std::set<std::string> ids;
  for (const auto& item : result.items) {
    ids.insert(item.id.value);
  }
  BOOST_TEST(ids.count("101") == 1U);
  BOOST_TEST(ids.size() == 31U); // 100 too: it was listed before it went
  BOOST_TEST(result.pages_read == 6); // 2 pages + confirmation (new id), 2 pages + confirmation
}

BOOST_AUTO_TEST_CASE(search_that_never_settles_is_unstable_but_keeps_what_it_read)
{
  ScriptedNeo neo;
  int total = 30;
  neo.data = [&](const fakes::FakeRequest& request) {
    const int page = page_of(request);
    ++total; // moves on every request
    return json_answer(200, search_page(page == 1 ? 100 : 120, page == 1 ? 20 : 10, total, page));
  };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  const auto result = client.search_consultations(session, k_days);
  BOOST_TEST(result.unstable_listing);
  BOOST_TEST(result.pages_read <= 50);
  BOOST_TEST(result.items.size() == 30U);
}

BOOST_AUTO_TEST_CASE(search_query_uses_dotted_dates_and_encoded_order)
{
  ScriptedNeo neo;
  std::string query;
  neo.data = [&](const fakes::FakeRequest& request) {
    query = request.raw_query();
    return json_answer(200, search_page(1, 0, 0, 1));
  };
  idx::HttpIdexxClient client{SimulatorFixture::config()};
  auto session = client.log_in(neo.login());
  BOOST_TEST(client.search_consultations(session, k_days).items.empty());
  BOOST_TEST(query ==
             "page=1&date_start=08.03.2026%2000%3A00%3A00&date_end=09.03.2026%2023%3A59%3A59"
             "&order%5B%5D=consultedAt%3Adesc");
}

BOOST_AUTO_TEST_SUITE_END()
