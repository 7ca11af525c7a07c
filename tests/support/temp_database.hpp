#pragma once

#include "shared/db/connection.hpp"

#include <memory>
#include <string>

namespace tests {

// A fresh database idexx_sync_test_<pid>_<n> on the Postgres that ./ci/test started (its
// connection string is in IDEXX_SYNC_TEST_PG), built with the same migrator `idexx-sync migrate`
// uses. Dropped in the destructor unless IDEXX_SYNC_KEEP_TEST_DB=1. When Postgres is not there it
// throws with the host and the hint "run ./ci/test, which starts one": it never skips.
class TempDatabase
{
public:
  TempDatabase();
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  ~TempDatabase();

  [[nodiscard]] const std::string& name() const { return m_name; }
  // key=value connection string of this database.
  [[nodiscard]] const std::string& conninfo() const { return m_conninfo; }
  // A DatabaseConfig for the production config structs.
  [[nodiscard]] shared::db::DatabaseConfig config() const;
  // A new connection to this database.
  [[nodiscard]] std::unique_ptr<pqxx::connection> connect(const std::string& component = "test") const;

private:
  std::string m_server;   // connection string of the server's maintenance database
  std::string m_name;
  std::string m_conninfo;
};

// IDEXX_SYNC_TEST_PG, or a failure with the hint.
std::string test_server_conninfo();

} // namespace tests
