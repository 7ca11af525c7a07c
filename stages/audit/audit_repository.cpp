#include "stages/audit/audit_repository.hpp"

#include "shared/db/connection.hpp"

namespace audit {

namespace {

using shared::db::Query;

constexpr Query k_next_finished{"audit.next_finished_clinic", R"sql(
  SELECT w.id, w.clinic_id, w.state = 'failed', w.error_code, w.last_error, w.counts::text, s.id, s.user_id, s.credential_id,
         to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM sync_work_items w
    LEFT JOIN idexx_sync_sessions s ON s.run_id = w.run_id AND s.clinic_id = w.clinic_id
   WHERE w.run_id = $1
     AND (w.state = 'scheduled' OR (w.state = 'failed' AND NOT (w.counts ? 'audited')))
   ORDER BY w.id
   LIMIT 1
   FOR UPDATE OF w SKIP LOCKED)sql"};

constexpr Query k_consultations{"audit.select_consultations", R"sql(
  SELECT neo_consultation_id, case_id, status, coalesce(content_hash, '')
    FROM consultation_sync_status
   WHERE clinic_id = $1 AND sync_session_id = $2
   ORDER BY neo_consultation_id)sql"};

constexpr Query k_calls{"audit.select_calls", R"sql(
  SELECT d.id, d.case_id, d.status, coalesce(d.metadata ->> 'skip_reason', d.metadata ->> 'cancel_reason'),
         d.publish_version
    FROM scheduled_discharge_calls d JOIN cases c ON c.id = d.case_id
   WHERE c.clinic_id = $2 AND d.metadata ->> 'run_id' = $1 AND d.call_kind = 'discharge'
   ORDER BY d.id)sql"};

constexpr Query k_finalise_session{"audit.finalise_session", R"sql(
  UPDATE idexx_sync_sessions
     SET status = CASE WHEN $2 THEN 'failed' ELSE 'completed' END,
         completed_at = coalesce(completed_at, now()),
         appointments_synced = coalesce(($3::jsonb ->> 'appointments_staged')::int, 0),
         consultations_synced = coalesce(($3::jsonb ->> 'consultations_linked')::int, 0),
         consultations_failed = coalesce(($3::jsonb ->> 'consultations_failed')::int, 0),
         discharge_calls_scheduled = coalesce(($3::jsonb ->> 'calls_scheduled')::int, 0),
         error_code = $4::text, error_message = $5::text,
         error_details = CASE WHEN $2 THEN jsonb_build_object('error_code', $4::text) END,
         metadata = coalesce(metadata, '{}'::jsonb) || $3::jsonb,
         updated_at = now()
   WHERE id = $1)sql"};

constexpr Query k_clinic_succeeded{"audit.record_clinic_success", R"sql(
  UPDATE clinic_sync_state
     SET last_success_at = now(), consecutive_failures = 0, last_error_code = NULL, last_run_id = $2,
         updated_at = now()
   WHERE clinic_id = $1 AND last_run_id IS DISTINCT FROM $2)sql"};

constexpr Query k_clinic_failed{"audit.record_clinic_failure", R"sql(
  UPDATE clinic_sync_state
     SET consecutive_failures = consecutive_failures + 1, last_error_code = $3, last_failure_at = now(),
         last_run_id = $2, updated_at = now()
   WHERE clinic_id = $1 AND last_run_id IS DISTINCT FROM $2)sql"};

constexpr Query k_mark_done{"audit.mark_done", R"sql(
  UPDATE sync_work_items SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
   WHERE id = $1 AND state = 'scheduled')sql"};

constexpr Query k_mark_failure_audited{"audit.mark_failure_audited", R"sql(
  UPDATE sync_work_items SET counts = counts || '{"audited": true}'::jsonb, updated_at = now()
   WHERE id = $1 AND state = 'failed')sql"};

constexpr Query k_delete_old_staging{"audit.delete_old_staging", R"sql(
  WITH old AS (SELECT run_id FROM sync_runs
                WHERE finished_at < now() - make_interval(days => $1)),
       a AS (DELETE FROM staging_appointments WHERE run_id IN (SELECT run_id FROM old) RETURNING 1),
       c AS (DELETE FROM staging_consultations WHERE run_id IN (SELECT run_id FROM old) RETURNING 1),
       q AS (DELETE FROM staging_quarantine WHERE run_id IN (SELECT run_id FROM old) RETURNING 1),
       m AS (DELETE FROM staging_matches WHERE run_id IN (SELECT run_id FROM old) RETURNING 1)
  SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM c) + (SELECT count(*) FROM q) + (SELECT count(*) FROM m))sql"};

std::optional<std::string> optional_text(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

} // namespace

std::optional<FinishedClinic> AuditRepository::next_finished_clinic(const shared::RunId& run)
{
  const auto rows = shared::db::run(m_tx, k_next_finished, run.value);
  if (rows.empty()) {
    return std::nullopt;
  }
  const auto& row = rows[0];
  return FinishedClinic{.item_id = row[0].as<std::int64_t>(), .clinic_id = shared::ClinicId{row[1].as<std::string>()},
                        .failed = row[2].as<bool>(), .error_code = optional_text(row[3]),
                        .error_message = optional_text(row[4]), .counts_json = row[5].as<std::string>(),
                        .session_id = optional_text(row[6]), .user_id = optional_text(row[7]),
                        .credential_id = optional_text(row[8]), .started_at = optional_text(row[9])};
}

std::vector<SyncedConsultation> AuditRepository::consultations(const shared::ClinicId& clinic,
                                                               const std::string& session_id)
{
  std::vector<SyncedConsultation> out;
  for (const auto& row : shared::db::run(m_tx, k_consultations, clinic.value, session_id)) {
    out.push_back({row[0].as<std::string>(), optional_text(row[1]), row[2].as<std::string>(), row[3].as<std::string>()});
  }
  return out;
}

std::vector<ScheduledCall> AuditRepository::calls(const shared::RunId& run, const shared::ClinicId& clinic)
{
  std::vector<ScheduledCall> out;
  for (const auto& row : shared::db::run(m_tx, k_calls, run.value, clinic.value)) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), optional_text(row[3]),
                   row[4].as<int>()});
  }
  return out;
}

void AuditRepository::finalise_session(const FinishedClinic& clinic)
{
  if (!clinic.session_id) {
    return;
  }
  shared::db::run(m_tx, k_finalise_session, *clinic.session_id, clinic.failed, clinic.counts_json, clinic.error_code,
                  clinic.error_message);
}

void AuditRepository::record_clinic_state(const shared::RunId& run, const FinishedClinic& clinic)
{
  if (clinic.failed) {
    shared::db::run(m_tx, k_clinic_failed, clinic.clinic_id.value, run.value, clinic.error_code);
  } else {
    shared::db::run(m_tx, k_clinic_succeeded, clinic.clinic_id.value, run.value);
  }
}

void AuditRepository::mark_done(const FinishedClinic& clinic)
{
  shared::db::run(m_tx, k_mark_done, clinic.item_id);
}

void AuditRepository::mark_failure_audited(const FinishedClinic& clinic)
{
  shared::db::run(m_tx, k_mark_failure_audited, clinic.item_id);
}

std::int64_t AuditRepository::delete_old_staging(int days)
{
  return shared::db::run(m_tx, k_delete_old_staging, days)[0][0].as<std::int64_t>();
}

} // namespace audit
