#include "stages/reconcile/reconcile_repository.hpp"

#include "shared/db/connection.hpp"
#include "shared/idexx/idexx_parsing.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace reconcile {

namespace {

using shared::db::Query;

// The calendar event of each consultation (by consultation id, else by the consultation's own
// appointment id) is joined once, for the appointment id, status, start and provider.
constexpr Query k_staged_consultations{"reconcile.select_staged_consultations", R"sql(
  SELECT c.neo_consultation_id, coalesce(c.neo_appointment_id, a.neo_appointment_id) AS appointment_id,
         coalesce(to_char(c.consulted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
         coalesce(c.status, 'unknown'), coalesce(c.reason, ''),
         coalesce(c.notes_html, ''), NULL, coalesce(c.discharge_summary_html, ''), NULL,
         coalesce(c.lines, '[]'::jsonb)::text, coalesce(c.content_hash, ''), c.fetch_error, a.status,
         coalesce(c.patient_name, a.patient_name, ''), coalesce(c.client_name, a.client_name, ''),
         coalesce(c.phone_raw, a.phone_raw, ''), coalesce(a.provider, ''), coalesce(c.patient_id, a.patient_id),
         coalesce(c.client_id, a.client_id), nullif(c.patient_species, 'unknown'),
         to_char(coalesce(a.start_at, c.consulted_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    FROM staging_consultations c
    LEFT JOIN LATERAL (
      SELECT s.neo_appointment_id, s.status, s.start_at, s.provider, s.patient_name, s.client_name, s.phone_raw,
             s.patient_id, s.client_id
        FROM staging_appointments s
       WHERE s.run_id = c.run_id AND s.clinic_id = c.clinic_id
         AND (s.neo_consultation_id = c.neo_consultation_id OR s.neo_appointment_id = c.neo_appointment_id)
       ORDER BY (s.neo_consultation_id = c.neo_consultation_id) DESC, s.neo_appointment_id
       LIMIT 1) a ON true
   WHERE c.run_id = $1 AND c.clinic_id = $2
   ORDER BY c.neo_consultation_id)sql"};

constexpr Query k_staged_appointments{"reconcile.select_staged_appointments", R"sql(
  SELECT neo_appointment_id, neo_consultation_id, to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         coalesce(local_date::text, ''), coalesce(patient_name, ''), coalesce(client_name, ''),
         coalesce(phone_raw, ''), coalesce(email, ''), coalesce(provider, ''), coalesce(resource_id, ''),
         coalesce(appointment_type, ''), coalesce(reason, ''), coalesce(status_raw, ''),
         coalesce(status, 'unknown'), coalesce(is_block, false), patient_id, client_id
    FROM staging_appointments
   WHERE run_id = $1 AND clinic_id = $2
   ORDER BY neo_appointment_id)sql"};

constexpr Query k_session_id{"reconcile.select_session_id",
                             "SELECT id FROM idexx_sync_sessions WHERE run_id = $1 AND clinic_id = $2"};

constexpr Query k_clinic_profile{"reconcile.select_clinic_profile",
                                 "SELECT coalesce(timezone, 'America/Los_Angeles'), coalesce(phone, '') "
                                 "FROM clinics WHERE id = $1"};

// Every place a case may carry the consultation id (tier 1) or the appointment id (tier 2)
// (data-model.md 4.2-4.4), and the fields tier 3 compares from whichever layout holds them, in this
// clinic only; extension cases without a clinic belong to it through their user's access. One scan
// of the clinic's cases instead of one query per consultation.
constexpr Query k_candidate_cases{"reconcile.select_candidate_cases", R"sql(
  WITH wanted AS (
    SELECT ARRAY(SELECT jsonb_array_elements_text($2::jsonb)) AS consultations,
           ARRAY(SELECT jsonb_array_elements_text($3::jsonb)) AS appointments),
  carried AS (
    SELECT c.id, c.scheduled_at, c.metadata AS m,
           array_remove(ARRAY[c.metadata #>> '{pimsConsultation,id}', c.metadata #>> '{pimsAppointment,consultationId}',
                              c.metadata #>> '{idexx,raw,consultationId}',
                              c.metadata #>> '{idexx,consultation,consultationId}',
                              c.metadata #>> '{idexx,consultation_id}', c.metadata #>> '{idexx_consultation_id}',
                              CASE WHEN c.source = 'idexx_neo' AND c.external_id ~ '^[0-9]+$'
                                   THEN c.external_id END], NULL) AS consultation_ids,
           array_remove(ARRAY[CASE WHEN c.external_id LIKE 'pims-appt-%' OR c.external_id LIKE 'idexx-appt-%'
                                   THEN split_part(c.external_id, '-', -1) END,
                              c.metadata #>> '{pimsAppointment,id}', c.metadata #>> '{idexx,raw,appointmentId}',
                              c.metadata #>> '{idexx,appointment_id}'], NULL) AS appointment_ids
      FROM cases c
     WHERE c.clinic_id = $1
        OR (c.clinic_id IS NULL AND c.user_id IN (SELECT user_id FROM user_clinic_access WHERE clinic_id = $1))),
  chosen AS MATERIALIZED (
    SELECT k.* FROM carried k, wanted w
     WHERE k.consultation_ids && w.consultations OR k.appointment_ids && w.appointments
        OR k.scheduled_at BETWEEN $4::timestamptz AND $5::timestamptz)
  SELECT k.id, array_to_json(k.consultation_ids)::text, array_to_json(k.appointment_ids)::text,
         coalesce(to_char(k.scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
         coalesce(p.name, k.m #>> '{pimsAppointment,patient,name}', k.m #>> '{idexx,raw,pet_name}',
                  k.m #>> '{entities,patient,name}', ''),
         coalesce(nullif(p.owner_name, ''), k.m #>> '{pimsAppointment,client,name}', k.m #>> '{idexx,raw,owner_name}',
                  nullif(concat_ws(' ', k.m #>> '{idexx,raw,client_first_name}',
                                   k.m #>> '{idexx,raw,client_last_name}'), ''),
                  k.m #>> '{entities,patient,owner,name}', ''),
         coalesce(nullif(p.owner_phone, ''), k.m #>> '{pimsAppointment,client,phone}',
                  nullif(concat_ws(' / ', k.m #>> '{idexx,raw,phone_number}', k.m #>> '{idexx,raw,mobile_number}'), ''),
                  k.m #>> '{entities,patient,owner,phone}', ''),
         coalesce(k.m #>> '{pimsAppointment,provider,name}', k.m #>> '{idexx,raw,provider_name}', ''),
         coalesce(k.m #>> '{pimsAppointment,patient,id}', k.m #>> '{idexx,raw,patient_id}',
                  k.m #>> '{idexx,patient_id}'),
         coalesce(k.m #>> '{pimsAppointment,client,id}', k.m #>> '{idexx,raw,client_id}', k.m #>> '{idexx,client_id}'),
         coalesce(p.species, k.m #>> '{pimsAppointment,patient,species}', k.m #>> '{idexx,raw,species}', '')
    FROM chosen k
    LEFT JOIN LATERAL (SELECT name, owner_name, owner_phone, species FROM patients
                        WHERE case_id = k.id ORDER BY created_at LIMIT 1) p ON true
   ORDER BY k.id)sql"};

constexpr Query k_case_names{"reconcile.select_case_names", R"sql(
  SELECT coalesce(p.name, c.metadata #>> '{pimsAppointment,patient,name}', ''),
         coalesce(p.owner_name, c.metadata #>> '{pimsAppointment,client,name}', '')
    FROM cases c
    LEFT JOIN LATERAL (SELECT name, owner_name FROM patients WHERE case_id = c.id ORDER BY created_at LIMIT 1) p
      ON true
   WHERE c.clinic_id = $1 AND c.scheduled_at BETWEEN $2::timestamptz - interval '365 days' AND $2::timestamptz)sql"};

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

// One UPDATE for the clinic computes each case's new metadata from its stored value: only the paths
// we own change, so keys another writer put there meanwhile survive (data-model.md 4.5, lesson 3);
// a case whose content hash is unchanged is not written.
constexpr Query k_merge_notes{"reconcile.merge_notes", R"sql(
  UPDATE cases c
     SET metadata =
           jsonb_set(
             jsonb_set(
               jsonb_set(
                 jsonb_set(
                   jsonb_set(coalesce(c.metadata, '{}'::jsonb), '{pimsConsultation}',
                             coalesce(c.metadata -> 'pimsConsultation', '{}'::jsonb) || r.patch
                               || jsonb_build_object('revision',
                                    coalesce((c.metadata #>> '{pimsConsultation,revision}')::int, 0) + 1)),
                   '{dischargeSummary}', to_jsonb(r.summary)),
                 '{entities}', coalesce(c.metadata -> 'entities', '{}'::jsonb)),
               '{entities,clinical}', coalesce(c.metadata #> '{entities,clinical}', '{}'::jsonb) || r.clinical),
             '{enrichedAt}', coalesce(c.metadata -> 'enrichedAt', to_jsonb($2::text))),
         updated_at = now()
    FROM jsonb_to_recordset($1::jsonb) AS r(case_id uuid, patch jsonb, summary text, clinical jsonb, hash text)
   WHERE c.id = r.case_id
     AND (c.metadata #>> '{pimsConsultation,contentHash}') IS DISTINCT FROM r.hash
  RETURNING c.id::text)sql"};

// Calendar keys under pimsAppointment, and the status forward only (data-model.md 4.6), for many
// cases in one UPDATE; a case already up to date is not written.
constexpr Query k_refresh_from_calendar{"reconcile.refresh_from_calendar", R"sql(
  UPDATE cases c
     SET metadata = jsonb_set(coalesce(c.metadata, '{}'::jsonb), '{pimsAppointment}',
                              coalesce(c.metadata -> 'pimsAppointment', '{}'::jsonb) || r.keys),
         status = CASE
                    WHEN r.status = 'completed' AND c.status::text IN ('draft', 'ongoing') THEN 'completed'
                    WHEN r.status = 'ongoing' AND c.status::text = 'draft' THEN 'ongoing'
                    WHEN r.status = 'reviewed' AND c.status::text IN ('draft', 'ongoing') THEN 'reviewed'
                    ELSE c.status END,
         scheduled_at = r.start_at,
         updated_at = now()
    FROM jsonb_to_recordset($1::jsonb) AS r(case_id uuid, keys jsonb, status text, start_at timestamptz)
   WHERE c.id = r.case_id
     AND (NOT (coalesce(c.metadata -> 'pimsAppointment', '{}'::jsonb) @> r.keys)
          OR (r.status = 'completed' AND c.status::text IN ('draft', 'ongoing'))
          OR (r.status = 'ongoing' AND c.status::text = 'draft')
          OR (r.status = 'reviewed' AND c.status::text IN ('draft', 'ongoing'))
          OR c.scheduled_at IS DISTINCT FROM r.start_at)
  RETURNING c.id::text)sql"};

constexpr Query k_upsert_status{"reconcile.upsert_sync_status", R"sql(
  INSERT INTO consultation_sync_status
    (clinic_id, neo_consultation_id, neo_appointment_id, sync_session_id, case_id, status, content_hash,
     synced_at, metadata, last_sync_attempt, created_at, updated_at)
  SELECT $1, r.consultation_id, r.appointment_id, $2, r.case_id, r.status, r.content_hash,
         CASE WHEN r.status = 'synced' THEN now() END, r.metadata, now(), now(), now()
    FROM jsonb_to_recordset($3::jsonb)
         AS r(consultation_id text, appointment_id text, case_id uuid, status text, content_hash text, metadata jsonb)
  ON CONFLICT (clinic_id, neo_consultation_id) DO UPDATE
     SET neo_appointment_id = EXCLUDED.neo_appointment_id, sync_session_id = EXCLUDED.sync_session_id,
         case_id = EXCLUDED.case_id, status = EXCLUDED.status, content_hash = EXCLUDED.content_hash,
         synced_at = coalesce(EXCLUDED.synced_at, consultation_sync_status.synced_at),
         metadata = EXCLUDED.metadata, last_sync_attempt = now(), updated_at = now())sql"};

constexpr Query k_upsert_match{"reconcile.upsert_match", R"sql(
  INSERT INTO staging_matches (run_id, clinic_id, neo_consultation_id, case_id, decision, tier, score, reasons,
                               params_version)
  SELECT $1, $2, r.consultation_id, r.case_id, r.decision, r.tier, r.score, r.reasons, r.params_version
    FROM jsonb_to_recordset($3::jsonb)
         AS r(consultation_id text, case_id uuid, decision text, tier smallint, score float8, reasons jsonb,
              params_version text)
  ON CONFLICT (run_id, clinic_id, neo_consultation_id) DO UPDATE
     SET case_id = EXCLUDED.case_id, decision = EXCLUDED.decision, tier = EXCLUDED.tier, score = EXCLUDED.score,
         reasons = EXCLUDED.reasons, params_version = EXCLUDED.params_version, updated_at = now())sql"};

std::optional<std::string> optional_text(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

// Species text of any layout in the canonical vocabulary, std::nullopt when it says nothing.
std::optional<std::string> known_species(const std::string& raw)
{
  const auto species = shared::idexx::normalise_species(raw);
  if (species == shared::idexx::Species::unknown) {
    return std::nullopt;
  }
  return std::string(shared::idexx::to_string(species));
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

nlohmann::json scores_json(const LinkDecision& decision)
{
  auto scores = nlohmann::json::array();
  for (const auto& [case_id, score] : decision.scored) {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& field : score.fields) {
      fields[field.field] = {{"level", field.level}, {"weight", std::round(field.weight * 100.0) / 100.0}};
    }
    scores.push_back({{"case_id", case_id}, {"total", std::round(score.total * 100.0) / 100.0}, {"fields", fields}});
  }
  return scores;
}

} // namespace

std::string review_metadata_json(const LinkDecision& decision)
{
  nlohmann::json review{{"candidates", decision.candidates}};
  if (!decision.reason.empty()) {
    review["reason"] = decision.reason;
  }
  if (!decision.scored.empty()) {
    review["scores"] = scores_json(decision);
  }
  return nlohmann::json{{"review", review}}.dump();
}

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
    auto& visit = staged.visit;
    visit.id = content.consultation_id;
    visit.pet_name = row[13].as<std::string>();
    visit.owner_name = row[14].as<std::string>();
    visit.phone = row[15].as<std::string>();
    visit.provider = row[16].as<std::string>();
    visit.patient_id = optional_text(row[17]);
    visit.client_id = optional_text(row[18]);
    if (!row[19].is_null()) {
      visit.species = known_species(row[19].as<std::string>());
    }
    visit.appointment_id = content.appointment_id;
    if (!row[20].is_null()) {
      visit.start = shared::parse_iso8601(row[20].as<std::string>());
    }
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
        .is_block = row[14].as<bool>(), .patient_id = optional_text(row[15]), .client_id = optional_text(row[16])});
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

ClinicProfile ReconcileRepository::clinic_profile(const shared::ClinicId& clinic)
{
  const auto rows = shared::db::run(m_tx, k_clinic_profile, clinic.value);
  if (rows.empty()) {
    throw shared::InvariantError("reconcile: the clinic of a work item has no clinics row");
  }
  return ClinicProfile{.timezone = rows[0][0].as<std::string>(), .phone = rows[0][1].as<std::string>()};
}

std::vector<CandidateCase> ReconcileRepository::candidate_cases(const shared::ClinicId& clinic,
                                                                const std::vector<std::string>& consultation_ids,
                                                                const std::vector<std::string>& appointment_ids,
                                                                const std::string& from, const std::string& to)
{
  const auto strings = [](const std::string& json_text) {
    return nlohmann::json::parse(json_text).get<std::vector<std::string>>();
  };
  std::vector<CandidateCase> out;
  const auto rows = shared::db::run(m_tx, k_candidate_cases, clinic.value, nlohmann::json(consultation_ids).dump(),
                                    nlohmann::json(appointment_ids).dump(), from, to);
  out.reserve(rows.size());
  for (const auto& row : rows) {
    CandidateCase candidate;
    auto& record = candidate.record;
    record.id = row[0].as<std::string>();
    // A case often carries one id in several layouts: each id once.
    const auto add_once = [](std::vector<std::string>& ids, std::string id) {
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(std::move(id));
      }
    };
    for (auto& id : strings(row[1].as<std::string>())) {
      add_once(candidate.consultation_ids, std::move(id));
    }
    for (const auto& id : strings(row[2].as<std::string>())) {
      // The numeric appointment id of any external id convention (never the whole string).
      add_once(candidate.appointment_ids, appointment_id_from_external_id(id).value_or(id));
    }
    if (const auto start = row[3].as<std::string>(); !start.empty()) {
      record.start = shared::parse_iso8601(start);
    }
    record.pet_name = row[4].as<std::string>();
    record.owner_name = row[5].as<std::string>();
    record.phone = row[6].as<std::string>();
    record.provider = row[7].as<std::string>();
    record.patient_id = optional_text(row[8]);
    record.client_id = optional_text(row[9]);
    record.species = known_species(row[10].as<std::string>());
    if (candidate.appointment_ids.size() == 1) {
      record.appointment_id = candidate.appointment_ids.front();
    }
    out.push_back(std::move(candidate));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ReconcileRepository::case_names(const shared::ClinicId& clinic,
                                                                                 const std::string& until)
{
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : shared::db::run(m_tx, k_case_names, clinic.value, until)) {
    out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return out;
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

namespace {

std::set<std::string> returned_ids(const pqxx::result& rows)
{
  std::set<std::string> ids;
  for (const auto& row : rows) {
    ids.insert(row[0].as<std::string>());
  }
  return ids;
}

} // namespace

std::set<std::string> ReconcileRepository::merge_notes(const std::vector<NotesWrite>& writes,
                                                       const std::string& fetched_at)
{
  if (writes.empty()) {
    return {};
  }
  constexpr std::size_t k_text_cap = 32 * 1024; // data-model.md 4.5: plain text capped, default 32 KB
  const auto quoted = [](const std::string& text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  // The patches are JSON text already: spliced in, not parsed and dumped again (notes are kilobytes).
  std::string rows = "[";
  for (const auto& [case_id, content] : writes) {
    const auto summary =
        content->discharge_summary_text.empty() ? content->notes_text : content->discharge_summary_text;
    rows += (rows.size() == 1 ? "" : ",");
    rows += R"({"case_id":)" + quoted(case_id) + R"(,"patch":)" + pims_consultation_patch(*content, fetched_at) +
            R"(,"summary":)" + quoted(cap_utf8(summary, k_text_cap)) + R"(,"clinical":)" +
            clinical_entities_patch(*content, k_text_cap) + R"(,"hash":)" + quoted(content->content_hash) + "}";
  }
  rows += "]";
  return returned_ids(shared::db::run(m_tx, k_merge_notes, rows, fetched_at));
}

std::set<std::string> ReconcileRepository::refresh_from_calendar(const std::vector<CalendarWrite>& writes)
{
  if (writes.empty()) {
    return {};
  }
  auto rows = nlohmann::json::array();
  std::set<std::string> seen;
  for (const auto& [case_id, appointment] : writes) {
    if (seen.insert(case_id).second) { // one UPDATE writes a row once: the first visit of a case wins
      rows.push_back({{"case_id", case_id},
                      {"keys", calendar_keys(*appointment)},
                      {"status", case_status_for(appointment->status).value_or("")},
                      {"start_at", appointment->start_at}});
    }
  }
  return returned_ids(shared::db::run(m_tx, k_refresh_from_calendar,
                                      rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

void ReconcileRepository::record_statuses(const shared::ClinicId& clinic, const std::string& session_id,
                                          const std::vector<StatusWrite>& writes)
{
  if (writes.empty()) {
    return;
  }
  auto rows = nlohmann::json::array();
  for (const auto& write : writes) {
    rows.push_back({{"consultation_id", write.consultation_id},
                    {"appointment_id", write.appointment_id ? nlohmann::json(*write.appointment_id) : nullptr},
                    {"case_id", write.case_id ? nlohmann::json(*write.case_id) : nullptr},
                    {"status", write.status},
                    {"content_hash", write.content_hash},
                    {"metadata", nlohmann::json::parse(write.metadata_json)}}); // small: a tier or the review
  }
  shared::db::run(m_tx, k_upsert_status, clinic.value, session_id,
                  rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void ReconcileRepository::record_matches(const shared::RunId& run, const shared::ClinicId& clinic,
                                         const std::vector<std::pair<std::string, LinkDecision>>& decisions,
                                         const std::string& params_version)
{
  if (decisions.empty()) {
    return;
  }
  auto rows = nlohmann::json::array();
  for (const auto& [consultation_id, decision] : decisions) {
    // staging_matches speaks record-linkage.md's vocabulary: auto_linked with tier 1, 2 or 3, created,
    // needs_review (every candidate with its total and per-field weights), unmatched.
    std::string kind(to_string(decision.outcome));
    nlohmann::json tier = nullptr;
    if (decision.outcome == LinkOutcome::linked) {
      kind = decision.tier == LinkTier::created ? "created" : "auto_linked";
      if (decision.tier == LinkTier::consultation_id) {
        tier = 1;
      } else if (decision.tier == LinkTier::appointment_id) {
        tier = 2;
      } else if (decision.tier == LinkTier::probabilistic) {
        tier = 3;
      }
    }
    nlohmann::json reasons{{"candidates", decision.candidates},
                           {"via", decision.tier ? std::string(to_string(*decision.tier)) : std::string()}};
    if (!decision.reason.empty()) {
      reasons["reason"] = decision.reason;
    }
    if (!decision.scored.empty()) {
      reasons["scores"] = scores_json(decision);
    }
    rows.push_back({{"consultation_id", consultation_id},
                    {"case_id", decision.case_id ? nlohmann::json(*decision.case_id) : nullptr},
                    {"decision", kind},
                    {"tier", tier},
                    {"score", decision.score ? nlohmann::json(*decision.score) : nullptr},
                    {"reasons", reasons},
                    {"params_version", decision.tier == LinkTier::probabilistic ? nlohmann::json(params_version)
                                                                                 : nlohmann::json(nullptr)}});
  }
  shared::db::run(m_tx, k_upsert_match, run.value, clinic.value,
                  rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace reconcile
