#pragma once

#include "shared/core/clinic_time.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/ids.hpp"

#include <optional>
#include <string>
#include <vector>

namespace shared::idexx {

// idexx-neo.md §6.1, after trimming, lower-casing and turning spaces, hyphens and underscores into
// one `_`.
enum class AppointmentStatus {
  scheduled,
  confirmed,
  checked_in,
  in_progress,
  ready_to_pay,
  finalized,
  completed,
  discharged,
  no_show,
  cancelled,
  unknown, // anything else or missing: keep the raw text
};

// idexx-neo.md §6.2.
enum class ConsultationStatus {
  in_progress,
  completed,
  cancelled,
  unknown,
};

// idexx-neo.md §4.2: contains dog/canine -> dog, cat/feline -> cat, ...; missing -> unknown.
enum class Species {
  dog,
  cat,
  bird,
  rabbit,
  other,
  unknown,
};

// A time as IDEXX sent it plus what we made of it.
struct NeoTime
{
  Instant utc;
  std::string raw;                            // the text as received
  LocalTimeKind kind = LocalTimeKind::unique; // in_gap / in_overlap: flag the record (Decision 24)
};

// One calendar event (idexx-neo.md §4.1), normalised from shape A or B.
struct Appointment
{
  AppointmentId id;                              // appointment_id, else appointmentId, else id
  std::optional<ConsultationId> consultation_id; // null until a consultation is opened (§7)
  NeoTime start;
  std::optional<NeoTime> end;             // missing, unparseable or not after start: unknown
  std::chrono::year_month_day local_date; // the clinic-local date of `start`
  std::string patient_id;
  std::string patient_name;
  std::string client_id;
  std::string client_name;
  std::string phone_raw; // free text as typed by staff (§9)
  std::string email;
  std::string provider;
  std::string resource_id;
  std::string type;
  std::string reason;
  std::string status_raw; // empty when IDEXX sent none
  AppointmentStatus status = AppointmentStatus::unknown;
  bool is_block = false;
  std::string raw_json; // the record as received, for evidence only
};

// One consultation from /consultations/search (idexx-neo.md §4.3).
struct ConsultationSummary
{
  ConsultationId id;
  std::optional<AppointmentId> appointment_id; // std::nullopt for a walk-in
  std::string patient_name;
  std::string client_name;
  std::string provider_id;
  std::string provider_name;
  std::optional<NeoTime> consulted_at; // std::nullopt when missing or unparseable
  std::string status_raw;
  ConsultationStatus status = ConsultationStatus::unknown;
  std::string clinical_notes_html;
  std::string raw_json;
};

struct ConsultationLine
{
  std::string name;
  double quantity = 1.0;
  bool declined = false;
};

// /consultations/{id}/page-data (idexx-neo.md §4.2).
struct ConsultationDetail
{
  ConsultationId id;
  std::string reason;
  std::string notes_html; // consultationNotes.notes when non-empty, else consultation.notes
  std::string discharge_summary_html; // consultation.dischargeSummary; empty when absent
  std::string date_raw;
  std::optional<NeoTime> date; // std::nullopt when missing or unparseable
  std::string status_raw;
  ConsultationStatus status = ConsultationStatus::unknown;
  std::string patient_id;
  std::string patient_name;
  std::string species_raw;
  Species species = Species::unknown;
  std::string breed;
  std::string client_id;
  std::string client_name;
  std::string client_phone_raw;
  std::string client_email;
  std::string branch_id;
  std::string branch_name;
  std::vector<ConsultationLine> lines;
  // The body with pageData.providers[] (and any top-level providers[]) removed and any provider's
  // e-mail address blanked wherever it appears (architecture.md, Decision 23).
  std::string raw_json;
};

// A record inside an otherwise good response that could not be read; the caller quarantines it.
struct MalformedRecord
{
  std::string reason;   // "missing id", "unparseable start", ...
  std::string raw_json; // the record as received
};

struct CalendarResult
{
  std::vector<Appointment> appointments; // roster entries already dropped; blocks kept (is_block)
  std::vector<MalformedRecord> malformed;
  int roster_entries_dropped = 0;
};

struct SearchPage
{
  std::vector<ConsultationSummary> items;
  std::vector<MalformedRecord> malformed;
  long total = 0;
  int page = 1;
  int per_page = 0; // 0 when IDEXX did not say
};

struct SearchResult
{
  std::vector<ConsultationSummary> items; // deduplicated by id
  std::vector<MalformedRecord> malformed;
  int pages_read = 0;
  bool unstable_listing = false; // totals kept moving until the paging bound (idexx-neo.md §4.3)
};

enum class LoginFailure {
  invalid_credentials,
  two_factor_unsupported, // "2fa_unsupported"
  login_form_unrecognised,
};

// "invalid_credentials", "2fa_unsupported", "login_form_unrecognised".
const char* to_string(LoginFailure reason);
const char* to_string(AppointmentStatus status);
const char* to_string(ConsultationStatus status);
const char* to_string(Species species);

} // namespace shared::idexx
