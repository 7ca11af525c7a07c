#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The data behind the IDEXX Neo simulator: tenants (clinics) with appointments and consultations,
// generated deterministically from a seed relative to a fixed `now` (architecture.md, Decision 2).
// Every clinic-local time is wall-clock text "YYYY-MM-DD HH:MM:SS" plus its UTC instant.
namespace tests::fakes {

using SysSeconds = std::chrono::sys_seconds;

enum class CalendarShape { a, b };                                     // idexx-neo.md 4.1
enum class CalendarWrapper { bare_array, appointments, data, events }; // idexx-neo.md 4.1
enum class PageDataLayout { current, legacy_page_data };               // idexx-neo.md 4.2
enum class EntryKind { visit, block, roster };

// How an ended session shows itself on the next data request (idexx-neo.md 2.5, 13 item 6).
enum class ExpiryStyle { redirect_to_login, login_page, unauthorized };

// Per-tenant fault knobs (idexx-neo.md 13). All off by default, so a default tenant is faithful and
// fault-free. Random draws come from a per-tenant generator seeded from the world's seed, so a run
// with the same requests sees the same faults.
struct FaultSettings
{
  int expire_session_every_n_requests =
      0; // 0 = never; the (N+1)-th data request of a session finds it ended
  ExpiryStyle expiry_style = ExpiryStyle::redirect_to_login; // 302 /login, 200 login page or 401
  double http500_probability = 0.0;     // per data request, HTML body
  double http5xx_probability = 0.0;     // per data request: 502, 503 or 504 (equally), HTML body
  double http429_probability = 0.0;     // per data request
  int retry_after_seconds = 1;          // Retry-After of the 429
  bool retry_after_http_date = false;   // variant: Retry-After as an HTTP date that far ahead
  bool malformed_record = false;        // the calendar adds one record whose start is "not a date"
  bool malformed_search_record = false; // the last search page adds one record without an id
  // Pagination drift: this many new consultations (walk-ins consulted one second before the
  // world's `now`, so at the head of the newest-first listing) are inserted, one at each request
  // for a search page >= 2, until spent. They count in consultations_in_window of the simulator.
  int pagination_drift = 0;
  std::chrono::milliseconds latency{0}; // added to every request of the tenant
  // Every N-th request of the tenant (with a session) waits `very_slow_latency` more: set it
  // beyond the client's request timeout to make it time out. 0 = never.
  int very_slow_every_n_requests = 0;
  double very_slow_probability = 0.0; // or by chance, per request of the tenant
  std::chrono::milliseconds very_slow_latency{0};
  // Transport failures, per data request (idexx-neo.md 13, items 15-16): the connection reset
  // before any byte of the answer; a 200 whose JSON body stops half-way; and every N-th request
  // (0 = never) answered never at all, until the client gives up and closes the connection.
  double connection_reset_probability = 0.0;
  double cut_body_probability = 0.0;
  int never_complete_every_n_requests = 0;
  // Deletion while paging: this many times, at a request for a search page >= 2, the newest
  // consultation (the head of the listing, already served on page 1) is deleted: gone from the
  // search, page-data (404), the calendar's consultation_id and consultations_in_window.
  int pagination_deletions = 0;

  bool operator==(const FaultSettings&) const = default;
};

struct Provider
{
  std::int64_t id = 0;
  std::string name; // upper case, "DR. R. SAMPLE"
  std::string email;
  std::string license_number;
  std::string user_type; // "vet", "nurse", "staff"

  bool operator==(const Provider&) const = default;
};

struct Appointment
{
  EntryKind kind = EntryKind::visit;
  std::int64_t id = 0;
  std::optional<std::int64_t> consultation_id; // set only once the visit's consultation was opened
  std::string start_local;
  std::optional<std::string> end_local; // sometimes missing (idexx-neo.md 13, item 17)
  SysSeconds start_utc{};
  std::int64_t patient_id = 0;
  std::string patient_name;
  std::int64_t client_id = 0;
  std::string first_name;
  std::string last_name;
  std::string email;        // may be empty
  std::string phone_number; // free text as staff typed it (idexx-neo.md 9)
  std::string provider;     // may be empty
  std::string resource_id;
  std::string type_description;
  std::string reason;
  std::string
      status; // "Scheduled", "In Progress", "Ready to Pay", "Finalized", "No Show", "Cancelled"

  bool operator==(const Appointment&) const = default;
};

struct ConsultationLine
{
  std::int64_t id = 0;
  std::string product_service;
  double quantity = 1.0;
  bool is_declined = false;

  bool operator==(const ConsultationLine&) const = default;
};

struct Consultation
{
  std::int64_t id = 0;
  std::optional<std::int64_t> appointment_id; // std::nullopt for a walk-in
  std::string consulted_at_local;
  SysSeconds consulted_at_utc{};
  std::string status; // "in_progress", "completed"
  std::string reason;
  std::string notes_html;                       // consultationNotes.notes, 1-3 KB
  std::optional<std::string> discharge_summary; // sometimes absent
  std::int64_t patient_id = 0;
  std::string patient_name;
  std::string species;
  std::string breed;
  std::int64_t client_id = 0;
  std::string client_first_name;
  std::string client_last_name;
  std::string client_phone;
  std::string client_email;
  std::int64_t provider_id = 0;
  std::string provider_name;
  std::vector<ConsultationLine> lines;
  double temperature_f = 0.0;
  int pulse = 0;
  int respiration = 0;
  double weight_kg = 0.0;
  std::vector<std::string> diagnoses;

  bool operator==(const Consultation&) const = default;
};

struct Tenant
{
  std::string company_id; // empty = this tenant has none
  std::string username;
  std::string password;
  std::string email;    // the login user's; listed in page-data providers (Decision 23)
  std::string timezone; // IANA
  std::string clinic_name;
  std::int64_t branch_id = 0;
  std::string branch_name;
  bool uk = false; // phone numbers in UK form
  bool requires_2fa = false;
  CalendarShape calendar_shape = CalendarShape::a;
  CalendarWrapper calendar_wrapper = CalendarWrapper::bare_array;
  PageDataLayout page_data_layout = PageDataLayout::current;
  FaultSettings faults;
  std::int64_t login_user_id = 0;
  std::vector<Provider> providers;       // the vets; the login user is added when serving page-data
  std::vector<Appointment> appointments; // visits, blocks and roster entries
  std::vector<Consultation> consultations; // opened visits plus walk-ins

  bool operator==(const Tenant&) const = default;
};

struct World
{
  std::uint64_t seed = 0;
  SysSeconds now{};
  std::vector<Tenant> tenants;

  bool operator==(const World&) const = default;
};

// Builds `clinic_count` tenants with `appointments_per_clinic` visits each, spread over the
// clinic-local days from three days before `now` to the day after, in business hours (08:00-18:00),
// plus blocks, roster entries and a few walk-in consultations. Same arguments, same world
// (std::mt19937_64 only). Statuses follow `now`: past visits Finalized / Ready to Pay (a few
// No Show / Cancelled), a running one In Progress, future ones Scheduled; only past or started
// visits that took place have a consultation. Tenant 0 has a company id and tenant 1 (if any) none.
// Throws std::invalid_argument for negative counts.
World generate_world(std::uint64_t seed, SysSeconds now, int clinic_count,
                     int appointments_per_clinic);

// The number of `tenant`'s consultations whose consultedAt (as a UTC instant) lies in [`from`,
// `to`], both ends included: the figure extract's tests and the demo compare "consultations
// fetched" with.
std::size_t consultations_in_window(const Tenant& tenant, SysSeconds from, SysSeconds to);

// Clinic-local wall-clock text <-> UTC in IANA zone `timezone`. A local time in a DST gap is read
// with the offset in force before the gap, an ambiguous one with the earlier instant (Decision 24).
// Throw std::runtime_error for an unknown zone.
SysSeconds local_to_utc(const std::string& timezone, std::chrono::local_seconds local);
std::chrono::local_seconds utc_to_local(const std::string& timezone, SysSeconds utc);
// "YYYY-MM-DD HH:MM:SS"
std::string format_local(std::chrono::local_seconds local);
// Strict "YYYY-MM-DD HH:MM:SS"; std::nullopt for anything else.
std::optional<std::chrono::local_seconds> parse_local(const std::string& text);
// Strict "DD.MM.YYYY HH:mm:ss"; std::nullopt for anything else.
std::optional<std::chrono::local_seconds> parse_search_local(const std::string& text);

} // namespace tests::fakes
