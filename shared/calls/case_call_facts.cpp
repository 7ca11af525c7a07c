#include "shared/calls/case_call_facts.hpp"

#include "shared/calls/death_signal.hpp"
#include "shared/db/connection.hpp"

#include <set>

namespace shared::calls {

namespace {

using shared::db::Query;

constexpr Query k_facts{"calls.case_call_facts", R"sql(
  SELECT c.id, c.clinic_id, c.status::text,
         coalesce((c.metadata #>> '{reconciliation,softDeleted}')::boolean, false),
         coalesce(c.call_enabled, true),
         coalesce(c.metadata #>> '{pimsAppointment,status}', ''),
         coalesce(cl.communication_opt_out, false),
         coalesce(cp.is_deceased, false) OR coalesce(cp2.is_deceased, false),
         coalesce(p.owner_phone, c.metadata #>> '{pimsAppointment,client,phone}', ''),
         coalesce(k.timezone, 'America/Los_Angeles'),
         array_to_string(ARRAY[
           c.metadata #>> '{pimsConsultation,notesText}',
           c.metadata #>> '{pimsConsultation,dischargeSummaryText}',
           c.metadata #>> '{entities,clinical,clinicalNotes}',
           c.metadata #>> '{pimsConsultation,reason}',
           c.metadata #>> '{pimsConsultation,productsServices}',
           c.metadata #>> '{pimsAppointment,reason}',
           c.metadata #>> '{pimsAppointment,type}',
           c.type::text, c.detected_case_type], E'\n')
    FROM cases c
    JOIN clinics k ON k.id = c.clinic_id
    LEFT JOIN LATERAL (SELECT * FROM patients WHERE case_id = c.id ORDER BY created_at LIMIT 1) p ON true
    LEFT JOIN clients cl ON cl.id = p.client_id
    LEFT JOIN canonical_patients cp ON cp.id = coalesce(p.canonical_patient_id, c.canonical_patient_id)
    LEFT JOIN canonical_patients cp2 ON cp2.client_id = p.client_id AND lower(cp2.name) = lower(p.name)
   WHERE c.id = ANY($1::uuid[]))sql"};

// Opted-out owners of the clinics concerned: few rows, compared by normalised phone in C++ because
// the product stores phones as typed.
constexpr Query k_opted_out{"calls.opted_out_clients", R"sql(
  SELECT clinic_id, coalesce(phone, '') FROM clients
   WHERE communication_opt_out AND clinic_id = ANY($1::uuid[]))sql"};

} // namespace

std::optional<RefusalReason> standing_refusal(const CaseCallFacts& facts)
{
  if (facts.patient_deceased) {
    return RefusalReason::euthanasia_or_death;
  }
  for (const auto& text : facts.texts) {
    if (death_signal(text)) {
      return RefusalReason::euthanasia_or_death;
    }
  }
  if (facts.client_opted_out) {
    return RefusalReason::opted_out;
  }
  if (facts.appointment_status == "no_show") {
    return RefusalReason::no_show;
  }
  if (facts.appointment_status == "cancelled" || facts.removed_from_pims) {
    return RefusalReason::cancelled;
  }
  if (!facts.case_calls_enabled) {
    return RefusalReason::calls_disabled;
  }
  return std::nullopt;
}

std::map<std::string, CaseCallFacts> load_case_call_facts(pqxx::transaction_base& tx,
                                                          const std::vector<std::string>& case_ids)
{
  std::map<std::string, CaseCallFacts> out;
  if (case_ids.empty()) {
    return out;
  }
  std::set<std::string> clinics;
  for (const auto& row : shared::db::run(tx, k_facts, shared::db::array_literal(case_ids))) {
    CaseCallFacts facts{.case_id = row[0].as<std::string>(), .clinic_id = row[1].as<std::string>(),
                        .case_status = row[2].as<std::string>(), .removed_from_pims = row[3].as<bool>(),
                        .case_calls_enabled = row[4].as<bool>(),
                        .appointment_status = idexx::normalise_label(row[5].as<std::string>()),
                        .client_opted_out = row[6].as<bool>(), .patient_deceased = row[7].as<bool>(),
                        .owner_phone_raw = row[8].as<std::string>(), .clinic_timezone = row[9].as<std::string>(),
                        .texts = {row[10].as<std::string>()}};
    clinics.insert(facts.clinic_id);
    out.emplace(facts.case_id, std::move(facts));
  }
  if (clinics.empty()) {
    return out;
  }
  std::map<std::string, std::set<std::string>> opted_out; // clinic -> E.164 numbers
  const std::vector<std::string> clinic_ids(clinics.begin(), clinics.end());
  for (const auto& row : shared::db::run(tx, k_opted_out, shared::db::array_literal(clinic_ids))) {
    opted_out[row[0].as<std::string>()].insert(row[1].as<std::string>());
  }
  for (auto& [id, facts] : out) {
    const auto found = opted_out.find(facts.clinic_id);
    if (facts.client_opted_out || found == opted_out.end()) {
      continue;
    }
    const auto region = idexx::phone_region_for(facts.clinic_timezone);
    const auto owner = idexx::normalise_phone(facts.owner_phone_raw, region);
    if (!owner) {
      continue;
    }
    for (const auto& raw : found->second) {
      if (idexx::normalise_phone(raw, region) == owner) {
        facts.client_opted_out = true;
        break;
      }
    }
  }
  return out;
}

} // namespace shared::calls
