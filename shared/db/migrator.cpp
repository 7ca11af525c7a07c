#include "shared/db/migrator.hpp"

#include "shared/core/errors.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"

#include <algorithm>
#include <map>

namespace shared::db {

namespace {

// A fixed 64-bit key, not hashtext() of a name (32-bit, collisions; operations.md 6.4).
constexpr long long k_migration_lock_key = 0x1dec5a7c0001LL;

constexpr Query k_create_ledger{"migrate.create_ledger", R"sql(
  CREATE TABLE IF NOT EXISTS idexx_sync_schema_migrations (
    name       text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  ))sql"};

constexpr Query k_select_applied{"migrate.select_applied",
                                 "SELECT name, checksum FROM idexx_sync_schema_migrations"};

constexpr Query k_checksum{"migrate.checksum", "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')"};

constexpr Query k_record{"migrate.record",
                         "INSERT INTO idexx_sync_schema_migrations (name, checksum) VALUES ($1, $2)"};

class AdvisoryLock
{
public:
  explicit AdvisoryLock(pqxx::connection& connection) : m_connection(connection)
  {
    pqxx::nontransaction tx(m_connection);
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(k_migration_lock_key) + ")");
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;
  ~AdvisoryLock()
  {
    try {
      pqxx::nontransaction tx(m_connection);
      tx.exec("SELECT pg_advisory_unlock(" + std::to_string(k_migration_lock_key) + ")");
    } catch (const std::exception&) {
      // The session ends with the process, and the lock with it.
    }
  }

private:
  pqxx::connection& m_connection;
};

} // namespace

MigrationReport migrate(pqxx::connection& connection, std::span<const Migration> migrations)
{
  try {
    const AdvisoryLock lock(connection);
    with_transaction(connection, [](pqxx::work& tx) { run(tx, k_create_ledger); });

    std::map<std::string, std::string> applied;
    std::map<std::string, std::string> checksums;
    with_transaction(connection, [&](pqxx::work& tx) {
      for (const auto& row : run(tx, k_select_applied)) {
        applied.emplace(row[0].as<std::string>(), row[1].as<std::string>());
      }
      for (const auto& migration : migrations) {
        checksums[migration.name] = run(tx, k_checksum, migration.sql)[0][0].as<std::string>();
      }
    });

    // Check every applied file before touching anything: an edited migration means the schema
    // differs from what the files say, and only a person can decide what to do.
    for (const auto& migration : migrations) {
      const auto found = applied.find(migration.name);
      if (found != applied.end() && found->second != checksums[migration.name]) {
        throw InvariantError("migration " + migration.name +
                             " was edited after it was applied (checksum " + found->second.substr(0, 12) +
                             " in the database, " + checksums[migration.name].substr(0, 12) +
                             " in the file); add a new migration instead");
      }
    }
    for (const auto& [name, checksum] : applied) {
      const bool known = std::any_of(migrations.begin(), migrations.end(),
                                     [&](const Migration& m) { return m.name == name; });
      if (!known) {
        logging::warn("migration.unknown_applied", {{"migration", name}});
      }
    }

    MigrationReport report;
    for (const auto& migration : migrations) {
      if (applied.contains(migration.name)) {
        ++report.already_applied;
        continue;
      }
      with_transaction(connection, [&](pqxx::work& tx) {
        tx.exec(migration.sql);
        run(tx, k_record, migration.name, checksums[migration.name]);
      });
      logging::info("migration.applied", {{"migration", migration.name}});
      report.applied.push_back(migration.name);
    }
    return report;
  } catch (const pqxx::broken_connection& error) {
    throw DatabaseUnavailable(std::string("database connection lost while migrating: ") + error.what());
  }
}

} // namespace shared::db
