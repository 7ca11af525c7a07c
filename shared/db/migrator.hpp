#pragma once

#include <pqxx/pqxx>

#include <span>
#include <string>
#include <vector>

namespace shared::db {

struct Migration
{
  std::string name; // file name, e.g. "0001_create_product_baseline.sql"; applied in name order
  std::string sql;
};

// The files of migrations/, embedded into the binary at build time, in name order.
std::span<const Migration> embedded_migrations();

struct MigrationReport
{
  std::vector<std::string> applied;  // applied by this call, in order
  std::size_t already_applied = 0;
};

// Applies the migrations not yet recorded in idexx_sync_schema_migrations, each in its own
// transaction, under a session advisory lock (so two concurrent upgrades cannot both migrate).
// Records a SHA-256 checksum per file and throws InvariantError, before applying anything, when an
// applied file's content changed. Running it twice is a no-op. Throws DatabaseUnavailable.
MigrationReport migrate(pqxx::connection& connection, std::span<const Migration> migrations);

} // namespace shared::db
