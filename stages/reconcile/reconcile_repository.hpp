#pragma once

#include "shared/core/ids.hpp"
#include "stages/reconcile/case_matching.hpp"
#include "stages/reconcile/notes_merge.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace reconcile {

// A consultation extract staged for this run, with the calendar event that names it (if any).
struct StagedConsultation
{
  ConsultationContent content;
  std::optional<std::string> fetch_error;     // page-data could not be fetched: the status is failed
  std::optional<std::string> appointment_status; // canonical, from the calendar
  // What tier 3 compares (record-linkage.md §1): the consultation's patient and client, with the
  // calendar event's start and provider when there is one, else the consultation's own date.
  VisitRecord visit;
};

// A case the clinic's consultations may belong to: it carries one of their ids, or its planned
// start is near theirs. Only the fields matching reads, from whichever layout holds them.
struct CandidateCase
{
  VisitRecord record;                              // id is the case id; local_date empty here
  std::vector<std::string> consultation_ids;       // every consultation id the case carries
  std::vector<std::string> appointment_ids;        // every appointment id (external id or metadata)
};

struct ClinicProfile
{
  std::string timezone;
  std::string phone;
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
  std::optional<std::string> patient_id;
  std::optional<std::string> client_id;
};

// One case's notes to merge, one case's calendar keys to refresh, one consultation's status.
using NotesWrite = std::pair<std::string, const ConsultationContent*>;   // case id, content
using CalendarWrite = std::pair<std::string, const StagedAppointment*>; // case id, calendar event
struct StatusWrite
{
  std::string consultation_id;
  std::optional<std::string> appointment_id;
  std::optional<std::string> case_id;
  std::string status;
  std::string content_hash;
  std::string metadata_json;
};

// consultation_sync_status.metadata of a consultation sent to review or left unmatched: the
// candidates and, from tier 3, the reason and every candidate's total and per-field weights.
std::string review_metadata_json(const LinkDecision& decision);

// The SQL of the reconcile stage. Every statement runs in the caller's transaction.
class ReconcileRepository
{
public:
  explicit ReconcileRepository(pqxx::work& tx) : m_tx(tx) {}

  std::vector<StagedConsultation> staged_consultations(const shared::RunId& run, const shared::ClinicId& clinic);
  std::vector<StagedAppointment> staged_appointments(const shared::RunId& run, const shared::ClinicId& clinic);
  // The clinic's idexx_sync_sessions row of this run (extract opened it).
  std::string session_id(const shared::RunId& run, const shared::ClinicId& clinic);

  ClinicProfile clinic_profile(const shared::ClinicId& clinic);
  // One statement per clinic: the clinic's cases carrying any of the ids (tiers 1 and 2, any layout)
  // or planned between `from` and `to` (tier 3's blocks).
  std::vector<CandidateCase> candidate_cases(const shared::ClinicId& clinic,
                                             const std::vector<std::string>& consultation_ids,
                                             const std::vector<std::string>& appointment_ids,
                                             const std::string& from, const std::string& to);
  // Pet names and owner names of the clinic's cases planned in the year before `until`, for the
  // term frequencies (record-linkage.md §8).
  std::vector<std::pair<std::string, std::string>> case_names(const shared::ClinicId& clinic,
                                                              const std::string& until);

  // Creates the case (and its patient row) for an appointment that has none, with the product's
  // schedule-sync conventions, or finds the one the unique (clinic_id, external_id) already holds.
  std::string ensure_case_for(const shared::ClinicId& clinic, const StagedAppointment& appointment,
                              bool& created);

  // Merges each consultation's notes into its case's metadata key by key, all in one UPDATE, writing
  // only cases whose content hash changed. Returns the ids of the cases written.
  std::set<std::string> merge_notes(const std::vector<NotesWrite>& writes, const std::string& fetched_at);
  // Refreshes the calendar keys we own under metadata.pimsAppointment and moves each case's status
  // forward only, in one UPDATE. Returns the ids of the cases that changed.
  std::set<std::string> refresh_from_calendar(const std::vector<CalendarWrite>& writes);

  void record_statuses(const shared::ClinicId& clinic, const std::string& session_id,
                       const std::vector<StatusWrite>& writes);
  // staging_matches rows, one per consultation id.
  void record_matches(const shared::RunId& run, const shared::ClinicId& clinic,
                      const std::vector<std::pair<std::string, LinkDecision>>& decisions,
                      const std::string& params_version);

private:
  pqxx::work& m_tx;
};

} // namespace reconcile
