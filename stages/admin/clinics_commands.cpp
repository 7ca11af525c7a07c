#include "stages/admin/admin_commands.hpp"

#include "shared/core/errors.hpp"
#include "shared/db/connection.hpp"
#include "stages/admin/table_printer.hpp"

#include <ostream>

namespace admin {

namespace {

using shared::db::Query;

constexpr Query k_set_enabled{"admin.set_clinic_enabled", R"sql(
  INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled) SELECT id, $2 FROM clinics WHERE id = $1
  ON CONFLICT (clinic_id) DO UPDATE SET idexx_sync_enabled = EXCLUDED.idexx_sync_enabled, updated_at = now()
  RETURNING clinic_id)sql"};

constexpr Query k_list{"admin.list_clinics", R"sql(
  SELECT c.id, c.name, coalesce(c.timezone, ''), coalesce(c.is_active, false), coalesce(s.idexx_sync_enabled, false),
         coalesce(k.validation_status, 'none'),
         coalesce(to_char(s.last_success_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'), '-'),
         coalesce(s.consecutive_failures, 0), coalesce(s.last_error_code, '-')
    FROM clinics c
    LEFT JOIN clinic_sync_state s ON s.clinic_id = c.id
    LEFT JOIN LATERAL (SELECT validation_status FROM idexx_credentials
                        WHERE clinic_id = c.id AND is_active ORDER BY created_at DESC LIMIT 1) k ON true
   WHERE coalesce(c.pims_type, 'idexx_neo') = 'idexx_neo'
   ORDER BY c.name)sql"};

int set_enabled(shared::app::CommandContext& context, bool enabled)
{
  const auto clinic = context.flags().required("clinic");
  auto connection = shared::db::open_connection(shared::db::load_database_config(context.config()), "admin.clinics");
  const bool found = shared::db::with_transaction(
      *connection, [&](pqxx::work& tx) { return !shared::db::run(tx, k_set_enabled, clinic, enabled).empty(); });
  if (!found) {
    throw shared::UsageError("--clinic: no clinic " + clinic);
  }
  context.out() << "clinic " << clinic << ": sync " << (enabled ? "enabled" : "disabled") << "\n";
  return 0;
}

} // namespace

int clinics_enable(shared::app::CommandContext& context)
{
  return set_enabled(context, true);
}

int clinics_disable(shared::app::CommandContext& context)
{
  return set_enabled(context, false);
}

int clinics_list(shared::app::CommandContext& context)
{
  auto connection = shared::db::open_connection(shared::db::load_database_config(context.config()), "admin.clinics");
  TablePrinter table({"clinic", "name", "time zone", "active", "sync", "credential", "last success", "failures",
                      "last error"});
  shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    for (const auto& row : shared::db::run(tx, k_list)) {
      std::string zone = row[2].as<std::string>();
      if (zone == "America/Los_Angeles") {
        zone += " (default?)"; // a backfill set it on every row: it may mean "never set" (data-model.md 2)
      }
      table.add({row[0].as<std::string>(), row[1].as<std::string>(), zone, row[3].as<bool>() ? "yes" : "no",
                 row[4].as<bool>() ? "on" : "off", row[5].as<std::string>(), row[6].as<std::string>(),
                 row[7].as<std::string>(), row[8].as<std::string>()});
    }
  });
  table.print(context.out());
  return 0;
}

} // namespace admin
