#include "tests/demo/seed_world.hpp"

#include "shared/core/clock.hpp"
#include "shared/crypto/hashing.hpp"
#include "stages/reconcile/case_matching.hpp"
#include "shared/db/connection.hpp"

#include <nlohmann/json.hpp>

namespace tests::demo {

namespace {

constexpr std::string_view k_namespace = "3b8f2d5e-6a41-5c0e-9d7a-2f1e4c6b8a90";

std::string iso_utc(tests::fakes::SysSeconds instant)
{
  return shared::format_iso8601(std::chrono::time_point_cast<std::chrono::microseconds>(instant));
}

} // namespace

std::vector<SeededClinic> seed_product_world(pqxx::connection& connection, const tests::fakes::World& world,
                                             const SeedOptions& options)
{
  std::vector<SeededClinic> seeded;
  shared::db::with_transaction(connection, [&](pqxx::work& tx) {
    for (std::size_t i = 0; i < world.tenants.size(); ++i) {
      const auto& tenant = world.tenants[i];
      const auto key = std::to_string(world.seed) + "/" + std::to_string(i);
      SeededClinic clinic{.tenant = i, .clinic_id = shared::crypto::uuid5(k_namespace, "clinic/" + key),
                          .user_id = shared::crypto::uuid5(k_namespace, "user/" + key)};
      tx.exec_params("INSERT INTO auth.users (id) VALUES ($1) ON CONFLICT DO NOTHING", clinic.user_id);
      tx.exec_params("INSERT INTO users (id, email, first_name, last_name, role) VALUES ($1, $2, 'Demo', 'Owner', "
                     "'veterinarian') ON CONFLICT (id) DO NOTHING",
                     clinic.user_id, "owner" + std::to_string(i) + "@clinic.example");
      const nlohmann::json hours{
          {"monday", {{"open", "08:00"}, {"close", "18:00"}, {"lunch_start", "12:30"}, {"lunch_end", "13:30"}}},
          {"tuesday", {{"open", "08:00"}, {"close", "18:00"}}},
          {"wednesday", {{"open", "08:00"}, {"close", "18:00"}}},
          {"thursday", {{"open", "08:00"}, {"close", "18:00"}}},
          {"friday", {{"open", "08:00"}, {"close", "18:00"}}},
          {"saturday", {{"open", "09:00"}, {"close", "13:00"}}},
          {"sunday", nullptr}};
      tx.exec_params(
          "INSERT INTO clinics (id, name, phone, timezone, business_hours, pims_type, outbound_assistant_id, "
          "outbound_phone_number_id, is_active, idexx_base_url) "
          "VALUES ($1, $2, '+15555550100', $3, $4::jsonb, 'idexx_neo', $5, $6, true, $7) ON CONFLICT (id) DO NOTHING",
          clinic.clinic_id, tenant.clinic_name, tenant.timezone, hours.dump(), options.vapi_assistant_id,
          options.vapi_phone_number_id, options.idexx_base_url);
      tx.exec_params("INSERT INTO user_clinic_access (user_id, clinic_id, role, is_primary) VALUES ($1, $2, 'owner', "
                     "true) ON CONFLICT (user_id, clinic_id) DO NOTHING",
                     clinic.user_id, clinic.clinic_id);
      tx.exec_params("INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled) VALUES ($1, true) "
                     "ON CONFLICT (clinic_id) DO UPDATE SET idexx_sync_enabled = true",
                     clinic.clinic_id);
      tx.exec_params("INSERT INTO auto_scheduling_config (clinic_id, is_enabled, auto_call_enabled, call_delay_days, "
                     "preferred_call_time) VALUES ($1, true, true, 2, '16:00') ON CONFLICT (clinic_id) DO NOTHING",
                     clinic.clinic_id);
      int visit = 0;
      for (const auto& appointment : tenant.appointments) {
        if (appointment.kind != tests::fakes::EntryKind::visit) {
          continue;
        }
        // 37 is coprime with 100, so the skipped visits spread evenly whatever the count.
        if ((visit++ * 37) % 100 >= options.night_before_case_percent) {
          continue; // a visit booked after the night-before sync: reconcile creates its case
        }
        const auto client_name = appointment.first_name + " " + appointment.last_name;
        const nlohmann::json metadata{
            {"pimsAppointment",
             {{"id", std::to_string(appointment.id)},
              {"consultationId", nullptr},
              {"date", appointment.start_local.substr(0, 10)},
              {"startTime", iso_utc(appointment.start_utc)},
              {"status", "Scheduled"},
              {"patient", {{"id", std::to_string(appointment.patient_id)}, {"name", appointment.patient_name}}},
              {"client", {{"name", client_name}, {"phone", appointment.phone_number}, {"email", appointment.email}}},
              {"provider", {{"id", appointment.resource_id}, {"name", appointment.provider}}},
              {"type", appointment.type_description},
              {"reason", appointment.reason}}},
            {"syncSource", "IDEXX Neo"},
            {"callIntelligence", {{"generatedAt", "2026-01-01T00:00:00.000Z"}, {"owner", "product"}}}};
        const auto rows = tx.exec_params(
            "INSERT INTO cases (user_id, clinic_id, source, external_id, status, type, visibility, scheduled_at, "
            "metadata) VALUES (NULL, $1, 'pims:idexx-neo', $2, 'draft', $3, 'private', $4::timestamptz, $5::jsonb) "
            "ON CONFLICT DO NOTHING RETURNING id",
            clinic.clinic_id, "pims-appt-idexx-neo-" + std::to_string(appointment.id),
            reconcile::case_type_for(appointment.type_description), iso_utc(appointment.start_utc),
            metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        if (!rows.empty()) {
          tx.exec_params("INSERT INTO patients (case_id, clinic_id, name, owner_name, owner_phone, owner_email) "
                         "VALUES ($1, $2, $3, $4, $5, $6)",
                         rows[0][0].as<std::string>(), clinic.clinic_id, appointment.patient_name, client_name,
                         appointment.phone_number, appointment.email);
        }
      }
      seeded.push_back(clinic);
    }
  });
  return seeded;
}

} // namespace tests::demo
