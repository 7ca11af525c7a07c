#pragma once

#include "shared/core/clinic_time.hpp"
#include "shared/idexx/idexx_errors.hpp"
#include "shared/idexx/idexx_types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Pure functions over IDEXX Neo bodies (idexx-neo.md §2, §4, §6, §9, §10): no I/O, no clock.
namespace shared::idexx {

// The calendar body: a bare array or {"appointments"|"data"|"events": [...]}, records in shape A
// or B. Roster entries are dropped (counted); a record without an id or with an unparseable start
// goes to `malformed` with its reason and the rest is kept. Throws SchemaError when the body is
// not JSON or not one of the four wrappers (null, a string, an object without those keys): an
// empty calendar is only ever a legitimately empty array.
CalendarResult parse_calendar(std::string_view body, const ClinicZone& zone);

// One page of /consultations/search. Throws SchemaError without an object holding a `data` array.
SearchPage parse_search_page(std::string_view body, const ClinicZone& zone);

// page-data in the current layout (`consultation` at the top level) or the older one nested under
// `pageData`. Throws SchemaError when neither holds a `consultation` object with an id.
ConsultationDetail parse_page_data(std::string_view body, const ClinicZone& zone);

// "No Show" -> "no_show": trim, lower-case ASCII, runs of space/hyphen/underscore -> one `_`.
std::string normalise_label(std::string_view raw);
AppointmentStatus normalise_appointment_status(std::string_view raw);
ConsultationStatus normalise_consultation_status(std::string_view raw);
Species normalise_species(std::string_view raw);

// Where a clinic is, for phone numbers without a country code (idexx-neo.md §9).
enum class PhoneRegion {
  north_america, // US and CA: 10 digits -> +1
  united_kingdom // 11 digits starting with 0 -> +44
};
// The region of a clinic's phone numbers from its IANA zone (Europe/London is the only UK zone we serve).
PhoneRegion phone_region_for(std::string_view timezone);
// A phone-shaped run of free text: its digits, and whether it started with `+`.
struct PhoneRun
{
  bool plus = false;
  std::string digits;
};
// Every phone-shaped run of `raw` in order (`555-555-0111 / 555-555-0122` holds two; `BEST!`,
// `Home:` and other words separate runs and are dropped).
std::vector<PhoneRun> phone_runs(std::string_view raw);
// `run` in E.164 for `region`, or std::nullopt when it is not a valid number there.
std::optional<std::string> to_e164(const PhoneRun& run, PhoneRegion region);
// The first phone-shaped run of `raw` in E.164, or std::nullopt when there is none or it is not a
// valid number for `region` (reason `phone_invalid` for the caller).
std::optional<std::string> normalise_phone(std::string_view raw, PhoneRegion region);

// Plain text of an HTML fragment: block elements and <br> -> newlines, entities decoded, tags
// removed, whitespace collapsed. Never interprets scripts: their text is just text.
std::string html_to_text(std::string_view html);

// True when `body` (or `content_type`) says HTML where JSON was asked (session expiry, §2.5).
bool looks_like_html(std::string_view body, std::string_view content_type);

// ---- Login (idexx-neo.md §2) ----

struct LoginForm
{
  std::string action;                                      // as written; empty = the page URL
  std::string method = "post";                             // lower case
  std::vector<std::pair<std::string, std::string>> hidden; // every hidden input, verbatim, in order
  std::string username_field;
  std::string password_field;
  std::optional<std::string> company_field; // only when the form has company_id
};

// The form holding a password input: its action and method, hidden inputs, and the username field
// (name="username", else the first type="email" input). std::nullopt when there is no such form or
// no username field: the caller reports login_form_unrecognised.
std::optional<LoginForm> parse_login_form(std::string_view html);

// The urlencoded POST body for `form`: hidden fields first, then company id (only when the form has
// the field and `company_id` is non-empty and not "default"), username and password.
std::string login_form_body(const LoginForm& form, std::string_view company_id,
                            std::string_view username, std::string_view password);

// The text of the first `.error-message` or `.alert-danger` element, tags stripped, at most 200
// characters; std::nullopt when the page has none.
std::optional<std::string> login_error_text(std::string_view html);
// The page's <title> text, or empty.
std::string page_title(std::string_view html);
// True when the page asks for a one-time code: input named otp or code, or whose placeholder
// contains "code" (§2.4).
bool has_one_time_code_input(std::string_view html);
// True when `path` contains 2fa, mfa, otp, verify or two-factor (case-insensitive).
bool is_two_factor_path(std::string_view path);
// True when a form on the page has a password input (we are still on a login page).
bool has_password_form(std::string_view html);

// ---- URLs ----

// Percent-encodes everything except unreserved characters: a space is %20, never `+`; `:` is %3A;
// `[` and `]` are %5B and %5D.
std::string url_encode(std::string_view text);
// `location` (absolute, scheme-relative, absolute-path or relative) resolved against `base_url`.
std::string resolve_url(std::string_view base_url, std::string_view location);
// The path of an absolute or relative URL, without query and fragment.
std::string url_path(std::string_view url);

} // namespace shared::idexx
