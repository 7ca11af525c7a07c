#pragma once

#include "shared/core/ids.hpp"
#include "stages/reconcile/case_matching.hpp"
#include "stages/reconcile/notes_merge.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace reconcile {

// A consultation extract staged for this run, with the calendar event that names it (if any).
struct StagedConsultation
{
  ConsultationContent content;
  std::optional<std::string> fetch_error;     // page-data could not be fetched: the status is failed
  std::optional<std::string> appointment_status; // canonical, from the calendar
};

// A calendar event staged for this run (a visit that may need a case created).
struct StagedAppointment
{
  std::string appointment_id;
  std::optional<std::string> consultation_id;
  std::string start_at;       // ISO-8601 UTC
  std::string local_date;     // YYYY-MM-DD clinic-local
  std::string patient_name;
  std::string client_name;
  std::string phone_raw;
  std::string email;
  std::string provider;
  std::string resource_id;
  std::string appointment_type;
  std::string reason;
  std::string status_raw;
  std::string status;         // canonical
  bool is_block = false;
};

// The SQL of the reconcile stage. Every statement runs in the caller's transaction.
class ReconcileRepository
{
public:
  explicit ReconcileRepository(pqxx::work& tx) : m_tx(tx) {}

  std::vector<StagedConsultation> staged_consultations(const shared::RunId& run, const shared::ClinicId& clinic);
  std::vector<StagedAppointment> staged_appointments(const shared::RunId& run, const shared::ClinicId& clinic);
  // The clinic's idexx_sync_sessions row of this run (extract opened it).
  std::string session_id(const shared::RunId& run, const shared::ClinicId& clinic);

  std::vector<std::string> cases_by_consultation_id(const shared::ClinicId& clinic, const std::string& consultation_id);
  std::vector<std::string> cases_by_appointment_id(const shared::ClinicId& clinic, const std::string& appointment_id);

  // Creates the case (and its patient row) for an appointment that has none, with the product's
  // schedule-sync conventions, or finds the one the unique (clinic_id, external_id) already holds.
  std::string ensure_case_for(const shared::ClinicId& clinic, const StagedAppointment& appointment,
                              bool& created);

  // Merges the notes into the case metadata key by key inside one UPDATE, only when the content
  // hash changed. Returns true when the case was written.
  bool merge_notes(const std::string& case_id, const ConsultationContent& content, const std::string& fetched_at);
  // Refreshes the calendar keys we own under metadata.pimsAppointment and moves the case status
  // forward only. Returns true when the case changed.
  bool refresh_from_calendar(const std::string& case_id, const StagedAppointment& appointment);

  void record_status(const shared::ClinicId& clinic, const std::string& session_id, const std::string& consultation_id,
                     const std::optional<std::string>& appointment_id, const std::optional<std::string>& case_id,
                     std::string_view status, const std::string& content_hash, const std::string& metadata_json);
  void record_match(const shared::RunId& run, const shared::ClinicId& clinic, const std::string& consultation_id,
                    const LinkDecision& decision);

private:
  pqxx::work& m_tx;
};

} // namespace reconcile
