#include "tests/fakes/idexx_neo_simulator.hpp"

#include "shared/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace tests::fakes {

namespace {

using nlohmann::json;

constexpr std::size_t k_per_page = 20;
constexpr const char* k_session_cookie = "neo_session";
constexpr const char* k_flash_cookie = "neo_flash";
constexpr const char* k_login_failed = "These credentials do not match our records.";



// name (decoded) -> value (raw, still encoded)
std::vector<std::pair<std::string, std::string>> split_query(std::string_view query)
{
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    auto end = query.find('&', pos);
    if (end == std::string_view::npos)
      end = query.size();
    const auto part = query.substr(pos, end - pos);
    if (!part.empty()) {
      const auto eq = part.find('=');
      out.emplace_back(percent_decode(part.substr(0, eq), false),
                       eq == std::string_view::npos ? std::string{}
                                                    : std::string(part.substr(eq + 1)));
    }
    pos = end + 1;
  }
  return out;
}

std::optional<std::string> raw_param(const std::vector<std::pair<std::string, std::string>>& params,
                                     std::string_view name)
{
  for (const auto& [key, value] : params) {
    if (key == name)
      return value;
  }
  return std::nullopt;
}

std::map<std::string, std::string> parse_form(std::string_view body)
{
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : split_query(body)) {
    out.emplace(percent_decode(key, true), percent_decode(value, true));
  }
  return out;
}

std::string html_escape(std::string_view text)
{
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

FakeResponse html(int status, std::string body)
{
  return FakeResponse{status, {{"Content-Type", "text/html; charset=UTF-8"}}, std::move(body)};
}

FakeResponse json_response(int status, const json& body)
{
  return FakeResponse{
      status,
      {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}},
      body.dump()};
}

FakeResponse redirect(const std::string& location)
{
  return FakeResponse{
      302,
      {{"Location", location}, {"Content-Type", "text/html; charset=UTF-8"}},
      "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"0;url=" + location +
          "\"></head><body>Redirecting to " + location + "</body></html>"};
}

std::string app_page()
{
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>IDEXX Neo</title>"
         "<meta name=\"csrf-token\" content=\"app-shell\"></head><body><div id=\"app\" "
         "data-page=\"dashboard\">"
         "<noscript>IDEXX Neo needs JavaScript.</noscript></div><script "
         "src=\"/js/app.js\"></script></body></html>";
}

std::string token_hex(std::mt19937_64& rng)
{
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 40; ++i)
    out += digits[rng() % 16];
  return out;
}

double unit_draw(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate).
std::string http_date(SysSeconds when)
{
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss time{when - day};
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                days[std::chrono::weekday{day}.c_encoding()], static_cast<unsigned>(ymd.day()),
                months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return out;
}

std::string endpoint_of(const std::string& path)
{
  if (path == "/login")
    return "login";
  if (path == "/dashboard" || path == "/")
    return "dashboard";
  if (path.rfind("/two-factor", 0) == 0)
    return "two_factor";
  if (path == "/appointments/getCalendarEventData")
    return "calendar";
  if (path == "/consultations/search")
    return "search";
  if (path.rfind("/consultations/", 0) == 0 && path.size() > 10 &&
      path.substr(path.size() - 10) == "/page-data") {
    return "page_data";
  }
  return "other";
}

// Everything the app calls by XHR: the read-only rule (idexx-neo.md 13, item 25) covers all of it.
bool is_data_path(const std::string& path)
{
  static constexpr std::array<const char*, 7> prefixes{
      "/appointments/", "/consultations/", "/api/",   "/users/",
      "/schedule/",     "/dashboard/",     "/search/"};
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const char* p) { return path.rfind(p, 0) == 0; });
}

// Numbers that sometimes arrive as numeric strings (idexx-neo.md 13, item 17).
json id_value(std::int64_t id, bool as_string)
{
  return as_string ? json(std::to_string(id)) : json(id);
}

// Booleans as true/false, 0/1 or "0"/"1".
json flag(bool value, std::int64_t salt)
{
  if (salt % 11 == 0)
    return json(value ? "1" : "0");
  if (salt % 5 == 0)
    return json(value ? 1 : 0);
  return json(value);
}

std::string iso_t(const std::string& local)
{
  auto out = local;
  if (out.size() > 10)
    out[10] = 'T';
  return out;
}

json calendar_record_a(const Appointment& a)
{
  json r = json::object();
  r["id"] = id_value(a.id, a.id % 7 == 0);
  if (a.id % 9 != 0)
    r["appointment_id"] = a.id;
  r["consultation_id"] = a.consultation_id ? json(*a.consultation_id) : json(nullptr);
  r["start"] = a.start_local;
  if (a.end_local)
    r["end"] = *a.end_local;
  r["resourceId"] = a.resource_id;
  r["is_block"] = flag(a.kind == EntryKind::block, a.id);
  r["is_roster"] = flag(a.kind == EntryKind::roster, a.id);
  r["color"] = "#3a87ad"; // an unknown extra field
  if (a.kind == EntryKind::block) {
    r["title"] = a.reason;
    r["reason"] = a.reason;
    r["type_description"] = a.type_description;
    return r;
  }
  if (a.kind == EntryKind::roster) {
    r["title"] = "ROSTER: " + a.provider;
    r["provider"] = a.provider;
    r["type_description"] = a.type_description;
    return r;
  }
  r["title"] = a.patient_name + "; " + a.last_name + ", " + a.first_name;
  r["patient_id"] = a.patient_id;
  r["patient_name"] = a.patient_name;
  r["client_id"] = a.client_id;
  r["first_name"] = a.first_name;
  r["last_name"] = a.last_name;
  r["email"] = a.email;
  r["phone_number"] = a.phone_number;
  r["provider"] = a.provider.empty() ? json(nullptr) : json(a.provider);
  r["type_description"] = a.type_description;
  r["reason"] = a.reason;
  if (a.id % 13 != 0)
    r["current_status"] = a.status;
  r["status_label"] = a.status;
  return r;
}

std::string class_name(const std::string& status)
{
  std::string out;
  for (const char c : status)
    out += c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json calendar_record_b(const Appointment& a)
{
  json r = json::object();
  r["id"] = std::to_string(a.id);
  r["appointmentId"] = a.id;
  r["consultationId"] = a.consultation_id ? json(*a.consultation_id) : json(nullptr);
  r["start"] = iso_t(a.start_local);
  if (a.end_local)
    r["end"] = iso_t(*a.end_local);
  r["resourceId"] = a.resource_id;
  r["isBlock"] = a.kind == EntryKind::block;
  r["isRoster"] = a.kind == EntryKind::roster;
  r["allDay"] = false; // an unknown extra field
  if (a.kind != EntryKind::visit) {
    r["title"] = a.kind == EntryKind::block ? a.reason : "ROSTER: " + a.provider;
    r["is_block"] = a.kind == EntryKind::block;
    r["is_roster"] = a.kind == EntryKind::roster;
    return r;
  }
  r["title"] = a.patient_name + "; " + a.last_name + ", " + a.first_name;
  r["patientId"] = a.patient_id;
  r["patientName"] = a.patient_name;
  r["clientId"] = a.client_id;
  r["clientName"] = a.first_name + " " + a.last_name;
  r["clientPhone"] = a.phone_number;
  r["clientEmail"] = a.email;
  r["providerName"] = a.provider;
  r["appointmentType"] = a.type_description;
  r["reason"] = a.reason;
  r["status"] = a.status;
  r["className"] = class_name(a.status);
  return r;
}

json provider_json(const Provider& p, const std::string& company_id)
{
  return json{{"id", p.id},
              {"name", p.name},
              {"email", p.email},
              {"licenseNumber", p.license_number.empty() ? json(nullptr) : json(p.license_number)},
              {"userType", p.user_type},
              {"companyId", company_id.empty() ? json(nullptr) : json(company_id)}};
}

struct Session
{
  std::size_t tenant = 0;
  bool awaiting_otp = false;
  int data_requests = 0;
};

} // namespace

struct IdexxNeoSimulator::State
{
  SimulatorSettings settings;
  mutable std::mutex mutex;
  World world;
  std::map<std::string, Session> sessions;
  std::set<std::string> login_tokens; // issued by GET /login, not yet used
  // Failed logins in the redirect variant: the `neo_flash` cookie makes the next GET /login show
  // the message once.
  std::set<std::string> login_flashes;
  std::vector<std::string> issued_tokens; // every cookie value and _token ever handed out
  std::mt19937_64 token_rng{std::random_device{}()};
  std::vector<std::mt19937_64>
      fault_rng; // per tenant, from the world seed: faults repeat run to run
  SimulatorStats stats;
  std::size_t in_flight = 0;
  std::vector<std::size_t> tenant_in_flight;
  std::vector<std::size_t> tenant_requests; // requests with a session, for very_slow_every_n
  // Per tenant: consultations inserted by pagination drift. Read and written under the mutex
  // only (handlers take a copy), so the generated world stays immutable.
  std::vector<std::vector<Consultation>> added;
  // Per tenant: ids deleted by FaultSettings::pagination_deletions, and the data requests seen
  // (for never_complete_every_n_requests). Under the mutex.
  std::vector<std::set<std::int64_t>> deleted;
  std::vector<std::size_t> tenant_data_requests;
  // Per tenant: notes edited after generation (edit_notes), by consultation id; same rule as `added`.
  std::vector<std::map<std::int64_t, std::string>> edited_notes;

  State(World w, SimulatorSettings s) : settings(std::move(s)), world(std::move(w))
  {
    for (std::size_t i = 0; i < world.tenants.size(); ++i) {
      fault_rng.emplace_back(world.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1)));
      tenant_in_flight.push_back(0);
      tenant_requests.push_back(0);
      added.emplace_back();
      deleted.emplace_back();
      tenant_data_requests.push_back(0);
      edited_notes.emplace_back();
    }
    stats = empty_stats();
  }

  // Generated plus drift-inserted consultations in [from, to]. Caller holds the mutex.
  std::size_t count_in_window(std::size_t tenant, SysSeconds from, SysSeconds to) const
  {
    auto total = tests::fakes::consultations_in_window(world.tenants.at(tenant), from, to);
    for (const auto& c : added.at(tenant)) {
      if (c.consulted_at_utc >= from && c.consulted_at_utc <= to)
        ++total;
    }
    for_each_consultation(tenant, [&](const Consultation& c) {
      if (deleted.at(tenant).count(c.id) != 0 && c.consulted_at_utc >= from && c.consulted_at_utc <= to)
        --total;
    });
    return total;
  }

  // Generated and drift-inserted consultations alike. Caller holds the mutex.
  template <typename Visit>
  void for_each_consultation(std::size_t tenant, Visit visit) const
  {
    for (const auto& c : world.tenants.at(tenant).consultations)
      visit(c);
    for (const auto& c : added.at(tenant))
      visit(c);
  }

  // Deletes the newest live consultation consulted by `now`: the head of the newest-first
  // listing, already served on page 1, so every later item shifts up by one. Caller holds the
  // mutex.
  void delete_listing_head(std::size_t tenant)
  {
    const Consultation* head = nullptr;
    for_each_consultation(tenant, [&](const Consultation& c) {
      if (deleted[tenant].count(c.id) != 0 || c.consulted_at_utc > world.now)
        return;
      if (head == nullptr || c.consulted_at_utc > head->consulted_at_utc ||
          (c.consulted_at_utc == head->consulted_at_utc && c.id > head->id))
        head = &c;
    });
    if (head != nullptr) {
      deleted[tenant].insert(head->id);
      ++stats.tenants[tenant].deletions;
    }
  }

  // A new walk-in consultation one second before `now`: the head of a newest-first listing.
  // Caller holds the mutex.
  void insert_drift_consultation(std::size_t tenant)
  {
    const auto& t = world.tenants[tenant];
    if (t.consultations.empty())
      return;
    std::int64_t max_id = 0;
    for (const auto& c : t.consultations)
      max_id = std::max(max_id, c.id);
    for (const auto& c : added[tenant])
      max_id = std::max(max_id, c.id);
    auto fresh = t.consultations.front();
    fresh.id = max_id + 1;
    fresh.appointment_id.reset();
    fresh.consulted_at_utc = world.now - std::chrono::seconds{1};
    fresh.consulted_at_local = format_local(utc_to_local(t.timezone, fresh.consulted_at_utc));
    fresh.status = "in_progress";
    fresh.reason = "Walk-in seen while the listing was paged";
    for (auto& line : fresh.lines)
      line.id += 1000000 + static_cast<std::int64_t>(added[tenant].size()) * 100;
    added[tenant].push_back(std::move(fresh));
    ++stats.tenants[tenant].drift_insertions;
  }

  SimulatorStats empty_stats() const
  {
    SimulatorStats fresh;
    for (const auto& t : world.tenants) {
      TenantStats ts;
      ts.company_id = t.company_id;
      ts.username = t.username;
      fresh.tenants.push_back(ts);
    }
    return fresh;
  }

  // Caller holds the mutex.
  void count(std::optional<std::size_t> tenant, const std::string& endpoint)
  {
    if (tenant) {
      auto& ts = stats.tenants[*tenant];
      ++ts.requests;
      ++ts.requests_by_endpoint[endpoint];
    }
  }

  std::string login_page(const std::string& error)
  {
    std::string token;
    {
      const std::lock_guard lock(mutex);
      token = token_hex(token_rng);
      login_tokens.insert(token);
      issued_tokens.push_back(token);
    }
    std::string page = "<!DOCTYPE html><html lang=\"en\"><head><meta "
                       "charset=\"utf-8\"><title>Login | IDEXX Neo</title>"
                       "</head><body><div class=\"login-box\"><h1>IDEXX Neo</h1>\n";
    if (!error.empty()) {
      page += "<div class=\"alert alert-danger\">" + html_escape(error) + "</div>\n";
    }
    page += "<form method=\"POST\" action=\"/login\" class=\"form-horizontal\">\n"
            "<input type=\"hidden\" name=\"_token\" value=\"" +
            token + "\">\n";
    if (settings.login_form_has_company_id) {
      page += "<label for=\"company_id\">Company ID</label>"
              "<input type=\"text\" id=\"company_id\" name=\"company_id\" value=\"\">\n";
    }
    if (settings.username_field_is_email) {
      page += "<label for=\"email\">E-mail</label><input type=\"email\" id=\"email\" "
              "name=\"email\" value=\"\">\n";
    } else {
      page += "<label for=\"username\">Username</label>"
              "<input type=\"text\" id=\"username\" name=\"username\" value=\"\" "
              "autocomplete=\"username\">\n";
    }
    page += "<label for=\"password\">Password</label><input type=\"password\" id=\"password\" "
            "name=\"password\">\n"
            "<label><input type=\"checkbox\" name=\"remember\" value=\"1\"> Remember me</label>\n"
            "<button type=\"submit\" class=\"btn btn-primary\">Log "
            "in</button>\n</form></div></body></html>";
    return page;
  }

  static std::string otp_page(const std::string& error)
  {
    std::string page = "<!DOCTYPE html><html><head><title>Two-factor verification | IDEXX "
                       "Neo</title></head><body>\n";
    if (!error.empty())
      page += "<div class=\"alert alert-danger\">" + html_escape(error) + "</div>\n";
    page += "<form method=\"POST\" action=\"/two-factor\"><label for=\"otp\">Enter the code from "
            "your app</label>"
            "<input type=\"text\" id=\"otp\" name=\"otp\" inputmode=\"numeric\" "
            "autocomplete=\"one-time-code\">"
            "<button type=\"submit\">Verify</button></form></body></html>";
    return page;
  }

  FakeResponse post_login(const FakeRequest& request)
  {
    auto form = parse_form(request.body);
    const auto field = [&](const char* name) {
      const auto it = form.find(name);
      return it == form.end() ? std::string{} : it->second;
    };
    const auto username = field(settings.username_field_is_email ? "email" : "username");
    const auto company_id = field("company_id");
    const auto password = field("password");
    std::optional<std::size_t> tenant;
    std::optional<std::size_t> attributed;
    bool ok = false;
    std::string cookie;
    bool two_factor = false;
    {
      const std::lock_guard lock(mutex);
      const bool token_ok = login_tokens.erase(field("_token")) == 1;
      for (std::size_t i = 0; i < world.tenants.size(); ++i) {
        const auto& t = world.tenants[i];
        if (t.username != username)
          continue;
        if (!attributed)
          attributed = i;
        if (!settings.login_form_has_company_id || t.company_id == company_id) {
          tenant = i;
          break;
        }
      }
      ok = token_ok && tenant && world.tenants[*tenant].password == password;
      if (ok)
        attributed = tenant;
      count(attributed, "login");
      if (!ok) {
        if (attributed)
          ++stats.tenants[*attributed].failed_logins;
      } else {
        ++stats.tenants[*tenant].logins;
        cookie = token_hex(token_rng);
        issued_tokens.push_back(cookie);
        two_factor = world.tenants[*tenant].requires_2fa;
        sessions[cookie] = Session{*tenant, two_factor, 0};
      }
    }
    if (!ok) {
      // Same answer for a wrong password, username, company id or a stale _token; no session.
      if (settings.failed_login_redirects) {
        std::string flash;
        {
          const std::lock_guard lock(mutex);
          flash = token_hex(token_rng);
          login_flashes.insert(flash);
          issued_tokens.push_back(flash);
        }
        auto response = redirect("/login");
        response.headers.emplace_back("Set-Cookie", std::string(k_flash_cookie) + "=" + flash +
                                                        "; Path=/; HttpOnly; Secure; SameSite=Lax");
        return response;
      }
      return html(200, login_page(k_login_failed));
    }
    auto response = redirect(two_factor ? "/two-factor" : "/dashboard");
    response.headers.emplace_back("Set-Cookie", std::string(k_session_cookie) + "=" + cookie +
                                                    "; Path=/; HttpOnly; Secure; SameSite=Lax");
    return response;
  }

  static FakeResponse calendar(const Tenant& tenant, const std::set<std::int64_t>& deleted, bool malformed,
                               const std::vector<std::pair<std::string, std::string>>& params)
  {
    const auto raw_start = raw_param(params, "start");
    const auto raw_end = raw_param(params, "end");
    std::optional<std::chrono::local_seconds> start;
    std::optional<std::chrono::local_seconds> end;
    // Only %20 and %3A are accepted: a `+`, an ISO `T` or a raw `:` is a 400 (idexx-neo.md 13, item
    // 7).
    const auto strict =
        [](const std::optional<std::string>& raw) -> std::optional<std::chrono::local_seconds> {
      if (!raw || raw->find_first_of("+:") != std::string::npos)
        return std::nullopt;
      return parse_local(percent_decode(*raw, false));
    };
    start = strict(raw_start);
    end = strict(raw_end);
    if (!start || !end) {
      return json_response(400, json{{"message", "start and end must be 'YYYY-MM-DD HH:MM:SS'"}});
    }
    const auto from = local_to_utc(tenant.timezone, *start);
    const auto to = local_to_utc(tenant.timezone, *end);
    json events = json::array();
    std::int64_t last_id = 0;
    std::optional<json> first_visit; // the malformed record is a visit, not a block or roster
    for (const auto& a : tenant.appointments) {
      if (a.start_utc < from || a.start_utc > to)
        continue;
      const bool consultation_deleted = a.consultation_id && deleted.count(*a.consultation_id) != 0;
      Appointment without_consultation;
      if (consultation_deleted) {
        without_consultation = a;
        without_consultation.consultation_id.reset();
      }
      const auto& shown = consultation_deleted ? without_consultation : a;
      events.push_back(tenant.calendar_shape == CalendarShape::a ? calendar_record_a(shown)
                                                                 : calendar_record_b(shown));
      last_id = std::max(last_id, a.id);
      if (!first_visit && a.kind == EntryKind::visit)
        first_visit = events.back();
    }
    if (malformed && first_visit) {
      auto bad = *first_visit;
      bad["id"] = last_id + 1000000;
      bad.erase("appointment_id");
      bad.erase("appointmentId");
      bad["start"] = "not a date";
      events.push_back(bad);
    }
    switch (tenant.calendar_wrapper) {
    case CalendarWrapper::bare_array:
      return json_response(200, events);
    case CalendarWrapper::appointments:
      return json_response(200, json{{"appointments", events}, {"timezoneHint", nullptr}});
    case CalendarWrapper::data:
      return json_response(200, json{{"data", events}, {"success", true}});
    case CalendarWrapper::events:
      return json_response(200, json{{"events", events}, {"view", "agendaWeek"}});
    }
    return json_response(200, events);
  }

  // Caller holds the mutex.
  int drift_done(std::size_t tenant) const
  {
    return static_cast<int>(added[tenant].size());
  }

  static FakeResponse search(const Tenant& tenant, const std::vector<Consultation>& extra,
                             const std::set<std::int64_t>& deleted, bool malformed,
                             const std::vector<std::pair<std::string, std::string>>& params)
  {
    const auto strict =
        [](const std::optional<std::string>& raw) -> std::optional<std::chrono::local_seconds> {
      if (!raw || raw->find_first_of("+:") != std::string::npos)
        return std::nullopt;
      return parse_search_local(percent_decode(*raw, false));
    };
    const auto start = strict(raw_param(params, "date_start"));
    const auto end = strict(raw_param(params, "date_end"));
    if (!start || !end) {
      return json_response(
          400, json{{"message", "date_start and date_end must be 'DD.MM.YYYY HH:mm:ss'"}});
    }
    std::size_t page = 1;
    if (const auto raw_page = raw_param(params, "page")) {
      if (raw_page->empty() || raw_page->size() > 6 ||
          !std::all_of(raw_page->begin(), raw_page->end(),
                       [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoul(*raw_page) == 0) {
        return json_response(400, json{{"message", "page must be a positive integer"}});
      }
      page = std::stoul(*raw_page);
    }
    std::optional<std::int64_t> provider;
    if (const auto raw_provider = raw_param(params, "provider");
        raw_provider && !raw_provider->empty()) {
      try {
        provider = std::stoll(*raw_provider);
      } catch (const std::exception&) {
        return json_response(400, json{{"message", "provider must be a number"}});
      }
    }
    const auto from = local_to_utc(tenant.timezone, *start);
    const auto to = local_to_utc(tenant.timezone, *end);
    std::vector<const Consultation*> matches;
    for (const auto* list : {&tenant.consultations, &extra}) {
      for (const auto& c : *list) {
        if (c.consulted_at_utc >= from && c.consulted_at_utc <= to &&
            (!provider || c.provider_id == *provider) && deleted.count(c.id) == 0) {
          matches.push_back(&c);
        }
      }
    }
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Consultation* a, const Consultation* b) {
                       return a->consulted_at_utc != b->consulted_at_utc
                                  ? a->consulted_at_utc > b->consulted_at_utc
                                  : a->id > b->id;
                     });
    json data = json::array();
    for (std::size_t i = (page - 1) * k_per_page; i < matches.size() && i < page * k_per_page;
         ++i) {
      const auto& c = *matches[i];
      json diagnoses = json::array();
      for (const auto& d : c.diagnoses)
        diagnoses.push_back(d);
      data.push_back(
          json{{"id", c.id},
               {"appointmentId", c.appointment_id ? json(*c.appointment_id) : json(nullptr)},
               {"patientName", c.patient_name},
               {"clientName", c.client_last_name + ", " + c.client_first_name},
               {"providerId", c.provider_id},
               {"providerName", c.provider_name},
               {"consultedAt", c.consulted_at_local},
               {"status", c.status},
               {"clinicalNotes", "<p>" + html_escape(c.reason) + "</p>"},
               {"vitals",
                {{"temperature", c.temperature_f},
                 {"temperatureUnit", "F"},
                 {"pulse", c.pulse},
                 {"respiration", c.respiration},
                 {"weight", c.weight_kg},
                 {"weightUnit", "kg"}}},
               {"diagnoses", diagnoses},
               {"branchId", tenant.branch_id}});
    }
    const auto last_page = (matches.size() + k_per_page - 1) / k_per_page;
    if (malformed && !data.empty() && page == std::max<std::size_t>(1, last_page)) {
      auto bad = data.front();
      bad.erase("id"); // one record without an id among good ones (idexx-neo.md 13, item 19)
      bad["consultedAt"] = "not a date";
      data.push_back(bad);
    }
    return json_response(200, json{{"data", data},
                                   {"total", matches.size()},
                                   {"page", page},
                                   {"perPage", k_per_page},
                                   {"lastPage", (matches.size() + k_per_page - 1) / k_per_page}});
  }

  static FakeResponse page_data(const Tenant& tenant, const std::vector<Consultation>& extra,
                                const std::set<std::int64_t>& deleted,
                                const std::map<std::int64_t, std::string>& edited, const std::string& path)
  {
    const auto digits = path.substr(std::string("/consultations/").size(),
                                    path.size() - std::string("/consultations/").size() -
                                        std::string("/page-data").size());
    const auto* found = static_cast<const Consultation*>(nullptr);
    if (!digits.empty() && digits.size() < 18 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const auto id = std::stoll(digits);
      for (const auto* list : {&tenant.consultations, &extra}) {
        if (deleted.count(id) != 0)
          break;
        for (const auto& c : *list) {
          if (c.id == id)
            found = &c;
        }
      }
    }
    if (found == nullptr) {
      return json_response(404, json{{"message", "Consultation not found."}});
    }
    const auto& c = *found;
    json consultation{{"id", c.id},
                      {"reason", c.reason},
                      {"notes", ""},
                      {"date", c.consulted_at_local},
                      {"status", c.status}};
    if (c.discharge_summary)
      consultation["dischargeSummary"] = *c.discharge_summary;
    json providers = json::array();
    for (const auto& p : tenant.providers)
      providers.push_back(provider_json(p, tenant.company_id));
    // The login user is a provider too (Decision 23: extract must strip this before storing).
    providers.push_back(
        provider_json(Provider{tenant.login_user_id, "SYNC INTEGRATION", tenant.email, "", "staff"},
                      tenant.company_id));
    json lines = json::array();
    for (const auto& l : c.lines) {
      lines.push_back(json{{"id", l.id},
                           {"productService", l.product_service},
                           {"quantity", l.quantity},
                           {"isDeclined", l.is_declined}});
    }
    const json patient{
        {"id", c.patient_id}, {"name", c.patient_name}, {"species", c.species}, {"breed", c.breed}};
    const json branch{{"id", tenant.branch_id}, {"name", tenant.branch_name}};
    const auto edit = edited.find(c.id);
    const json notes{{"notes", edit == edited.end() ? c.notes_html : edit->second}};
    if (tenant.page_data_layout == PageDataLayout::legacy_page_data) {
      return json_response(200, json{{"pageData",
                                      {{"consultation", consultation},
                                       {"patient", patient},
                                       {"client",
                                        {{"id", c.client_id},
                                         {"name", c.client_first_name + " " + c.client_last_name},
                                         {"phone", c.client_phone},
                                         {"email", c.client_email},
                                         {"address", "1 Example Street"}}},
                                       {"clinic",
                                        {{"id", tenant.branch_id},
                                         {"name", tenant.clinic_name},
                                         {"phone", "555-555-0100"},
                                         {"email", "front.desk@example.com"},
                                         {"companyId", tenant.company_id}}},
                                       {"providers", providers},
                                       {"clientBranch", branch},
                                       {"consultationNotes", notes},
                                       {"consultationLines", lines}}}});
    }
    return json_response(200,
                         json{{"consultation", consultation},
                              {"patient", patient},
                              {"client",
                               {{"id", c.client_id},
                                {"firstName", c.client_first_name},
                                {"lastName", c.client_last_name},
                                {"phone", c.client_phone},
                                {"email", c.client_email}}},
                              {"pageData", {{"providers", providers}, {"clientBranch", branch}}},
                              {"consultationNotes", notes},
                              {"consultationLines", lines},
                              {"permissions", {{"canEdit", true}}}});
  }

  FakeResponse sim(const FakeRequest& request, const std::string& path)
  {
    const auto params = split_query(request.raw_query());
    if (path == "/_sim/stats") {
      const std::lock_guard lock(mutex);
      json tenants = json::array();
      for (const auto& t : stats.tenants) {
        tenants.push_back(json{{"company_id", t.company_id},
                               {"username", t.username},
                               {"logins", t.logins},
                               {"failed_logins", t.failed_logins},
                               {"write_attempts", t.write_attempts},
                               {"session_expiries", t.session_expiries},
                               {"injected_errors", t.injected_errors},
                               {"drift_insertions", t.drift_insertions},
                               {"slow_responses", t.slow_responses},
                               {"transport_faults", t.transport_faults},
                               {"deletions", t.deletions},
                               {"requests", t.requests},
                               {"peak_concurrent", t.peak_concurrent},
                               {"requests_by_endpoint", t.requests_by_endpoint}});
      }
      return json_response(200, json{{"requests", stats.requests},
                                     {"peak_concurrent", stats.peak_concurrent},
                                     {"write_attempts", stats.write_attempts},
                                     {"tenants", tenants}});
    }
    if (path == "/_sim/consultations/count") {
      const auto get = [&](const char* name) {
        const auto raw = raw_param(params, name);
        return raw ? percent_decode(*raw, false) : std::string{};
      };
      SysSeconds from;
      SysSeconds to;
      try {
        from = std::chrono::floor<std::chrono::seconds>(shared::parse_iso8601(get("from")));
        to = std::chrono::floor<std::chrono::seconds>(shared::parse_iso8601(get("to")));
      } catch (const std::exception&) {
        return json_response(400, json{{"message", "from and to must be ISO-8601 instants"}});
      }
      const std::lock_guard lock(mutex);
      for (std::size_t i = 0; i < world.tenants.size(); ++i) {
        const auto& t = world.tenants[i];
        if (t.company_id == get("company_id") && t.username == get("username")) {
          return json_response(200, json{{"count", count_in_window(i, from, to)}});
        }
      }
      return json_response(404, json{{"message", "no such tenant"}});
    }
    return json_response(404, json{{"message", "unknown simulator control endpoint"}});
  }

  FakeResponse handle(const FakeRequest& request)
  {
    const auto path = request.path();
    if (path.rfind("/_sim/", 0) == 0) {
      return sim(request, path);
    }
    const auto endpoint = endpoint_of(path);
    std::optional<std::size_t> tenant;
    std::string session_id;
    std::chrono::milliseconds latency{0};
    {
      const std::lock_guard lock(mutex);
      ++stats.requests;
      ++in_flight;
      stats.peak_concurrent = std::max(stats.peak_concurrent, in_flight);
      if (const auto cookie = request.cookie(k_session_cookie)) {
        if (const auto it = sessions.find(*cookie); it != sessions.end()) {
          tenant = it->second.tenant;
          session_id = *cookie;
        }
      }
      if (tenant) {
        auto& peak = stats.tenants[*tenant].peak_concurrent;
        peak = std::max(peak, ++tenant_in_flight[*tenant]);
        const auto& faults = world.tenants[*tenant].faults;
        latency = faults.latency;
        const bool nth = faults.very_slow_every_n_requests > 0 &&
                         ++tenant_requests[*tenant] %
                                 static_cast<std::size_t>(faults.very_slow_every_n_requests) ==
                             0;
        if (nth || (faults.very_slow_probability > 0 &&
                    unit_draw(fault_rng[*tenant]) < faults.very_slow_probability)) {
          latency += faults.very_slow_latency;
          ++stats.tenants[*tenant].slow_responses;
        }
      }
    }
    struct InFlight
    {
      State& state;
      std::optional<std::size_t> tenant;
      ~InFlight()
      {
        const std::lock_guard lock(state.mutex);
        --state.in_flight;
        if (tenant)
          --state.tenant_in_flight[*tenant];
      }
    } in_flight_guard{*this, tenant};
    if (latency.count() > 0) {
      std::this_thread::sleep_for(latency);
    }
    return route(request, path, endpoint, tenant, session_id);
  }

  FakeResponse route(const FakeRequest& request, const std::string& path,
                     const std::string& endpoint, std::optional<std::size_t> tenant,
                     const std::string& session_id)
  {
    const bool get = request.method == "GET";
    if (path == "/login") {
      if (get) {
        const std::lock_guard lock(mutex);
        count(tenant, endpoint);
      }
      if (get) {
        bool flashed = false;
        if (const auto flash = request.cookie(k_flash_cookie)) {
          const std::lock_guard lock(mutex);
          flashed = login_flashes.erase(*flash) == 1;
        }
        return html(200, login_page(flashed ? k_login_failed : ""));
      }
      if (request.method == "POST")
        return post_login(request);
    }
    if (!get && (path == "/login" || is_data_path(path))) {
      const std::lock_guard lock(mutex);
      count(tenant, endpoint);
      ++stats.write_attempts;
      if (tenant)
        ++stats.tenants[*tenant].write_attempts;
      auto response = json_response(405, json{{"message", "Method Not Allowed"}});
      response.headers.emplace_back("Allow", path == "/login" ? "GET, POST" : "GET");
      return response;
    }

    std::unique_lock lock(mutex);
    count(tenant, endpoint);
    const auto live = sessions.find(session_id);
    if (live == sessions.end()) {
      tenant.reset(); // ended by expiry or expire_sessions() since the request arrived
    }
    const bool awaiting_otp = tenant && live->second.awaiting_otp;
    if (path == "/two-factor") {
      if (!tenant)
        return redirect("/login");
      if (!awaiting_otp)
        return redirect("/dashboard");
      // The simulator never accepts a code (idexx-neo.md 13, item 4).
      return html(200, otp_page(get ? "" : "The code is invalid or has expired."));
    }
    if (path == "/dashboard" || path == "/") {
      if (!tenant)
        return redirect("/login");
      if (awaiting_otp)
        return redirect("/two-factor");
      return get ? html(200, app_page())
                 : json_response(405, json{{"message", "Method Not Allowed"}});
    }
    if (!is_data_path(path)) {
      return html(404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>");
    }
    if (!tenant)
      return redirect("/login");
    if (awaiting_otp)
      return redirect("/two-factor");

    auto& session = live->second;
    const auto& t = world.tenants[*tenant];
    auto& ts = stats.tenants[*tenant];
    ++session.data_requests;
    if (t.faults.expire_session_every_n_requests > 0 &&
        session.data_requests > t.faults.expire_session_every_n_requests) {
      sessions.erase(session_id);
      ++ts.session_expiries;
      switch (t.faults.expiry_style) {
      case ExpiryStyle::redirect_to_login:
        break;
      case ExpiryStyle::unauthorized:
        return json_response(401, json{{"message", "Unauthenticated."}});
      case ExpiryStyle::login_page:
        lock.unlock(); // login_page() takes the mutex
        return html(200, login_page(""));
      }
      return redirect("/login");
    }
    const auto xrw = request.header("X-Requested-With");
    const auto accept = request.header("Accept");
    if (!xrw || *xrw != "XMLHttpRequest" || !accept ||
        accept->find("application/json") == std::string::npos) {
      return html(200, app_page());
    }
    auto& rng = fault_rng[*tenant];
    if (t.faults.http500_probability > 0 && unit_draw(rng) < t.faults.http500_probability) {
      ++ts.injected_errors;
      return html(500, "<!DOCTYPE html><html><body><h1>500 Server Error</h1></body></html>");
    }
    if (t.faults.http5xx_probability > 0 && unit_draw(rng) < t.faults.http5xx_probability) {
      ++ts.injected_errors;
      static constexpr std::array<std::pair<int, const char*>, 3> gateway{
          {{502, "502 Bad Gateway"}, {503, "503 Service Unavailable"}, {504, "504 Gateway Timeout"}}};
      const auto& [status, title] = gateway[rng() % gateway.size()];
      return html(status, std::string("<!DOCTYPE html><html><head><title>") + title +
                              "</title></head><body><center><h1>" + title +
                              "</h1></center><hr><center>nginx</center></body></html>");
    }
    if (t.faults.http429_probability > 0 && unit_draw(rng) < t.faults.http429_probability) {
      ++ts.injected_errors;
      auto response =
          html(429, "<!DOCTYPE html><html><body><h1>429 Too Many Requests</h1></body></html>");
      if (t.faults.retry_after_http_date) {
        // An absolute date, so the real wall clock (not the world's `now`), rounded up.
        const auto at = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()) +
                        std::chrono::seconds{t.faults.retry_after_seconds};
        response.headers.emplace_back("Retry-After", http_date(at));
      } else {
        response.headers.emplace_back("Retry-After", std::to_string(t.faults.retry_after_seconds));
      }
      return response;
    }
    Delivery delivery = Delivery::whole;
    if (t.faults.connection_reset_probability > 0 && unit_draw(rng) < t.faults.connection_reset_probability) {
      delivery = Delivery::reset_connection;
    } else if (t.faults.cut_body_probability > 0 && unit_draw(rng) < t.faults.cut_body_probability) {
      delivery = Delivery::cut_body;
    } else if (t.faults.never_complete_every_n_requests > 0 &&
               ++tenant_data_requests[*tenant] %
                       static_cast<std::size_t>(t.faults.never_complete_every_n_requests) ==
                   0) {
      delivery = Delivery::never_complete;
    }
    if (delivery != Delivery::whole) {
      ++ts.transport_faults;
    }
    if (delivery == Delivery::reset_connection || delivery == Delivery::never_complete) {
      return FakeResponse{.status = 200, .headers = {}, .body = {}, .delivery = delivery};
    }
    const auto params = split_query(request.raw_query());
    if (endpoint == "search" && static_cast<int>(deleted[*tenant].size()) < t.faults.pagination_deletions) {
      // Between two page requests of one listing: the head, already read, is deleted.
      const auto page = raw_param(params, "page");
      if (page && *page != "1" && !page->empty()) {
        delete_listing_head(*tenant);
      }
    }
    if (endpoint == "search" && drift_done(*tenant) < t.faults.pagination_drift) {
      // Between two page requests of one listing: a new consultation at the head.
      const auto page = raw_param(params, "page");
      if (page && *page != "1" && !page->empty()) {
        insert_drift_consultation(*tenant);
      }
    }
    // Generated appointments and consultations never change after construction; only the knobs, the
    // drift insertions and the edited notes do, and they are read (copied) here, under the lock.
    const bool malformed = t.faults.malformed_record;
    const bool malformed_search = t.faults.malformed_search_record;
    std::vector<Consultation> extra;
    if (endpoint == "search" || endpoint == "page_data")
      extra = added[*tenant];
    const auto gone = deleted[*tenant];
    std::map<std::int64_t, std::string> edited;
    if (endpoint == "page_data")
      edited = edited_notes[*tenant];
    lock.unlock();
    FakeResponse response = json_response(404, json{{"message", "Not found."}});
    if (endpoint == "calendar")
      response = calendar(t, gone, malformed, params);
    else if (endpoint == "search")
      response = search(t, extra, gone, malformed_search, params);
    else if (endpoint == "page_data")
      response = page_data(t, extra, gone, edited, path);
    response.delivery = delivery;
    return response;
  }
};

IdexxNeoSimulator::IdexxNeoSimulator(World world, SimulatorSettings settings)
    : m_state(std::make_unique<State>(std::move(world), settings))
{
  auto* state = m_state.get();
  m_server = std::make_unique<FakeHttpServer>(
      [state](const FakeRequest& request) { return state->handle(request); }, settings.server);
}

IdexxNeoSimulator::~IdexxNeoSimulator() { m_server.reset(); }

std::string IdexxNeoSimulator::base_url() const { return m_server->base_url(); }

const FakeHttpServer& IdexxNeoSimulator::server() const { return *m_server; }

World IdexxNeoSimulator::world() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->world;
}

std::optional<std::size_t> IdexxNeoSimulator::find_tenant(const std::string& company_id,
                                                          const std::string& username) const
{
  const std::lock_guard lock(m_state->mutex);
  const auto& tenants = m_state->world.tenants;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    if (tenants[i].company_id == company_id && tenants[i].username == username)
      return i;
  }
  return std::nullopt;
}

void IdexxNeoSimulator::set_faults(std::size_t tenant, const FaultSettings& faults)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->world.tenants.at(tenant).faults = faults;
}

void IdexxNeoSimulator::set_requires_2fa(std::size_t tenant, bool required)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->world.tenants.at(tenant).requires_2fa = required;
}

void IdexxNeoSimulator::edit_notes(std::size_t tenant, std::int64_t consultation_id, const std::string& notes_html)
{
  const std::lock_guard lock(m_state->mutex);
  const auto& consultations = m_state->world.tenants.at(tenant).consultations;
  if (std::none_of(consultations.begin(), consultations.end(),
                   [&](const Consultation& c) { return c.id == consultation_id; })) {
    throw std::out_of_range("edit_notes: no consultation " + std::to_string(consultation_id));
  }
  m_state->edited_notes.at(tenant)[consultation_id] = notes_html;
}

void IdexxNeoSimulator::expire_sessions(std::size_t tenant)
{
  const std::lock_guard lock(m_state->mutex);
  (void)m_state->world.tenants.at(tenant);
  std::erase_if(m_state->sessions,
                [&](const auto& entry) { return entry.second.tenant == tenant; });
}

SimulatorStats IdexxNeoSimulator::stats() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->stats;
}

void IdexxNeoSimulator::reset_stats()
{
  const std::lock_guard lock(m_state->mutex);
  m_state->stats = m_state->empty_stats();
}

std::vector<std::string> IdexxNeoSimulator::issued_tokens() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->issued_tokens;
}

std::size_t IdexxNeoSimulator::consultations_in_window(std::size_t tenant, SysSeconds from,
                                                       SysSeconds to) const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->count_in_window(tenant, from, to);
}

} // namespace tests::fakes
