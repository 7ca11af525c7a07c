#pragma once

#include "shared/idexx/idexx_client.hpp"
#include "stages/extract/extraction_window.hpp"

#include <optional>
#include <string>
#include <vector>

namespace extract {

// One consultation as extract stages it: its details, or the code of a failed detail fetch.
struct FetchedConsultation
{
  shared::ConsultationId id;
  std::optional<shared::AppointmentId> appointment_id;
  std::optional<shared::Instant> consulted_at;
  std::optional<shared::idexx::ConsultationDetail> detail;
  std::optional<std::string> fetch_error;   // "not_found", "schema_error", ...
  std::string content_hash;                 // of the normalised content; empty without details
};

struct QuarantinedRecord
{
  std::string kind;                         // appointment | consultation
  std::string reason;
  std::string raw_json;
};

// Everything one clinic's extract read from IDEXX Neo for its window.
struct ExtractedClinic
{
  std::vector<shared::idexx::Appointment> appointments;
  std::vector<FetchedConsultation> consultations;
  std::vector<QuarantinedRecord> quarantined;
  bool search_unavailable = false;
  bool unstable_listing = false;
};

// SHA-256 over the normalised content (notes, discharge summary, lines, status, reason): what
// reconcile compares to decide whether a case needs a write.
std::string consultation_content_hash(const shared::idexx::ConsultationDetail& detail);

// Reads the calendar (whole local days covering `window`), the consultation search (when enabled;
// a 404 means the calendar alone) and page-data of every consultation id found in either, and keeps
// the records inside `window`. Throws what the client throws for the clinic as a whole; a single
// consultation's 404 or unreadable body is kept as that consultation's fetch error.
ExtractedClinic extract_clinic(shared::idexx::IdexxClient& client, shared::idexx::Session& session,
                               const shared::ClinicZone& zone, const Window& window, bool search_enabled);

} // namespace extract
