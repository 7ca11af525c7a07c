#pragma once

#include "tests/fakes/fake_http_server.hpp"
#include "tests/fakes/simulated_world.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// A multi-tenant IDEXX Neo behind one HTTPS listener (idexx-neo.md 13; architecture.md, Decision
// 9). The tenant is chosen at login by company id and username, then by the `neo_session` cookie.
namespace tests::fakes {

// Simulator-wide settings: with one listener the login form is served before the tenant is known.
struct SimulatorSettings
{
  bool login_form_has_company_id = true; // the form carries `company_id`
  bool username_field_is_email =
      false;                // variant: `<input type="email" name="email">` instead of `username`
  // Variant of a refused login (idexx-neo.md 13, item 3): 302 back to /login, which then shows the
  // message once, instead of re-rendering the form with status 200.
  bool failed_login_redirects = false;
  FakeServerOptions server; // port, certificate folder
};

struct TenantStats
{
  std::string company_id;
  std::string username;
  std::size_t logins = 0; // successful password checks (2FA tenants included)
  std::size_t failed_logins =
      0; // wrong password / company id / stale token, attributed by username
  std::size_t write_attempts = 0; // non-GET requests to data endpoints, answered 405
  std::size_t session_expiries =
      0; // sessions ended by FaultSettings::expire_session_every_n_requests
  std::size_t injected_errors = 0; // 500, 502-504 and 429 from FaultSettings
  std::size_t drift_insertions = 0; // consultations added by FaultSettings::pagination_drift
  std::size_t slow_responses = 0;   // requests delayed by FaultSettings::very_slow_latency
  std::size_t transport_faults = 0; // resets, cut bodies and never-completing answers
  std::size_t deletions = 0;        // consultations deleted by FaultSettings::pagination_deletions
  std::size_t requests = 0;        // every request attributed to the tenant
  std::size_t peak_concurrent = 0; // most requests of this tenant in flight at once
  // Keys: "login", "dashboard", "two_factor", "calendar", "search", "page_data", "other".
  std::map<std::string, std::size_t> requests_by_endpoint;
};

struct SimulatorStats
{
  std::vector<TenantStats> tenants; // in World::tenants order
  std::size_t requests = 0;         // all requests except /_sim/
  std::size_t peak_concurrent = 0;  // all requests except /_sim/
  std::size_t write_attempts = 0;   // every 405, with or without a known tenant
};

// Serves, for each tenant of `world`:
//   GET  /login                      HTML form: hidden `_token` (one use), optional `company_id`,
//   username, password POST /login                      302 /dashboard + Set-Cookie neo_session;
//   failure: 200 login page with
//                                    <div class="alert alert-danger">; 2FA tenant: 302 /two-factor
//                                    (input name="otp")
//   GET  /dashboard                  HTML application page
//   GET  /appointments/getCalendarEventData?start=YYYY-MM-DD%20HH%3AMM%3ASS&end=...
//   GET  /consultations/search?page=N&date_start=DD.MM.YYYY%20HH%3Amm%3Ass&date_end=...
//   GET  /consultations/{id}/page-data
//   GET  /_sim/stats, GET /_sim/consultations/count?company_id=&username=&from=<ISO UTC>&to=<ISO
//   UTC>
// Data endpoints: no session -> 302 /login; without `X-Requested-With: XMLHttpRequest` and
// `Accept: application/json` -> 200 HTML; a method other than GET -> 405 (counted).
// Listening when the constructor returns; thread-safe. Throws std::runtime_error if the server
// cannot start (see FakeHttpServer).
class IdexxNeoSimulator
{
public:
  explicit IdexxNeoSimulator(World world, SimulatorSettings settings = {});
  ~IdexxNeoSimulator();
  IdexxNeoSimulator(const IdexxNeoSimulator&) = delete;
  IdexxNeoSimulator& operator=(const IdexxNeoSimulator&) = delete;

  // `https://127.0.0.1:<port>`: every simulated clinic's idexx_base_url.
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] const FakeHttpServer& server() const;

  // A copy of the world as generated (fault settings as currently set; consultations inserted by
  // pagination drift are not in it).
  [[nodiscard]] World world() const;
  // Index of the tenant with `company_id` (empty = none) and `username`; std::nullopt if none.
  [[nodiscard]] std::optional<std::size_t> find_tenant(const std::string& company_id,
                                                       const std::string& username) const;
  // Change a tenant's fault knobs or 2FA flag while running. Throw std::out_of_range for a bad
  // index.
  void set_faults(std::size_t tenant, const FaultSettings& faults);
  void set_requires_2fa(std::size_t tenant, bool required);
  // Ends every session of `tenant` now (the next data request gets 302 /login).
  void expire_sessions(std::size_t tenant);
  // A note edited in IDEXX Neo after it was synced: page-data serves `notes_html` from now on.
  // Throws std::out_of_range for a bad tenant or consultation id.
  void edit_notes(std::size_t tenant, std::int64_t consultation_id, const std::string& notes_html);

  // Every session cookie value and login-form `_token` handed out so far, expired ones included:
  // what a secrets test must never find in our output.
  [[nodiscard]] std::vector<std::string> issued_tokens() const;

  [[nodiscard]] SimulatorStats stats() const;
  void reset_stats();
  // World-level consultations_in_window for tenant `tenant`, plus the consultations pagination
  // drift inserted so far. Throws std::out_of_range.
  [[nodiscard]] std::size_t consultations_in_window(std::size_t tenant, SysSeconds from,
                                                    SysSeconds to) const;

  struct State;

private:
  std::unique_ptr<State> m_state;
  std::unique_ptr<FakeHttpServer> m_server; // declared last: stopped before the state goes
};

} // namespace tests::fakes
