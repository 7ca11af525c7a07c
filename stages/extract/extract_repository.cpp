#include "stages/extract/extract_repository.hpp"

#include "shared/crypto/hashing.hpp"
#include "shared/db/connection.hpp"
#include "shared/idexx/json_text.hpp"

#include <nlohmann/json.hpp>

#include <unordered_map>

namespace extract {

namespace {

using shared::db::Query;

constexpr Query k_add_work_items{"extract.add_work_items", R"sql(
  INSERT INTO sync_work_items (run_id, clinic_id, state, window_start, window_end)
  SELECT $1, c.id, 'pending', $2::timestamptz, $3::timestamptz
    FROM clinics c JOIN clinic_sync_state s ON s.clinic_id = c.id
   WHERE s.idexx_sync_enabled AND coalesce(c.is_active, false)
     AND coalesce(c.pims_type, 'idexx_neo') = 'idexx_neo'
  ON CONFLICT (run_id, clinic_id) DO NOTHING)sql"};

constexpr Query k_clinic{"extract.select_clinic", R"sql(
  SELECT coalesce(c.timezone, 'America/Los_Angeles'), nullif(c.idexx_base_url, ''),
         to_char(s.last_window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM clinics c LEFT JOIN clinic_sync_state s ON s.clinic_id = c.id
   WHERE c.id = $1)sql"};

constexpr Query k_backfills{"extract.select_backfills", R"sql(
  SELECT id, to_char(window_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         to_char(window_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM backfill_requests WHERE clinic_id = $1 AND state = 'pending' ORDER BY id)sql"};

constexpr Query k_open_session{"extract.open_session", R"sql(
  INSERT INTO idexx_sync_sessions (user_id, clinic_id, credential_id, session_type, status, started_at, run_id,
                                   window_start, window_end, created_at, updated_at)
  VALUES ($1, $2, $3, 'full_sync', 'in_progress', now(), $4, $5::timestamptz, $6::timestamptz, now(), now())
  ON CONFLICT (run_id, clinic_id) DO UPDATE
     SET credential_id = EXCLUDED.credential_id, user_id = EXCLUDED.user_id, status = 'in_progress',
         window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end, updated_at = now()
  RETURNING id)sql"};

constexpr Query k_login_refused{"extract.record_login_refusal", R"sql(
  UPDATE idexx_credentials SET validation_status = $2, last_validated_at = now(), updated_at = now()
   WHERE id = $1)sql"};

// The staged records go in as one JSON array per table and one statement each: a statement per
// record was the largest share of the extract stage's CPU (syscalls and libpq round trips). Each
// element carries its raw record verbatim under "raw", so the server parses it once as jsonb.
constexpr Query k_upsert_appointments{"extract.upsert_staged_appointments", R"sql(
  INSERT INTO staging_appointments
    (run_id, clinic_id, neo_appointment_id, neo_consultation_id, start_at, end_at, local_date, start_local,
     patient_id, patient_name, client_id, client_name, phone_raw, email, provider, resource_id, appointment_type,
     reason, status_raw, status, is_block, time_flags, raw, content_hash)
  SELECT $1, $2, r.id, r.consultation_id, r.start_at::timestamptz, r.end_at::timestamptz, r.local_date::date,
         r.start_local, r.patient_id, r.patient_name, r.client_id, r.client_name, r.phone_raw, r.email, r.provider,
         r.resource_id, r.appointment_type, r.reason, r.status_raw, r.status, r.is_block, r.time_flags, r.raw,
         r.content_hash
    FROM jsonb_to_recordset($3::jsonb) AS r(
           id text, consultation_id text, start_at text, end_at text, local_date text, start_local text,
           patient_id text, patient_name text, client_id text, client_name text, phone_raw text, email text,
           provider text, resource_id text, appointment_type text, reason text, status_raw text, status text,
           is_block boolean, time_flags text, raw jsonb, content_hash text)
  ON CONFLICT (run_id, clinic_id, neo_appointment_id) DO UPDATE
     SET neo_consultation_id = EXCLUDED.neo_consultation_id, start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at,
         local_date = EXCLUDED.local_date, start_local = EXCLUDED.start_local, patient_id = EXCLUDED.patient_id,
         patient_name = EXCLUDED.patient_name, client_id = EXCLUDED.client_id, client_name = EXCLUDED.client_name,
         phone_raw = EXCLUDED.phone_raw, email = EXCLUDED.email, provider = EXCLUDED.provider,
         resource_id = EXCLUDED.resource_id, appointment_type = EXCLUDED.appointment_type, reason = EXCLUDED.reason,
         status_raw = EXCLUDED.status_raw, status = EXCLUDED.status, is_block = EXCLUDED.is_block,
         time_flags = EXCLUDED.time_flags, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash)sql"};

constexpr Query k_upsert_consultations{"extract.upsert_staged_consultations", R"sql(
  INSERT INTO staging_consultations
    (run_id, clinic_id, neo_consultation_id, neo_appointment_id, consulted_at, local_date, status, reason,
     patient_id, patient_name, patient_species, patient_breed, client_id, client_name, phone_raw, email,
     notes_html, discharge_summary_html, lines, fetch_error, raw, content_hash)
  SELECT $1, $2, r.id, r.appointment_id, r.consulted_at::timestamptz, r.local_date::date, r.status, r.reason,
         r.patient_id, r.patient_name, r.patient_species, r.patient_breed, r.client_id, r.client_name, r.phone_raw,
         r.email, r.notes_html, r.discharge_summary_html, r.lines, r.fetch_error, r.raw, r.content_hash
    FROM jsonb_to_recordset($3::jsonb) AS r(
           id text, appointment_id text, consulted_at text, local_date text, status text, reason text,
           patient_id text, patient_name text, patient_species text, patient_breed text, client_id text,
           client_name text, phone_raw text, email text, notes_html text, discharge_summary_html text, lines jsonb,
           fetch_error text, raw jsonb, content_hash text)
  ON CONFLICT (run_id, clinic_id, neo_consultation_id) DO UPDATE
     SET neo_appointment_id = EXCLUDED.neo_appointment_id, consulted_at = EXCLUDED.consulted_at,
         local_date = EXCLUDED.local_date, status = EXCLUDED.status, reason = EXCLUDED.reason,
         patient_id = EXCLUDED.patient_id, patient_name = EXCLUDED.patient_name,
         patient_species = EXCLUDED.patient_species, patient_breed = EXCLUDED.patient_breed,
         client_id = EXCLUDED.client_id, client_name = EXCLUDED.client_name, phone_raw = EXCLUDED.phone_raw,
         email = EXCLUDED.email, notes_html = EXCLUDED.notes_html,
         discharge_summary_html = EXCLUDED.discharge_summary_html, lines = EXCLUDED.lines,
         fetch_error = EXCLUDED.fetch_error, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash)sql"};

constexpr Query k_clear_quarantine{"extract.clear_quarantine",
                                   "DELETE FROM staging_quarantine WHERE run_id = $1 AND clinic_id = $2"};

constexpr Query k_quarantine{"extract.insert_quarantine", R"sql(
  INSERT INTO staging_quarantine (run_id, clinic_id, record_kind, neo_id, reason, raw, raw_text)
  VALUES ($1, $2, $3, NULL, $4,
          CASE WHEN $6 THEN $5::jsonb END, CASE WHEN NOT $6 THEN $5 END))sql"};

constexpr Query k_mark_pending{"extract.upsert_pending_statuses", R"sql(
  INSERT INTO consultation_sync_status (clinic_id, neo_consultation_id, neo_appointment_id, sync_session_id, status,
                                        last_sync_attempt, created_at, updated_at)
  SELECT $1, r.id, r.appointment_id, $2, 'pending', now(), now(), now()
    FROM jsonb_to_recordset($3::jsonb) AS r(id text, appointment_id text)
  ON CONFLICT (clinic_id, neo_consultation_id) DO UPDATE
     SET sync_session_id = EXCLUDED.sync_session_id,
         neo_appointment_id = coalesce(EXCLUDED.neo_appointment_id, consultation_sync_status.neo_appointment_id),
         last_sync_attempt = now(), updated_at = now())sql"};

constexpr Query k_item_window{"extract.record_item_window", R"sql(
  UPDATE sync_work_items SET window_start = $3::timestamptz, window_end = $4::timestamptz
   WHERE run_id = $1 AND clinic_id = $2)sql"};

constexpr Query k_watermark{"extract.advance_watermark", R"sql(
  UPDATE clinic_sync_state
     SET last_window_end = greatest(coalesce(last_window_end, $2::timestamptz), $2::timestamptz), updated_at = now()
   WHERE clinic_id = $1)sql"};

constexpr Query k_serve_backfills{"extract.serve_backfills", R"sql(
  WITH served AS (
    UPDATE backfill_requests SET state = 'served', served_by_run = $2, served_at = now()
     WHERE id = ANY($1::bigint[]) AND state = 'pending' RETURNING 1)
  UPDATE sync_runs SET backfills_served = backfills_served + (SELECT count(*) FROM served) WHERE run_id = $2)sql"};

// Neo sends "" where it means "not recorded": staged as NULL.
nlohmann::json nonempty(const std::string& text)
{
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

std::optional<std::string> iso(const std::optional<shared::Instant>& instant)
{
  return instant ? std::optional<std::string>(shared::format_iso8601(*instant)) : std::nullopt;
}

std::string date_text(std::chrono::year_month_day day)
{
  return shared::format_date(day);
}

nlohmann::json nullable(const std::optional<std::string>& text)
{
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

// Members written straight into a row's text: the notes are most of the bytes, so they are not
// copied into a nlohmann::json on the way.
struct LargeText
{
  const char* name;
  const std::string* text;
};

// The rows of one staging statement, as the JSON array jsonb_to_recordset reads. A record seen
// twice keeps its last version: ON CONFLICT DO UPDATE refuses to touch one row twice in a statement.
class RecordBatch
{
public:
  // `raw` is the record's own JSON text, spliced in verbatim as the "raw" member.
  void add(const std::string& id, const nlohmann::json& row, const std::optional<std::string>& raw,
           const std::vector<LargeText>& large = {})
  {
    auto text = shared::idexx::compact_json(row, true);
    text.pop_back(); // the object's closing brace
    for (const auto& member : large) {
      text.append(",\"").append(member.name).append("\":");
      shared::idexx::append_json_string(text, *member.text, true);
    }
    if (raw) {
      text.append(",\"raw\":").append(*raw);
    }
    text.push_back('}');
    const auto [position, inserted] = m_index.try_emplace(id, m_rows.size());
    if (inserted) {
      m_rows.push_back(std::move(text));
    } else {
      m_rows[position->second] = std::move(text);
    }
  }

  bool empty() const { return m_rows.empty(); }

  std::string json_array() const
  {
    std::size_t size = 2;
    for (const auto& row : m_rows) {
      size += row.size() + 1;
    }
    std::string array;
    array.reserve(size);
    array.push_back('[');
    for (const auto& row : m_rows) {
      if (array.size() > 1) {
        array.push_back(',');
      }
      array.append(row);
    }
    array.push_back(']');
    return array;
  }

private:
  std::vector<std::string> m_rows;
  std::unordered_map<std::string, std::size_t> m_index;
};

} // namespace

std::int64_t ExtractRepository::add_work_items(const shared::RunId& run, const Window& default_window)
{
  return static_cast<std::int64_t>(shared::db::run(m_tx, k_add_work_items, run.value,
                                                   shared::format_iso8601(default_window.from),
                                                   shared::format_iso8601(default_window.to))
                                       .affected_rows());
}

ClinicToExtract ExtractRepository::clinic(const shared::ClinicId& clinic)
{
  const auto rows = shared::db::run(m_tx, k_clinic, clinic.value);
  if (rows.empty()) {
    throw shared::InvariantError("clinic " + clinic.value + " is gone");
  }
  ClinicToExtract info{.timezone = rows[0][0].as<std::string>(),
                       .base_url = rows[0][1].is_null() ? std::nullopt
                                                        : std::optional<std::string>(rows[0][1].as<std::string>()),
                       .last_window_end = {}, .backfill_ids = {}, .backfills = {}};
  if (!rows[0][2].is_null()) {
    info.last_window_end = shared::parse_iso8601(rows[0][2].as<std::string>());
  }
  for (const auto& row : shared::db::run(m_tx, k_backfills, clinic.value)) {
    info.backfill_ids.push_back(row[0].as<std::int64_t>());
    info.backfills.push_back({shared::parse_iso8601(row[1].as<std::string>()), shared::parse_iso8601(row[2].as<std::string>())});
  }
  return info;
}

std::string ExtractRepository::open_session(const shared::RunId& run, const shared::ClinicId& clinic,
                                            const std::string& user_id, const std::string& credential_id,
                                            const Window& window)
{
  return shared::db::run(m_tx, k_open_session, user_id, clinic.value, credential_id, run.value,
                         shared::format_iso8601(window.from), shared::format_iso8601(window.to))[0][0]
      .as<std::string>();
}

void ExtractRepository::record_login_refusal(const std::string& credential_id, const std::string& validation_status)
{
  shared::db::run(m_tx, k_login_refused, credential_id, validation_status);
}

StagingCounts ExtractRepository::stage(const shared::RunId& run, const shared::ClinicId& clinic,
                                       const std::string& session_id, const Window& window,
                                       const ExtractedClinic& extracted, const ClinicToExtract& info)
{
  StagingCounts counts;
  const shared::ClinicZone zone(info.timezone);
  RecordBatch appointments;
  for (const auto& a : extracted.appointments) {
    const std::optional<std::string> flags =
        a.start.kind == shared::LocalTimeKind::unique ? std::nullopt
        : a.start.kind == shared::LocalTimeKind::in_gap ? std::optional<std::string>("dst_gap")
                                                          : std::optional<std::string>("dst_overlap");
    nlohmann::json row{{"id", a.id.value},
                       {"consultation_id", a.consultation_id ? nullable(a.consultation_id->value) : nullptr},
                       {"start_at", shared::format_iso8601(a.start.utc)},
                       {"end_at", a.end ? nullable(iso(a.end->utc)) : nullptr},
                       {"local_date", date_text(a.local_date)},
                       {"start_local", shared::format_local(zone.to_local(a.start.utc))},
                       {"patient_id", nonempty(a.patient_id)},
                       {"patient_name", nonempty(a.patient_name)},
                       {"client_id", nonempty(a.client_id)},
                       {"client_name", nonempty(a.client_name)},
                       {"phone_raw", nonempty(a.phone_raw)},
                       {"email", nonempty(a.email)},
                       {"provider", nonempty(a.provider)},
                       {"resource_id", nonempty(a.resource_id)},
                       {"appointment_type", nonempty(a.type)},
                       {"reason", nonempty(a.reason)},
                       {"status_raw", nonempty(a.status_raw)},
                       {"status", std::string(shared::idexx::to_string(a.status))},
                       {"is_block", a.is_block},
                       {"time_flags", nullable(flags)},
                       {"content_hash", shared::crypto::sha256_hex(a.raw_json)}};
    appointments.add(a.id.value, row, a.raw_json);
  }
  RecordBatch consultations;
  RecordBatch pending;
  for (const auto& c : extracted.consultations) {
    const nlohmann::json appointment = c.appointment_id ? nullable(c.appointment_id->value) : nullptr;
    nlohmann::json row{{"id", c.id.value},
                       {"appointment_id", appointment},
                       {"consulted_at", nullable(iso(c.consulted_at))},
                       {"local_date", c.consulted_at ? nullable(date_text(zone.local_date(*c.consulted_at))) : nullptr}};
    std::optional<std::string> raw;
    std::vector<LargeText> large;
    if (c.detail) {
      const auto& d = *c.detail;
      nlohmann::json lines = nlohmann::json::array();
      for (const auto& line : d.lines) {
        lines.push_back({{"name", line.name}, {"quantity", line.quantity}, {"declined", line.declined}});
      }
      row["status"] = std::string(shared::idexx::to_string(d.status));
      row["reason"] = nonempty(d.reason);
      row["patient_id"] = nonempty(d.patient_id);
      row["patient_name"] = nonempty(d.patient_name);
      row["patient_species"] = nonempty(d.species_raw);
      row["patient_breed"] = nonempty(d.breed);
      row["client_id"] = nonempty(d.client_id);
      row["client_name"] = nonempty(d.client_name);
      row["phone_raw"] = nonempty(d.client_phone_raw);
      row["email"] = nonempty(d.client_email);
      row["lines"] = std::move(lines);
      row["content_hash"] = c.content_hash;
      raw = d.raw_json;
      large = {{"notes_html", &d.notes_html}, {"discharge_summary_html", &d.discharge_summary_html}};
    } else {
      row["lines"] = nlohmann::json::array();
      row["fetch_error"] = nullable(c.fetch_error);
      ++counts.fetch_failures;
    }
    consultations.add(c.id.value, row, raw, large);
    pending.add(c.id.value, {{"id", c.id.value}, {"appointment_id", appointment}}, std::nullopt);
    ++counts.consultations;
  }
  if (!appointments.empty()) {
    shared::db::run(m_tx, k_upsert_appointments, run.value, clinic.value, appointments.json_array());
  }
  if (!consultations.empty()) {
    shared::db::run(m_tx, k_upsert_consultations, run.value, clinic.value, consultations.json_array());
    shared::db::run(m_tx, k_mark_pending, clinic.value, session_id, pending.json_array());
  }
  shared::db::run(m_tx, k_clear_quarantine, run.value, clinic.value);
  for (const auto& record : extracted.quarantined) {
    const bool is_json = nlohmann::json::accept(record.raw_json);
    shared::db::run(m_tx, k_quarantine, run.value, clinic.value, record.kind, record.reason, record.raw_json, is_json);
    ++counts.quarantined;
  }
  shared::db::run(m_tx, k_watermark, clinic.value, shared::format_iso8601(window.to));
  shared::db::run(m_tx, k_item_window, run.value, clinic.value, shared::format_iso8601(window.from),
                  shared::format_iso8601(window.to));
  if (!info.backfill_ids.empty()) {
    std::vector<std::string> ids;
    for (const auto id : info.backfill_ids) {
      ids.push_back(std::to_string(id));
    }
    shared::db::run(m_tx, k_serve_backfills, shared::db::sql_array(ids), run.value);
  }
  return counts;
}

} // namespace extract
