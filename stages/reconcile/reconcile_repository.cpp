#include "stages/reconcile/reconcile_repository.hpp"

#include "shared/db/connection.hpp"
#include "shared/idexx/idexx_parsing.hpp"

#include <nlohmann/json.hpp>

namespace reconcile {

namespace {

using shared::db::Query;

constexpr Query k_staged_consultations{"reconcile.select_staged_consultations", R"sql(
  SELECT c.neo_consultation_id,
         coalesce(c.neo_appointment_id,
                  (SELECT a.neo_appointment_id FROM staging_appointments a
                    WHERE a.run_id = c.run_id AND a.clinic_id = c.clinic_id
                      AND a.neo_consultation_id = c.neo_consultation_id
                    ORDER BY a.neo_appointment_id LIMIT 1)) AS appointment_id,
         coalesce(to_char(c.consulted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
         coalesce(c.status, 'unknown'), coalesce(c.reason, ''),
         coalesce(c.notes_html, ''), NULL, coalesce(c.discharge_summary_html, ''), NULL,
         coalesce(c.lines, '[]'::jsonb)::text, coalesce(c.content_hash, ''), c.fetch_error,
         (SELECT a.status FROM staging_appointments a
           WHERE a.run_id = c.run_id AND a.clinic_id = c.clinic_id
             AND (a.neo_consultation_id = c.neo_consultation_id OR a.neo_appointment_id = c.neo_appointment_id)
           ORDER BY a.neo_appointment_id LIMIT 1)
    FROM staging_consultations c
   WHERE c.run_id = $1 AND c.clinic_id = $2
   ORDER BY c.neo_consultation_id)sql"};

constexpr Query k_staged_appointments{"reconcile.select_staged_appointments", R"sql(
  SELECT neo_appointment_id, neo_consultation_id, to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         coalesce(local_date::text, ''), coalesce(patient_name, ''), coalesce(client_name, ''),
         coalesce(phone_raw, ''), coalesce(email, ''), coalesce(provider, ''), coalesce(resource_id, ''),
         coalesce(appointment_type, ''), coalesce(reason, ''), coalesce(status_raw, ''),
         coalesce(status, 'unknown'), coalesce(is_block, false)
    FROM staging_appointments
   WHERE run_id = $1 AND clinic_id = $2
   ORDER BY neo_appointment_id)sql"};

constexpr Query k_session_id{"reconcile.select_session_id",
                             "SELECT id FROM idexx_sync_sessions WHERE run_id = $1 AND clinic_id = $2"};

// Tier 1: every place a case may carry the consultation id (data-model.md 4.2-4.4), in this clinic
// only; extension cases without a clinic belong to it through their user's access.
constexpr Query k_cases_by_consultation{"reconcile.select_cases_by_consultation_id", R"sql(
  SELECT c.id FROM cases c
   WHERE (c.clinic_id = $1 OR (c.clinic_id IS NULL AND c.user_id IN
                               (SELECT user_id FROM user_clinic_access WHERE clinic_id = $1)))
     AND (c.metadata #>> '{pimsConsultation,id}' = $2
          OR c.metadata #>> '{pimsAppointment,consultationId}' = $2
          OR c.metadata #>> '{idexx,raw,consultationId}' = $2
          OR c.metadata #>> '{idexx,consultation,consultationId}' = $2
          OR c.metadata #>> '{idexx,consultation_id}' = $2
          OR c.metadata #>> '{idexx_consultation_id}' = $2
          OR (c.source = 'idexx_neo' AND c.external_id = $2))
   ORDER BY c.id)sql"};

// Tier 2: the appointment id, from every external id convention and both metadata layouts.
constexpr Query k_cases_by_appointment{"reconcile.select_cases_by_appointment_id", R"sql(
  SELECT c.id FROM cases c
   WHERE (c.clinic_id = $1 OR (c.clinic_id IS NULL AND c.user_id IN
                               (SELECT user_id FROM user_clinic_access WHERE clinic_id = $1)))
     AND (c.external_id IN ('pims-appt-idexx-neo-' || $2, 'idexx-appt-' || $2)
          OR (c.external_id LIKE 'pims-appt-%' AND split_part(c.external_id, '-', -1) = $2)
          OR c.metadata #>> '{pimsAppointment,id}' = $2
          OR c.metadata #>> '{idexx,raw,appointmentId}' = $2
          OR c.metadata #>> '{idexx,appointment_id}' = $2)
   ORDER BY c.id)sql"};

constexpr Query k_insert_case{"reconcile.insert_case", R"sql(
  INSERT INTO cases (user_id, clinic_id, source, external_id, status, type, visibility, scheduled_at, metadata,
                     created_at, updated_at)
  VALUES (NULL, $1, 'pims:idexx-neo', 'pims-appt-idexx-neo-' || $2, 'draft', $3, 'private', $4::timestamptz,
          $5::jsonb, now(), now())
  ON CONFLICT DO NOTHING
  RETURNING id)sql"};

constexpr Query k_case_by_external_id{"reconcile.select_case_by_external_id",
                                      "SELECT id FROM cases WHERE clinic_id = $1 AND external_id = 'pims-appt-idexx-neo-' || $2"};

constexpr Query k_insert_patient{"reconcile.insert_patient", R"sql(
  INSERT INTO patients (case_id, clinic_id, name, owner_name, owner_phone, owner_email, source, external_id,
                        created_at, updated_at)
  SELECT $1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), 'idexx-sync', $7, now(), now()
   WHERE NOT EXISTS (SELECT 1 FROM patients WHERE case_id = $1))sql"};

// One UPDATE computes the new metadata from the stored value: only the paths we own change, so keys
// another writer put there meanwhile survive (data-model.md 4.5, lesson 3).
constexpr Query k_merge_notes{"reconcile.merge_notes", R"sql(
  UPDATE cases
     SET metadata =
           jsonb_set(
             jsonb_set(
               jsonb_set(
                 jsonb_set(
                   jsonb_set(coalesce(metadata, '{}'::jsonb), '{pimsConsultation}',
                             coalesce(metadata -> 'pimsConsultation', '{}'::jsonb) || $2::jsonb
                               || jsonb_build_object('revision',
                                    coalesce((metadata #>> '{pimsConsultation,revision}')::int, 0) + 1)),
                   '{dischargeSummary}', to_jsonb($3::text)),
                 '{entities}', coalesce(metadata -> 'entities', '{}'::jsonb)),
               '{entities,clinical}', coalesce(metadata #> '{entities,clinical}', '{}'::jsonb) || $4::jsonb),
             '{enrichedAt}', coalesce(metadata -> 'enrichedAt', to_jsonb($5::text))),
         updated_at = now()
   WHERE id = $1
     AND (metadata #>> '{pimsConsultation,contentHash}') IS DISTINCT FROM $6)sql"};

// Calendar keys under pimsAppointment, and the status forward only (data-model.md 4.6).
constexpr Query k_refresh_from_calendar{"reconcile.refresh_from_calendar", R"sql(
  UPDATE cases
     SET metadata = jsonb_set(coalesce(metadata, '{}'::jsonb), '{pimsAppointment}',
                              coalesce(metadata -> 'pimsAppointment', '{}'::jsonb) || $2::jsonb),
         status = CASE
                    WHEN $3 = 'completed' AND status::text IN ('draft', 'ongoing') THEN 'completed'
                    WHEN $3 = 'ongoing' AND status::text = 'draft' THEN 'ongoing'
                    WHEN $3 = 'reviewed' AND status::text IN ('draft', 'ongoing') THEN 'reviewed'
                    ELSE status END,
         scheduled_at = $4::timestamptz,
         updated_at = now()
   WHERE id = $1
     AND (NOT (coalesce(metadata -> 'pimsAppointment', '{}'::jsonb) @> $2::jsonb)
          OR ($3 = 'completed' AND status::text IN ('draft', 'ongoing'))
          OR ($3 = 'ongoing' AND status::text = 'draft')
          OR ($3 = 'reviewed' AND status::text IN ('draft', 'ongoing'))
          OR scheduled_at IS DISTINCT FROM $4::timestamptz))sql"};

constexpr Query k_upsert_status{"reconcile.upsert_sync_status", R"sql(
  INSERT INTO consultation_sync_status
    (clinic_id, neo_consultation_id, neo_appointment_id, sync_session_id, case_id, status, content_hash,
     synced_at, metadata, last_sync_attempt, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'synced' THEN now() END, $8::jsonb, now(), now(), now())
  ON CONFLICT (clinic_id, neo_consultation_id) DO UPDATE
     SET neo_appointment_id = EXCLUDED.neo_appointment_id, sync_session_id = EXCLUDED.sync_session_id,
         case_id = EXCLUDED.case_id, status = EXCLUDED.status, content_hash = EXCLUDED.content_hash,
         synced_at = coalesce(EXCLUDED.synced_at, consultation_sync_status.synced_at),
         metadata = EXCLUDED.metadata, last_sync_attempt = now(), updated_at = now())sql"};

constexpr Query k_upsert_match{"reconcile.upsert_match", R"sql(
  INSERT INTO staging_matches (run_id, clinic_id, neo_consultation_id, case_id, decision, tier, score, reasons)
  VALUES ($1, $2, $3, $4, $5, $6, 1.0, $7::jsonb)
  ON CONFLICT (run_id, clinic_id, neo_consultation_id) DO UPDATE
     SET case_id = EXCLUDED.case_id, decision = EXCLUDED.decision, tier = EXCLUDED.tier,
         reasons = EXCLUDED.reasons, updated_at = now())sql"};

std::vector<std::string> ids(const pqxx::result& rows)
{
  std::vector<std::string> out;
  for (const auto& row : rows) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

std::optional<std::string> optional_text(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

std::vector<BilledLine> parse_lines(const std::string& json_text)
{
  std::vector<BilledLine> lines;
  const auto parsed = nlohmann::json::parse(json_text, nullptr, false);
  if (!parsed.is_array()) {
    return lines;
  }
  for (const auto& item : parsed) {
    lines.push_back(BilledLine{.name = item.value("name", std::string{}), .quantity = item.value("quantity", 1.0),
                               .declined = item.value("declined", false)});
  }
  return lines;
}

} // namespace

std::vector<StagedConsultation> ReconcileRepository::staged_consultations(const shared::RunId& run,
                                                                          const shared::ClinicId& clinic)
{
  std::vector<StagedConsultation> out;
  for (const auto& row : shared::db::run(m_tx, k_staged_consultations, run.value, clinic.value)) {
    StagedConsultation staged;
    auto& content = staged.content;
    content.consultation_id = row[0].as<std::string>();
    content.appointment_id = optional_text(row[1]);
    content.date = row[2].as<std::string>();
    content.status = row[3].as<std::string>();
    content.reason = row[4].as<std::string>();
    // Plain text is derived here, not staged: staging keeps what Neo sent (HTML as received).
    content.notes_html = row[5].as<std::string>();
    content.notes_text = shared::idexx::html_to_text(content.notes_html);
    content.discharge_summary_html = row[7].as<std::string>();
    content.discharge_summary_text = shared::idexx::html_to_text(content.discharge_summary_html);
    content.lines = parse_lines(row[9].as<std::string>());
    content.content_hash = row[10].as<std::string>();
    staged.fetch_error = optional_text(row[11]);
    staged.appointment_status = optional_text(row[12]);
    out.push_back(std::move(staged));
  }
  return out;
}

std::vector<StagedAppointment> ReconcileRepository::staged_appointments(const shared::RunId& run,
                                                                        const shared::ClinicId& clinic)
{
  std::vector<StagedAppointment> out;
  for (const auto& row : shared::db::run(m_tx, k_staged_appointments, run.value, clinic.value)) {
    out.push_back(StagedAppointment{
        .appointment_id = row[0].as<std::string>(), .consultation_id = optional_text(row[1]),
        .start_at = row[2].as<std::string>(), .local_date = row[3].as<std::string>(),
        .patient_name = row[4].as<std::string>(), .client_name = row[5].as<std::string>(),
        .phone_raw = row[6].as<std::string>(), .email = row[7].as<std::string>(),
        .provider = row[8].as<std::string>(), .resource_id = row[9].as<std::string>(),
        .appointment_type = row[10].as<std::string>(), .reason = row[11].as<std::string>(),
        .status_raw = row[12].as<std::string>(), .status = row[13].as<std::string>(),
        .is_block = row[14].as<bool>()});
  }
  return out;
}

std::string ReconcileRepository::session_id(const shared::RunId& run, const shared::ClinicId& clinic)
{
  const auto rows = shared::db::run(m_tx, k_session_id, run.value, clinic.value);
  if (rows.empty()) {
    throw shared::InvariantError("no idexx_sync_sessions row for this clinic and run: extract opens it");
  }
  return rows[0][0].as<std::string>();
}

std::vector<std::string> ReconcileRepository::cases_by_consultation_id(const shared::ClinicId& clinic,
                                                                       const std::string& consultation_id)
{
  return ids(shared::db::run(m_tx, k_cases_by_consultation, clinic.value, consultation_id));
}

std::vector<std::string> ReconcileRepository::cases_by_appointment_id(const shared::ClinicId& clinic,
                                                                      const std::string& appointment_id)
{
  return ids(shared::db::run(m_tx, k_cases_by_appointment, clinic.value, appointment_id));
}

namespace {

nlohmann::json calendar_keys(const StagedAppointment& appointment)
{
  nlohmann::json keys{{"id", appointment.appointment_id},
                      {"startTime", appointment.start_at},
                      {"date", appointment.local_date},
                      {"status", appointment.status_raw},
                      {"type", appointment.appointment_type},
                      {"reason", appointment.reason},
                      {"provider", {{"id", appointment.resource_id}, {"name", appointment.provider}}}};
  keys["consultationId"] = appointment.consultation_id ? nlohmann::json(*appointment.consultation_id) : nullptr;
  return keys;
}

} // namespace

std::string ReconcileRepository::ensure_case_for(const shared::ClinicId& clinic, const StagedAppointment& appointment,
                                                 bool& created)
{
  auto pims_appointment = calendar_keys(appointment);
  pims_appointment["patient"] = {{"name", appointment.patient_name}};
  pims_appointment["client"] = {{"name", appointment.client_name}, {"phone", appointment.phone_raw},
                                {"email", appointment.email}};
  const nlohmann::json metadata{{"pimsAppointment", pims_appointment}, {"syncSource", "idexx-sync"}};
  const auto rows = shared::db::run(m_tx, k_insert_case, clinic.value, appointment.appointment_id,
                                    case_type_for(appointment.appointment_type), appointment.start_at,
                                    metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  created = !rows.empty();
  const std::string case_id = created ? rows[0][0].as<std::string>()
                                      : shared::db::run(m_tx, k_case_by_external_id, clinic.value,
                                                        appointment.appointment_id)[0][0]
                                            .as<std::string>();
  if (created) {
    shared::db::run(m_tx, k_insert_patient, case_id, clinic.value, appointment.patient_name, appointment.client_name,
                    appointment.phone_raw, appointment.email, appointment.appointment_id);
  }
  return case_id;
}

bool ReconcileRepository::merge_notes(const std::string& case_id, const ConsultationContent& content,
                                      const std::string& fetched_at)
{
  constexpr std::size_t k_text_cap = 32 * 1024; // data-model.md 4.5: plain text capped, default 32 KB
  const auto summary = content.discharge_summary_text.empty() ? content.notes_text : content.discharge_summary_text;
  const auto result = shared::db::run(m_tx, k_merge_notes, case_id, pims_consultation_patch(content, fetched_at),
                                      cap_utf8(summary, k_text_cap), clinical_entities_patch(content, k_text_cap),
                                      fetched_at, content.content_hash);
  return result.affected_rows() == 1;
}

bool ReconcileRepository::refresh_from_calendar(const std::string& case_id, const StagedAppointment& appointment)
{
  const auto status = case_status_for(appointment.status).value_or("");
  const auto result = shared::db::run(m_tx, k_refresh_from_calendar, case_id, calendar_keys(appointment).dump(),
                                      status, appointment.start_at);
  return result.affected_rows() == 1;
}

void ReconcileRepository::record_status(const shared::ClinicId& clinic, const std::string& session_id,
                                        const std::string& consultation_id,
                                        const std::optional<std::string>& appointment_id,
                                        const std::optional<std::string>& case_id, std::string_view status,
                                        const std::string& content_hash, const std::string& metadata_json)
{
  shared::db::run(m_tx, k_upsert_status, clinic.value, consultation_id, appointment_id, session_id, case_id,
                  std::string(status), content_hash, metadata_json);
}

void ReconcileRepository::record_match(const shared::RunId& run, const shared::ClinicId& clinic,
                                       const std::string& consultation_id, const LinkDecision& decision)
{
  // staging_matches speaks record-linkage.md's vocabulary: auto_linked with tier 1 or 2, created,
  // needs_review, unmatched.
  std::string kind(to_string(decision.outcome));
  std::optional<int> tier;
  if (decision.outcome == LinkOutcome::linked) {
    kind = decision.tier == LinkTier::created ? "created" : "auto_linked";
    if (decision.tier == LinkTier::consultation_id) {
      tier = 1;
    } else if (decision.tier == LinkTier::appointment_id) {
      tier = 2;
    }
  }
  const nlohmann::json reasons{{"candidates", decision.candidates},
                               {"via", decision.tier ? std::string(to_string(*decision.tier)) : std::string()}};
  shared::db::run(m_tx, k_upsert_match, run.value, clinic.value, consultation_id, decision.case_id, kind, tier,
                  reasons.dump());
}

} // namespace reconcile
