#pragma once

#include "shared/core/ids.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace audit {

// A clinic of the run that the audit stage finalises: `scheduled` (done) or `failed`.
struct FinishedClinic
{
  std::int64_t item_id = 0;
  shared::ClinicId clinic_id;
  bool failed = false;
  std::optional<std::string> error_code;
  std::optional<std::string> error_message;
  std::string counts_json;                  // the work item's counts
  std::optional<std::string> session_id;    // none when the clinic had no usable credential
  std::optional<std::string> user_id;
  std::optional<std::string> credential_id;
  std::optional<std::string> started_at; // the session's start, ISO-8601 UTC
};

struct SyncedConsultation
{
  std::string consultation_id;
  std::optional<std::string> case_id;
  std::string status;
  std::string content_hash;
};

struct ScheduledCall
{
  std::string call_id;
  std::string case_id;
  std::string status;
  std::optional<std::string> reason;
  int publish_version = 1;
};

class AuditRepository
{
public:
  explicit AuditRepository(pqxx::work& tx) : m_tx(tx) {}

  // The next clinic of the run to finalise, locked (SKIP LOCKED) for this transaction: a `scheduled`
  // one, or a `failed` one whose failure this run has not recorded yet.
  std::optional<FinishedClinic> next_finished_clinic(const shared::RunId& run);
  std::vector<SyncedConsultation> consultations(const shared::ClinicId& clinic, const std::string& session_id);
  std::vector<ScheduledCall> calls(const shared::RunId& run, const shared::ClinicId& clinic);

  void finalise_session(const FinishedClinic& clinic);
  void record_clinic_state(const shared::RunId& run, const FinishedClinic& clinic);
  void mark_done(const FinishedClinic& clinic);
  void mark_failure_audited(const FinishedClinic& clinic);
  // Deletes the staging rows of runs finished more than `days` ago. Returns the rows deleted.
  std::int64_t delete_old_staging(int days);

private:
  pqxx::work& m_tx;
};

} // namespace audit
