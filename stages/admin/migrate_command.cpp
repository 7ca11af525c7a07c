#include "stages/admin/admin_commands.hpp"

#include "shared/config/config_schema.hpp"
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

int config_keys(shared::app::CommandContext& context)
{
  // The README's key table is this output: one source for the keys, their defaults and meaning.
  context.out() << "| key | default | meaning |\n|---|---|---|\n";
  for (const auto& key : shared::config::all_keys()) {
    std::string fallback = "required";
    if (key.default_text) {
      fallback = key.default_text->empty() ? "`\"\"`" : "`" + std::string(*key.default_text) + "`";
    } else if (key.default_integer) {
      fallback = "`" + std::to_string(*key.default_integer) + "`";
    } else if (key.default_boolean) {
      fallback = *key.default_boolean ? "`true`" : "`false`";
    }
    std::string meaning(key.help);
    if (key.kind == shared::config::KeyKind::integer) {
      meaning += " (" + std::to_string(key.min) + "-" + std::to_string(key.max) + ")";
    }
    if (!key.allowed.empty()) {
      std::string values;
      for (const auto& value : key.allowed) {
        values += (values.empty() ? "" : ", ") + std::string(value);
      }
      meaning += " (" + values + ")";
    }
    context.out() << "| `" << key.path << "` | " << fallback << " | " << meaning << " |\n";
  }
  return 0;
}

} // namespace admin
