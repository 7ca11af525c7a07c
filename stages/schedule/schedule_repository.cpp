#include "stages/schedule/schedule_repository.hpp"

#include "shared/db/connection.hpp"

namespace schedule {

namespace {

using shared::db::Query;

constexpr Query k_clinic{"schedule.select_clinic", R"sql(
  SELECT c.name, coalesce(c.phone, ''), coalesce(c.timezone, 'America/Los_Angeles'),
         nullif(c.outbound_assistant_id, ''), nullif(c.outbound_phone_number_id, ''),
         coalesce(a.is_enabled, false) AND coalesce(a.auto_call_enabled, false),
         a.call_delay_days, a.preferred_call_time::text, s.id, s.user_id,
         coalesce(u.test_mode_enabled, false), nullif(u.test_contact_phone, ''), c.business_hours::text
    FROM clinics c
    LEFT JOIN auto_scheduling_config a ON a.clinic_id = c.id
    LEFT JOIN idexx_sync_sessions s ON s.clinic_id = c.id AND s.run_id = $1
    LEFT JOIN users u ON u.id = s.user_id
   WHERE c.id = $2)sql"};

constexpr Query k_linked{"schedule.select_linked_consultations", R"sql(
  SELECT s.neo_consultation_id, coalesce(s.neo_appointment_id, ''), c.id, c.status::text, coalesce(c.type::text, 'checkup'),
         c.call_delay_days,
         coalesce(c.metadata #>> '{pimsConsultation,notesText}', ''),
         coalesce(c.metadata #>> '{pimsConsultation,dischargeSummaryText}', ''),
         coalesce(c.metadata #>> '{pimsAppointment,date}', ''),
         coalesce(to_char(c.scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
         coalesce((SELECT a.status FROM staging_appointments a
                    WHERE a.clinic_id = s.clinic_id AND a.neo_appointment_id = s.neo_appointment_id
                      AND a.run_id = (SELECT run_id FROM idexx_sync_sessions WHERE id = s.sync_session_id)
                    LIMIT 1), ''),
         coalesce(p.name, c.metadata #>> '{pimsAppointment,patient,name}', ''),
         coalesce(p.species, c.metadata #>> '{entities,patient,species}', ''),
         coalesce(p.owner_name, c.metadata #>> '{pimsAppointment,client,name}', ''),
         coalesce(p.owner_phone, c.metadata #>> '{pimsAppointment,client,phone}', ''),
         EXISTS (SELECT 1 FROM scheduled_discharge_calls d
                  WHERE d.case_id = c.id AND d.call_kind IS NULL
                    AND d.status IN ('queued', 'ringing', 'in_progress', 'completed')),
         coalesce(k.never_auto_schedule, false) OR NOT coalesce(k.auto_schedule_call, true),
         k.call_delay_days, k.preferred_call_time::text,
         (SELECT o.status FROM scheduled_discharge_calls o WHERE o.case_id = c.id AND o.call_kind = 'discharge')
    FROM consultation_sync_status s
    JOIN cases c ON c.id = s.case_id
    LEFT JOIN LATERAL (SELECT * FROM patients WHERE case_id = c.id ORDER BY created_at LIMIT 1) p ON true
    LEFT JOIN clinic_case_type_cadence k ON k.clinic_id = s.clinic_id AND k.case_type = c.type::text
   WHERE s.clinic_id = $1 AND s.sync_session_id = $2 AND s.status = 'synced'
   ORDER BY s.neo_consultation_id)sql"};

// The product's auto-scheduler picks cases with both columns NULL: a pending call sets them in the
// same statement as its row (data-model.md 12).
constexpr Query k_insert_call{"schedule.insert_call", R"sql(
  WITH inserted AS (
    INSERT INTO scheduled_discharge_calls
      (user_id, case_id, assistant_id, outbound_phone_number_id, customer_phone, scheduled_for, status,
       dynamic_variables, metadata, call_kind, publish_version, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::jsonb, $9::jsonb, 'discharge', 1, now(), now())
    -- A skipped row is decided again (data-model.md 6.2: notes arrived, a phone was fixed): it becomes
    -- pending, or takes the new reason. Any other row is final for automatic scheduling; the same
    -- reason again writes nothing, so a re-run changes nothing.
    ON CONFLICT (case_id, call_kind) DO UPDATE
      SET status = EXCLUDED.status, scheduled_for = EXCLUDED.scheduled_for, customer_phone = EXCLUDED.customer_phone,
          assistant_id = EXCLUDED.assistant_id, outbound_phone_number_id = EXCLUDED.outbound_phone_number_id,
          dynamic_variables = EXCLUDED.dynamic_variables,
          metadata = (coalesce(scheduled_discharge_calls.metadata, '{}'::jsonb) - 'skip_reason') || EXCLUDED.metadata,
          updated_at = now()
      WHERE scheduled_discharge_calls.status = 'skipped'
        AND (EXCLUDED.status = 'pending_publish' OR
             scheduled_discharge_calls.metadata ->> 'skip_reason' IS DISTINCT FROM EXCLUDED.metadata ->> 'skip_reason')
    RETURNING id, case_id, status),
  marked AS (
    UPDATE cases SET auto_scheduled_at = coalesce(auto_scheduled_at, now()),
                     scheduling_source = coalesce(scheduling_source, 'auto'), updated_at = now()
     WHERE id IN (SELECT case_id FROM inserted WHERE status = 'pending_publish')
    RETURNING id)
  SELECT id FROM inserted)sql"};

constexpr Query k_pending{"schedule.select_pending_calls", R"sql(
  SELECT d.id, d.publish_version, to_char(d.scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         coalesce((d.metadata ->> 'start_slot')::timestamptz = d.scheduled_for, false),
         d.case_id, coalesce(d.assistant_id, ''), coalesce(d.outbound_phone_number_id, ''),
         coalesce(d.customer_phone, ''), d.dynamic_variables::text
    FROM scheduled_discharge_calls d JOIN cases c ON c.id = d.case_id
   WHERE c.clinic_id = $1 AND d.status = 'pending_publish' AND d.call_kind = 'discharge'
   ORDER BY d.scheduled_for, d.id)sql"};

constexpr Query k_active{"schedule.select_active_calls", R"sql(
  SELECT d.id, d.status, d.case_id, d.qstash_message_id
    FROM scheduled_discharge_calls d JOIN cases c ON c.id = d.case_id
   WHERE c.clinic_id = $1 AND d.call_kind = 'discharge' AND d.vapi_call_id IS NULL
     AND d.status IN ('pending_publish', 'queued')
   ORDER BY d.id)sql"};

constexpr Query k_mark_cancelled{"schedule.mark_cancelled", R"sql(
  UPDATE scheduled_discharge_calls
     SET status = 'cancelled',
         metadata = coalesce(metadata, '{}'::jsonb) ||
                    jsonb_build_object('cancel_reason', $2::text, 'cancelled_at', now(), 'cancelled_by', 'schedule'),
         updated_at = now()
   WHERE id = $1 AND status IN ('pending_publish', 'queued') AND vapi_call_id IS NULL)sql"};

constexpr Query k_take_start{"schedule.take_start", R"sql(
  INSERT INTO call_start_slots AS s (account, minute, used) VALUES ($1, $2::timestamptz, 1)
  ON CONFLICT (account, minute) DO UPDATE SET used = s.used + 1 WHERE s.used < $3
  RETURNING used)sql"};

constexpr Query k_move_due{"schedule.move_due_times", R"sql(
  UPDATE scheduled_discharge_calls d
     SET scheduled_for = m.due,
         metadata = coalesce(d.metadata, '{}'::jsonb) || jsonb_build_object('start_slot', m.due::text),
         updated_at = now()
    FROM unnest($1::uuid[], $2::timestamptz[]) AS m(id, due)
   WHERE d.id = m.id AND d.status = 'pending_publish')sql"};

constexpr Query k_mark_queued{"schedule.mark_queued", R"sql(
  UPDATE scheduled_discharge_calls d
     SET status = 'queued', qstash_message_id = m.message_id,
         metadata = coalesce(d.metadata, '{}'::jsonb) || jsonb_build_object('qstash_message_id', m.message_id),
         updated_at = now()
    FROM unnest($1::uuid[], $2::text[]) AS m(id, message_id)
   WHERE d.id = m.id AND d.status = 'pending_publish')sql"};

constexpr Query k_mark_failed{"schedule.mark_failed", R"sql(
  UPDATE scheduled_discharge_calls
     SET status = 'failed',
         metadata = coalesce(metadata, '{}'::jsonb) || jsonb_build_object('error', $2::text, 'failed_at', now()),
         updated_at = now()
   WHERE id = $1 AND status = 'pending_publish')sql"};

std::optional<std::string> optional_text(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

std::optional<int> optional_int(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<int>(field.as<int>());
}

} // namespace

ClinicCallSettings ScheduleRepository::clinic(const shared::RunId& run, const shared::ClinicId& clinic)
{
  const auto rows = shared::db::run(m_tx, k_clinic, run.value, clinic.value);
  if (rows.empty()) {
    throw shared::InvariantError("clinic " + clinic.value + " is gone");
  }
  const auto& row = rows[0];
  return ClinicCallSettings{.name = row[0].as<std::string>(), .phone = row[1].as<std::string>(),
                            .timezone = row[2].as<std::string>(), .assistant_id = optional_text(row[3]),
                            .phone_number_id = optional_text(row[4]), .auto_calls = row[5].as<bool>(),
                            .delay_days = optional_int(row[6]), .call_time = optional_text(row[7]),
                            .session_id = optional_text(row[8]), .call_owner = optional_text(row[9]),
                            .test_mode = row[10].as<bool>(), .test_phone = optional_text(row[11]),
                            .business_hours = optional_text(row[12])};
}

std::vector<LinkedConsultation> ScheduleRepository::linked_consultations(const shared::ClinicId& clinic,
                                                                         const std::string& session_id)
{
  std::vector<LinkedConsultation> out;
  for (const auto& row : shared::db::run(m_tx, k_linked, clinic.value, session_id)) {
    out.push_back(LinkedConsultation{
        .consultation_id = row[0].as<std::string>(), .appointment_id = row[1].as<std::string>(),
        .case_id = row[2].as<std::string>(), .case_status = row[3].as<std::string>(),
        .case_type = row[4].as<std::string>(), .case_delay_days = optional_int(row[5]),
        .notes_text = row[6].as<std::string>(), .discharge_summary_text = row[7].as<std::string>(),
        .visit_date = row[8].as<std::string>(), .visit_start = row[9].as<std::string>(),
        .appointment_status = row[10].as<std::string>(), .pet_name = row[11].as<std::string>(),
        .pet_species = row[12].as<std::string>(), .owner_name = row[13].as<std::string>(),
        .owner_phone_raw = row[14].as<std::string>(), .product_call_exists = row[15].as<bool>(),
        .cadence_blocks = row[16].as<bool>(), .cadence_delay_days = optional_int(row[17]),
        .cadence_call_time = optional_text(row[18]), .our_call_status = optional_text(row[19])});
  }
  return out;
}

bool ScheduleRepository::insert_call(const NewCall& call)
{
  const auto rows = shared::db::run(m_tx, k_insert_call, call.user_id, call.case_id, call.assistant_id,
                                    call.phone_number_id, call.customer_phone,
                                    shared::format_iso8601(call.scheduled_for), call.status,
                                    call.dynamic_variables_json, call.metadata_json);
  return !rows.empty();
}

std::vector<PendingCall> ScheduleRepository::pending_calls(const shared::ClinicId& clinic)
{
  std::vector<PendingCall> out;
  for (const auto& row : shared::db::run(m_tx, k_pending, clinic.value)) {
    out.push_back(PendingCall{.call_id = row[0].as<std::string>(), .publish_version = row[1].as<int>(),
                              .scheduled_for = shared::parse_iso8601(row[2].as<std::string>()),
                              .holds_start = row[3].as<bool>(), .case_id = row[4].as<std::string>(),
                              .assistant_id = row[5].as<std::string>(), .phone_number_id = row[6].as<std::string>(),
                              .customer_phone = row[7].as<std::string>(),
                              .dynamic_variables_json = row[8].as<std::string>()});
  }
  return out;
}

bool ScheduleRepository::take_start(const std::string& account, shared::Instant minute, int max)
{
  return !shared::db::run(m_tx, k_take_start, account, shared::format_iso8601(minute), max).empty();
}

void ScheduleRepository::move_due_times(const std::vector<std::pair<std::string, shared::Instant>>& dues)
{
  std::vector<std::string> ids;
  std::vector<std::string> times;
  for (const auto& [id, due] : dues) {
    ids.push_back(id);
    times.push_back(shared::format_iso8601(due));
  }
  if (!ids.empty()) {
    shared::db::run(m_tx, k_move_due, shared::db::array_literal(ids), shared::db::array_literal(times));
  }
}

std::size_t ScheduleRepository::mark_queued(const std::vector<std::pair<std::string, std::string>>& messages)
{
  std::vector<std::string> ids;
  std::vector<std::string> message_ids;
  for (const auto& [id, message_id] : messages) {
    ids.push_back(id);
    message_ids.push_back(message_id);
  }
  if (ids.empty()) {
    return 0;
  }
  return shared::db::run(m_tx, k_mark_queued, shared::db::array_literal(ids), shared::db::array_literal(message_ids))
      .affected_rows();
}

bool ScheduleRepository::mark_failed(const std::string& call_id, const std::string& error)
{
  return shared::db::run(m_tx, k_mark_failed, call_id, error).affected_rows() == 1;
}

std::vector<ActiveCall> ScheduleRepository::active_calls(const shared::ClinicId& clinic)
{
  std::vector<ActiveCall> out;
  for (const auto& row : shared::db::run(m_tx, k_active, clinic.value)) {
    out.push_back(ActiveCall{.call_id = row[0].as<std::string>(), .status = row[1].as<std::string>(),
                             .case_id = row[2].as<std::string>(), .qstash_message_id = optional_text(row[3])});
  }
  return out;
}

bool ScheduleRepository::mark_cancelled(const std::string& call_id, std::string_view reason)
{
  return shared::db::run(m_tx, k_mark_cancelled, call_id, std::string(reason)).affected_rows() == 1;
}

} // namespace schedule
