#include "shared/core/clock.hpp"
#include "tests/fakes/idexx_neo_simulator.hpp"
#include "tests/fakes/selftest/test_client.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <future>
#include <memory>
#include <set>

namespace fakes = tests::fakes;
namespace client = tests::fakes::selftest;
using nlohmann::json;

namespace {

constexpr const char* k_now = "2026-03-09T18:00:00Z";

fakes::SysSeconds at(const char* iso)
{
  return std::chrono::floor<std::chrono::seconds>(shared::parse_iso8601(iso));
}

// "YYYY-MM-DD HH:MM:SS" with %20 and %3A, as the real client sends it.
std::string encode_time(const std::string& text)
{
  std::string out;
  for (const char c : text) {
    out += c == ' ' ? std::string("%20") : c == ':' ? std::string("%3A") : std::string(1, c);
  }
  return out;
}

// "YYYY-MM-DD HH:MM:SS" -> "DD.MM.YYYY HH:MM:SS"
std::string search_format(const std::string& local)
{
  return local.substr(8, 2) + "." + local.substr(5, 2) + "." + local.substr(0, 4) +
         local.substr(10);
}

std::string calendar_target(const std::string& start, const std::string& end)
{
  return "/appointments/getCalendarEventData?start=" + encode_time(start) +
         "&end=" + encode_time(end);
}

std::string search_target(int page, const std::string& start_local, const std::string& end_local)
{
  return "/consultations/search?page=" + std::to_string(page) +
         "&date_start=" + encode_time(search_format(start_local)) +
         "&date_end=" + encode_time(search_format(end_local)) + "&order%5B%5D=consultedAt%3Adesc";
}

json events_of(const json& body)
{
  if (body.is_array())
    return body;
  for (const char* key : {"appointments", "data", "events"}) {
    if (body.contains(key))
      return body.at(key);
  }
  throw std::runtime_error("no calendar wrapper");
}

// The local day `offset` days from the clinic-local date of `now`, at `time`.
std::string local_day(const fakes::Tenant& tenant, fakes::SysSeconds now, int offset,
                      const std::string& time)
{
  const auto today =
      std::chrono::floor<std::chrono::days>(fakes::utc_to_local(tenant.timezone, now));
  return fakes::format_local(std::chrono::local_seconds{today + std::chrono::days{offset}})
             .substr(0, 11) +
         time;
}

fakes::SysSeconds utc_of(const fakes::Tenant& tenant, const std::string& local)
{
  return fakes::local_to_utc(tenant.timezone, *fakes::parse_local(local));
}

struct SimulatorFixture
{
  fakes::World world = fakes::generate_world(11, at(k_now), 3, 60);
  std::unique_ptr<fakes::IdexxNeoSimulator> simulator;

  explicit SimulatorFixture(fakes::SimulatorSettings settings = {})
      : simulator(std::make_unique<fakes::IdexxNeoSimulator>(world, settings))
  {
  }

  [[nodiscard]] std::uint16_t port() const { return simulator->server().port(); }

  std::string session(std::size_t tenant)
  {
    const auto& t = world.tenants.at(tenant);
    const auto response = client::login(port(), t.company_id, t.username, t.password);
    BOOST_REQUIRE_EQUAL(response.status, 302);
    const auto cookie = client::session_of(response);
    BOOST_REQUIRE(cookie.has_value());
    return *cookie;
  }

  client::ClientResponse get(const std::string& target, const std::string& session)
  {
    return client::request(port(), "GET", target, client::xhr(session));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(fakes_idexx_neo_simulator, SimulatorFixture)

BOOST_AUTO_TEST_CASE(
    a_login_with_company_id_redirects_to_the_dashboard_and_sets_a_secure_session_cookie)
{
  const auto& tenant = world.tenants[0];
  BOOST_REQUIRE(!tenant.company_id.empty());

  const auto response = client::login(port(), tenant.company_id, tenant.username, tenant.password);

  BOOST_TEST(response.status == 302);
  BOOST_TEST(response.header("Location").value_or("") == "/dashboard");
  const auto cookie = response.set_cookie("neo_session");
  BOOST_REQUIRE(cookie.has_value());
  for (const char* attribute : {"HttpOnly", "Secure", "SameSite=Lax", "Path=/"}) {
    BOOST_TEST(cookie->find(attribute) != std::string::npos, attribute);
  }
  const auto dashboard = client::request(
      port(), "GET", "/dashboard", {{"Cookie", "neo_session=" + *client::session_of(response)}});
  BOOST_TEST(dashboard.status == 200);
  BOOST_TEST(simulator->stats().tenants[0].logins == 1U);
  BOOST_TEST(simulator->stats().tenants[1].logins == 0U);
}

BOOST_AUTO_TEST_CASE(a_tenant_without_company_id_logs_in_with_the_field_left_empty)
{
  const auto& tenant = world.tenants[1];
  BOOST_REQUIRE(tenant.company_id.empty());

  const auto response = client::login(port(), "", tenant.username, tenant.password);

  BOOST_TEST(response.status == 302);
  BOOST_TEST(client::session_of(response).has_value());
  BOOST_TEST(simulator->stats().tenants[1].logins == 1U);
}

BOOST_AUTO_TEST_CASE(a_wrong_company_id_is_rejected_like_a_wrong_password)
{
  const auto& tenant = world.tenants[0];
  const auto response = client::login(port(), "99999x", tenant.username, tenant.password);

  BOOST_TEST(response.status == 200);
  BOOST_TEST(!client::session_of(response).has_value());
}

BOOST_AUTO_TEST_CASE(a_wrong_password_re_renders_the_login_page_with_an_alert_and_no_cookie)
{
  const auto& tenant = world.tenants[0];
  const auto response =
      client::login(port(), tenant.company_id, tenant.username, tenant.password + "x");

  BOOST_TEST(response.status == 200);
  BOOST_TEST(response.body.find("<div class=\"alert alert-danger\">") != std::string::npos);
  BOOST_TEST(response.body.find("type=\"password\"") != std::string::npos);
  BOOST_TEST(response.set_cookies.empty());
  BOOST_TEST(simulator->stats().tenants[0].logins == 0U);
  BOOST_TEST(simulator->stats().tenants[0].failed_logins == 1U);
}

BOOST_AUTO_TEST_CASE(a_stale_or_missing_token_is_rejected_like_a_wrong_password)
{
  const auto& tenant = world.tenants[0];
  const auto page = client::request(port(), "GET", "/login");
  const auto token = client::login_token(page.body);
  const auto form = [&](const std::string& t) {
    return "_token=" + t + "&company_id=" + tenant.company_id +
           "&username=" + client::form_encode(tenant.username) +
           "&password=" + client::form_encode(tenant.password);
  };
  const client::Headers type{{"Content-Type", "application/x-www-form-urlencoded"}};

  const auto first = client::request(port(), "POST", "/login", type, form(token));
  const auto reused = client::request(port(), "POST", "/login", type, form(token));
  const auto invented = client::request(port(), "POST", "/login", type, form("0123456789abcdef"));

  BOOST_TEST(first.status == 302);
  BOOST_TEST(reused.status == 200);
  BOOST_TEST(reused.body.find("alert-danger") != std::string::npos);
  BOOST_TEST(!client::session_of(reused).has_value());
  BOOST_TEST(invented.status == 200);
  BOOST_TEST(!client::session_of(invented).has_value());
}

BOOST_AUTO_TEST_CASE(a_two_factor_tenant_gets_an_otp_page_and_no_data)
{
  simulator->set_requires_2fa(2, true);
  const auto& tenant = world.tenants[2];

  const auto response = client::login(port(), tenant.company_id, tenant.username, tenant.password);
  BOOST_TEST(response.status == 302);
  BOOST_TEST(response.header("Location").value_or("") == "/two-factor");
  const auto cookie = client::session_of(response);
  BOOST_REQUIRE(cookie.has_value());
  const auto otp =
      client::request(port(), "GET", "/two-factor", {{"Cookie", "neo_session=" + *cookie}});
  BOOST_TEST(otp.status == 200);
  BOOST_TEST(otp.body.find("name=\"otp\"") != std::string::npos);

  const auto data = get(calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59"), *cookie);
  BOOST_TEST(data.status == 302);
  BOOST_TEST(data.header("Location").value_or("") == "/two-factor");
}

BOOST_AUTO_TEST_CASE(data_endpoints_without_a_session_redirect_to_login)
{
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  const auto none =
      client::request(port(), "GET", target,
                      {{"Accept", "application/json"}, {"X-Requested-With", "XMLHttpRequest"}});
  const auto bogus = get(target, "not-a-session");

  BOOST_TEST(none.status == 302);
  BOOST_TEST(none.header("Location").value_or("") == "/login");
  BOOST_TEST(bogus.status == 302);
  BOOST_TEST(bogus.header("Location").value_or("") == "/login");
}

BOOST_AUTO_TEST_CASE(data_endpoints_without_xhr_headers_answer_html)
{
  const auto session_id = session(0);
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  const auto no_headers =
      client::request(port(), "GET", target, {{"Cookie", "neo_session=" + session_id}});
  const auto accept_only =
      client::request(port(), "GET", target,
                      {{"Cookie", "neo_session=" + session_id}, {"Accept", "application/json"}});
  const auto full = get(target, session_id);

  BOOST_TEST(no_headers.status == 200);
  BOOST_TEST(no_headers.header("Content-Type").value_or("").find("text/html") == 0U);
  BOOST_TEST(no_headers.body.rfind("<!DOCTYPE html>", 0) == 0U);
  BOOST_TEST(accept_only.body.rfind("<", 0) == 0U);
  BOOST_TEST(full.status == 200);
  BOOST_TEST(full.header("Content-Type").value_or("").find("application/json") == 0U);
}

BOOST_AUTO_TEST_CASE(the_calendar_rejects_plus_iso_t_and_raw_colons)
{
  const auto session_id = session(0);
  const auto good_end = encode_time("2026-03-09 23:59:59");

  BOOST_TEST(get("/appointments/getCalendarEventData?start=2026-03-08+00%3A00%3A00&end=" + good_end,
                 session_id)
                 .status == 400);
  BOOST_TEST(get("/appointments/getCalendarEventData?start=2026-03-08T00%3A00%3A00&end=" + good_end,
                 session_id)
                 .status == 400);
  BOOST_TEST(get("/appointments/getCalendarEventData?start=2026-03-08%2000:00:00&end=" + good_end,
                 session_id)
                 .status == 400);
  BOOST_TEST(get("/appointments/getCalendarEventData?start=2026-03-08&end=" + good_end, session_id)
                 .status == 400);
  BOOST_TEST(
      get(calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59"), session_id).status == 200);
}

BOOST_AUTO_TEST_CASE(
    the_calendar_returns_exactly_the_events_starting_inside_the_range_in_the_tenant_zone)
{
  const auto now = at(k_now);
  for (std::size_t index = 0; index < world.tenants.size(); ++index) {
    const auto& tenant = world.tenants[index];
    const auto start = local_day(tenant, now, -1, "07:00:00");
    const auto end = local_day(tenant, now, 0, "12:30:00");
    std::set<std::int64_t> expected;
    for (const auto& a : tenant.appointments) {
      if (a.start_local >= start && a.start_local <= end)
        expected.insert(a.id);
    }
    BOOST_REQUIRE(!expected.empty());

    const auto response = get(calendar_target(start, end), session(index));
    BOOST_REQUIRE_EQUAL(response.status, 200);
    std::set<std::int64_t> returned;
    for (const auto& event : events_of(json::parse(response.body))) {
      const auto& id = event.at("id");
      returned.insert(id.is_string() ? std::stoll(id.get<std::string>()) : id.get<std::int64_t>());
      const auto begins = event.at("start").get<std::string>();
      BOOST_TEST((begins >= start && begins <= end), begins);
    }
    BOOST_TEST((returned == expected), tenant.timezone);
  }
}

BOOST_AUTO_TEST_CASE(a_closed_day_returns_an_empty_calendar)
{
  const auto response =
      get(calendar_target("2026-02-01 00:00:00", "2026-02-01 23:59:59"), session(0));
  BOOST_TEST(response.status == 200);
  BOOST_TEST(events_of(json::parse(response.body)).empty());
}

BOOST_AUTO_TEST_CASE(search_pages_by_20_newest_first_with_totals_and_an_empty_page_past_the_end)
{
  const auto& tenant = world.tenants[0];
  const auto now = at(k_now);
  const auto session_id = session(0);
  const auto start = local_day(tenant, now, -6, "00:00:00");
  const auto end = local_day(tenant, now, 2, "23:59:59");
  const auto total = tenant.consultations.size();
  BOOST_REQUIRE(total > 20U);

  std::vector<json> items;
  const auto pages = static_cast<int>((total + 19) / 20);
  for (int page = 1; page <= pages; ++page) {
    const auto response = get(search_target(page, start, end), session_id);
    BOOST_REQUIRE_EQUAL(response.status, 200);
    const auto body = json::parse(response.body);
    BOOST_TEST(body.at("total").get<std::size_t>() == total);
    BOOST_TEST(body.at("page").get<int>() == page);
    BOOST_TEST(body.at("perPage").get<int>() == 20);
    const auto expected_size =
        page < pages ? 20U : total - 20U * static_cast<std::size_t>(pages - 1);
    BOOST_TEST(body.at("data").size() == expected_size);
    for (const auto& item : body.at("data"))
      items.push_back(item);
  }
  const auto past_end = json::parse(get(search_target(pages + 1, start, end), session_id).body);
  BOOST_TEST(past_end.at("data").empty());
  BOOST_TEST(past_end.at("total").get<std::size_t>() == total);

  std::set<std::int64_t> ids;
  std::size_t walk_ins = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ids.insert(items[i].at("id").get<std::int64_t>());
    walk_ins += items[i].at("appointmentId").is_null() ? 1U : 0U;
    if (i > 0) {
      const auto previous = fakes::parse_local(items[i - 1].at("consultedAt").get<std::string>());
      const auto current = fakes::parse_local(items[i].at("consultedAt").get<std::string>());
      BOOST_REQUIRE(previous && current);
      BOOST_TEST((fakes::local_to_utc(tenant.timezone, *previous) >=
                  fakes::local_to_utc(tenant.timezone, *current)));
    }
  }
  BOOST_TEST(ids.size() == total);
  BOOST_TEST(walk_ins >= 2U);
}

BOOST_AUTO_TEST_CASE(search_rejects_the_calendar_date_format)
{
  const auto response =
      get("/consultations/search?page=1&date_start=" + encode_time("2026-03-07 00:00:00") +
              "&date_end=" + encode_time("2026-03-09 23:59:59"),
          session(0));
  BOOST_TEST(response.status == 400);
}

BOOST_AUTO_TEST_CASE(consultations_in_window_matches_what_search_returns_for_the_same_window)
{
  const auto now = at(k_now);
  for (std::size_t index = 0; index < world.tenants.size(); ++index) {
    const auto& tenant = world.tenants[index];
    const auto start = local_day(tenant, now, -2, "00:00:00");
    const auto end = local_day(tenant, now, 0, "23:59:59");
    const auto response = get(search_target(1, start, end), session(index));
    BOOST_REQUIRE_EQUAL(response.status, 200);
    const auto total = json::parse(response.body).at("total").get<std::size_t>();
    const auto from = utc_of(tenant, start);
    const auto to = utc_of(tenant, end);

    BOOST_TEST(total > 0U);
    BOOST_TEST(simulator->consultations_in_window(index, from, to) == total);
    BOOST_TEST(fakes::consultations_in_window(tenant, from, to) == total);
    const auto control =
        client::request(port(), "GET",
                        "/_sim/consultations/count?company_id=" + tenant.company_id +
                            "&username=" + tenant.username +
                            "&from=" + shared::format_iso8601(shared::Instant{from}) +
                            "&to=" + shared::format_iso8601(shared::Instant{to}));
    BOOST_REQUIRE_EQUAL(control.status, 200);
    BOOST_TEST(json::parse(control.body).at("count").get<std::size_t>() == total);
  }
}

BOOST_AUTO_TEST_CASE(page_data_serves_opened_consultations_and_404_for_unopened_ones)
{
  const auto& tenant = world.tenants[0];
  const auto session_id = session(0);
  const auto unopened =
      std::find_if(tenant.appointments.begin(), tenant.appointments.end(), [](const auto& a) {
        return a.kind == fakes::EntryKind::visit && !a.consultation_id.has_value();
      });
  BOOST_REQUIRE(unopened != tenant.appointments.end());
  const auto& opened = tenant.consultations.front();

  const auto missing =
      get("/consultations/" + std::to_string(unopened->id) + "/page-data", session_id);
  const auto other_tenant = get(
      "/consultations/" + std::to_string(world.tenants[1].consultations.front().id) + "/page-data",
      session_id);
  const auto found = get("/consultations/" + std::to_string(opened.id) + "/page-data", session_id);

  BOOST_TEST(missing.status == 404);
  BOOST_TEST(other_tenant.status == 404);
  BOOST_REQUIRE_EQUAL(found.status, 200);
  const auto body = json::parse(found.body);
  BOOST_TEST(body.at("consultation").at("id").get<std::int64_t>() == opened.id);
  BOOST_TEST(body.at("consultationNotes").at("notes").get<std::string>() == opened.notes_html);
  bool login_user_listed = false;
  for (const auto& provider : body.at("pageData").at("providers")) {
    login_user_listed = login_user_listed || provider.at("email") == tenant.email;
  }
  BOOST_TEST(login_user_listed);
  BOOST_TEST(body.at("consultationLines").size() == opened.lines.size());
}

BOOST_AUTO_TEST_CASE(a_post_to_a_data_endpoint_is_answered_405_and_counted)
{
  const auto session_id = session(0);
  const auto response =
      client::request(port(), "POST", "/consultations/search", client::xhr(session_id), "{}");
  const auto put = client::request(port(), "PUT", "/appointments/getCalendarEventData", {}, "{}");

  BOOST_TEST(response.status == 405);
  BOOST_TEST(put.status == 405);
  const auto stats = simulator->stats();
  BOOST_TEST(stats.tenants[0].write_attempts == 1U);
  BOOST_TEST(stats.write_attempts == 2U);
}

BOOST_AUTO_TEST_CASE(requests_are_counted_per_tenant_and_endpoint)
{
  const auto session_id = session(0);
  get(calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59"), session_id);
  get(calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59"), session_id);
  get("/consultations/1/page-data", session_id);

  const auto stats = simulator->stats();
  BOOST_TEST(stats.tenants[0].requests_by_endpoint.at("calendar") == 2U);
  BOOST_TEST(stats.tenants[0].requests_by_endpoint.at("page_data") == 1U);
  BOOST_TEST(stats.tenants[0].requests_by_endpoint.at("login") == 1U);
  BOOST_TEST(stats.tenants[1].requests == 0U);
  BOOST_TEST(stats.peak_concurrent >= 1U);
  const auto control = json::parse(client::request(port(), "GET", "/_sim/stats").body);
  BOOST_TEST(control.at("tenants").at(0).at("requests_by_endpoint").at("calendar").get<int>() == 2);
}

BOOST_AUTO_TEST_CASE(a_session_expires_after_the_configured_number_of_data_requests)
{
  fakes::FaultSettings faults;
  faults.expire_session_every_n_requests = 2;
  simulator->set_faults(0, faults);
  const auto session_id = session(0);
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");

  BOOST_TEST(get(target, session_id).status == 200);
  BOOST_TEST(get(target, session_id).status == 200);
  const auto third = get(target, session_id);
  BOOST_TEST(third.status == 302);
  BOOST_TEST(third.header("Location").value_or("") == "/login");
  BOOST_TEST(get(target, session(0)).status == 200);
  BOOST_TEST(simulator->stats().tenants[0].session_expiries == 1U);
}

BOOST_AUTO_TEST_CASE(fault_knobs_give_429_with_retry_after_500_and_a_malformed_record)
{
  const auto session_id = session(0);
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  fakes::FaultSettings faults;
  faults.http429_probability = 1.0;
  faults.retry_after_seconds = 7;
  simulator->set_faults(0, faults);
  const auto limited = get(target, session_id);
  faults = {};
  faults.http500_probability = 1.0;
  simulator->set_faults(0, faults);
  const auto failed = get(target, session_id);
  faults = {};
  faults.malformed_record = true;
  simulator->set_faults(0, faults);
  const auto events = events_of(json::parse(get(target, session_id).body));

  BOOST_TEST(limited.status == 429);
  BOOST_TEST(limited.header("Retry-After").value_or("") == "7");
  BOOST_TEST(failed.status == 500);
  const auto bad = std::count_if(events.begin(), events.end(),
                                 [](const json& e) { return e.at("start") == "not a date"; });
  BOOST_TEST(bad == 1);
  BOOST_TEST(events.size() > 1U);
}

BOOST_AUTO_TEST_CASE(session_expiry_shows_itself_in_the_configured_style)
{
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  fakes::FaultSettings faults;
  faults.expire_session_every_n_requests = 1;
  faults.expiry_style = fakes::ExpiryStyle::login_page;
  simulator->set_faults(0, faults);
  auto session_id = session(0);
  BOOST_TEST(get(target, session_id).status == 200);
  const auto login_page = get(target, session_id);
  faults.expiry_style = fakes::ExpiryStyle::unauthorized;
  simulator->set_faults(0, faults);
  session_id = session(0);
  BOOST_TEST(get(target, session_id).status == 200);
  const auto unauthorized = get(target, session_id);

  BOOST_TEST(login_page.status == 200);
  BOOST_TEST(login_page.header("Content-Type").value_or("").find("text/html") == 0U);
  BOOST_TEST(login_page.body.find("name=\"password\"") != std::string::npos);
  BOOST_TEST(unauthorized.status == 401);
  BOOST_TEST(get(target, session_id).status == 302); // the session stays gone
  BOOST_TEST(simulator->stats().tenants[0].session_expiries == 2U);
}

BOOST_AUTO_TEST_CASE(gateway_errors_and_a_retry_after_http_date)
{
  const auto session_id = session(0);
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  fakes::FaultSettings faults;
  faults.http5xx_probability = 1.0;
  simulator->set_faults(0, faults);
  std::set<int> statuses;
  for (int i = 0; i < 12; ++i) {
    const auto response = get(target, session_id);
    statuses.insert(response.status);
    BOOST_TEST(response.body.rfind("<!DOCTYPE html>", 0) == 0U);
  }
  faults = {};
  faults.http429_probability = 1.0;
  faults.retry_after_seconds = 30;
  faults.retry_after_http_date = true;
  simulator->set_faults(0, faults);
  const auto limited = get(target, session_id);

  BOOST_TEST((statuses == std::set<int>{502, 503, 504}));
  BOOST_TEST(limited.status == 429);
  const auto retry_after = limited.header("Retry-After").value_or("");
  BOOST_TEST(retry_after.size() == 29U);
  BOOST_TEST(retry_after.substr(retry_after.size() - 4) == " GMT");
  BOOST_TEST(simulator->stats().tenants[0].injected_errors == 13U);
}

BOOST_AUTO_TEST_CASE(pagination_drift_inserts_a_consultation_at_the_head_between_two_pages)
{
  const auto& tenant = world.tenants[0];
  const auto now = at(k_now);
  const auto session_id = session(0);
  const auto start = local_day(tenant, now, -6, "00:00:00");
  const auto end = local_day(tenant, now, 2, "23:59:59");
  const auto from = utc_of(tenant, start);
  const auto to = utc_of(tenant, end);
  const auto before = simulator->consultations_in_window(0, from, to);
  BOOST_REQUIRE(before > 20U);
  fakes::FaultSettings faults;
  faults.pagination_drift = 1;
  simulator->set_faults(0, faults);

  const auto first = json::parse(get(search_target(1, start, end), session_id).body);
  const auto second = json::parse(get(search_target(2, start, end), session_id).body);
  const auto again = json::parse(get(search_target(1, start, end), session_id).body);
  get(search_target(2, start, end), session_id); // the drift is spent

  BOOST_TEST(first.at("total").get<std::size_t>() == before);
  BOOST_TEST(second.at("total").get<std::size_t>() == before + 1);
  // The last item of page 1 reappears as the first of page 2.
  BOOST_TEST(second.at("data").at(0).at("id") == first.at("data").at(19).at("id"));
  const auto fresh = again.at("data").at(0);
  BOOST_TEST(fresh.at("appointmentId").is_null());
  BOOST_TEST(simulator->consultations_in_window(0, from, to) == before + 1);
  BOOST_TEST(simulator->stats().tenants[0].drift_insertions == 1U);
  const auto details = get(
      "/consultations/" + std::to_string(fresh.at("id").get<std::int64_t>()) + "/page-data",
      session_id);
  BOOST_TEST(details.status == 200);
  const auto control =
      client::request(port(), "GET",
                      "/_sim/consultations/count?company_id=" + tenant.company_id +
                          "&username=" + tenant.username +
                          "&from=" + shared::format_iso8601(shared::Instant{from}) +
                          "&to=" + shared::format_iso8601(shared::Instant{to}));
  BOOST_TEST(json::parse(control.body).at("count").get<std::size_t>() == before + 1);
}

BOOST_AUTO_TEST_CASE(a_malformed_search_record_without_an_id_sits_on_the_last_page)
{
  const auto& tenant = world.tenants[0];
  const auto now = at(k_now);
  const auto session_id = session(0);
  const auto start = local_day(tenant, now, -6, "00:00:00");
  const auto end = local_day(tenant, now, 2, "23:59:59");
  fakes::FaultSettings faults;
  faults.malformed_search_record = true;
  simulator->set_faults(0, faults);
  std::size_t without_id = 0;
  std::size_t with_id = 0;
  for (int page = 1; page <= 4; ++page) {
    const auto body = json::parse(get(search_target(page, start, end), session_id).body);
    for (const auto& item : body.at("data")) {
      (item.contains("id") ? with_id : without_id) += 1;
    }
  }
  BOOST_TEST(without_id == 1U);
  BOOST_TEST(with_id == tenant.consultations.size());
}

BOOST_AUTO_TEST_CASE(every_nth_request_is_very_slow)
{
  const auto session_id = session(0);
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  fakes::FaultSettings faults;
  faults.very_slow_every_n_requests = 3;
  faults.very_slow_latency = std::chrono::milliseconds{400};
  simulator->set_faults(0, faults);
  std::vector<std::chrono::milliseconds> took;
  for (int i = 0; i < 6; ++i) {
    const auto started = std::chrono::steady_clock::now();
    BOOST_TEST(get(target, session_id).status == 200);
    took.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started));
  }
  const auto slow = std::count_if(took.begin(), took.end(), [](auto ms) { return ms.count() >= 400; });
  BOOST_TEST(slow == 2);
  BOOST_TEST(simulator->stats().tenants[0].slow_responses == 2U);
}

BOOST_AUTO_TEST_CASE(peak_concurrent_requests_are_counted)
{
  fakes::FaultSettings faults;
  faults.latency = std::chrono::milliseconds{300};
  simulator->set_faults(0, faults);
  const auto session_id = session(0);
  const auto target = calendar_target("2026-03-08 00:00:00", "2026-03-09 23:59:59");
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back(std::async(std::launch::async, [&] { return get(target, session_id).status; }));
  }
  for (auto& call : calls) {
    BOOST_TEST(call.get() == 200);
  }

  const auto stats = simulator->stats();
  BOOST_TEST(stats.tenants[0].peak_concurrent >= 2U);
  BOOST_TEST(stats.tenants[0].peak_concurrent <= 4U);
  BOOST_TEST(stats.tenants[1].peak_concurrent == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fakes_idexx_neo_simulator_settings)

BOOST_AUTO_TEST_CASE(
    shape_b_wrapped_in_events_and_the_legacy_page_data_layout_are_per_tenant_settings)
{
  auto world = fakes::generate_world(11, at(k_now), 2, 40);
  world.tenants[0].calendar_shape = fakes::CalendarShape::b;
  world.tenants[0].calendar_wrapper = fakes::CalendarWrapper::events;
  world.tenants[0].page_data_layout = fakes::PageDataLayout::legacy_page_data;
  world.tenants[1].calendar_wrapper = fakes::CalendarWrapper::data;
  fakes::IdexxNeoSimulator simulator(world);
  const auto port = simulator.server().port();
  const auto session_of_tenant = [&](std::size_t i) {
    const auto& t = world.tenants[i];
    return client::session_of(client::login(port, t.company_id, t.username, t.password))
        .value_or("");
  };
  const auto b = session_of_tenant(0);
  const auto a = session_of_tenant(1);
  const auto target = calendar_target("2026-03-06 00:00:00", "2026-03-10 23:59:59");

  const auto shape_b = json::parse(client::request(port, "GET", target, client::xhr(b)).body);
  const auto shape_a = json::parse(client::request(port, "GET", target, client::xhr(a)).body);
  const auto legacy = json::parse(
      client::request(port, "GET",
                      "/consultations/" +
                          std::to_string(world.tenants[0].consultations.front().id) + "/page-data",
                      client::xhr(b))
          .body);

  BOOST_REQUIRE(shape_b.contains("events"));
  BOOST_REQUIRE(!shape_b.at("events").empty());
  const auto visit = std::find_if(shape_b.at("events").begin(), shape_b.at("events").end(),
                                  [](const json& e) { return e.contains("patientName"); });
  BOOST_REQUIRE(visit != shape_b.at("events").end());
  BOOST_TEST(visit->at("start").get<std::string>().at(10) == 'T');
  BOOST_TEST(visit->contains("className"));
  BOOST_REQUIRE(shape_a.contains("data"));
  BOOST_TEST(shape_a.at("data").at(0).contains("is_block"));
  BOOST_TEST(!legacy.contains("consultation"));
  BOOST_TEST(legacy.at("pageData").at("consultation").at("id").get<std::int64_t>() ==
             world.tenants[0].consultations.front().id);
}

BOOST_AUTO_TEST_CASE(a_form_without_company_id_logs_in_by_username_alone)
{
  fakes::SimulatorSettings settings;
  settings.login_form_has_company_id = false;
  settings.username_field_is_email = true;
  SimulatorFixture fixture(settings);
  const auto& tenant = fixture.world.tenants[0];
  BOOST_REQUIRE(!tenant.company_id.empty());

  const auto page = client::request(fixture.port(), "GET", "/login");
  BOOST_TEST(page.body.find("name=\"company_id\"") == std::string::npos);
  BOOST_TEST(page.body.find("type=\"email\" id=\"email\" name=\"email\"") != std::string::npos);
  const auto response = client::login(fixture.port(), "", tenant.username, tenant.password);

  BOOST_TEST(response.status == 302);
  BOOST_TEST(client::session_of(response).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
