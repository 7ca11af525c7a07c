#include "stages/admin/admin_commands.hpp"

#include "shared/db/connection.hpp"
#include "shared/db/migrator.hpp"

#include <ostream>

namespace admin {

int migrate(shared::app::CommandContext& context)
{
  const auto database = shared::db::load_database_config(context.config());
  auto connection = shared::db::open_connection(database, "admin.migrate");
  const auto migrations = shared::db::embedded_migrations();
  const auto report = shared::db::migrate(*connection, migrations);
  for (const auto& name : report.applied) {
    context.out() << "applied  " << name << "\n";
  }
  context.out() << report.applied.size() << " applied, " << report.already_applied << " already applied, "
                << migrations.size() << " known\n";
  return 0;
}

int config_check(shared::app::CommandContext& context)
{
  // Loading checks the whole file: an unknown key, a wrong type or a bad value exits 78 with the path.
  const auto& config = context.config();
  context.out() << config.source() << ": ok\n";
  return 0;
}

} // namespace admin
