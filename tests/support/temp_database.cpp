#include "tests/support/temp_database.hpp"

#include "shared/db/migrator.hpp"
#include "shared/logging/logger.hpp"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

namespace tests {

namespace {

std::string replace_dbname(const std::string& conninfo, const std::string& dbname)
{
  std::string out;
  std::size_t pos = 0;
  bool replaced = false;
  while (pos < conninfo.size()) {
    auto end = conninfo.find(' ', pos);
    if (end == std::string::npos) {
      end = conninfo.size();
    }
    const auto part = conninfo.substr(pos, end - pos);
    if (!part.empty()) {
      out += out.empty() ? "" : " ";
      if (part.rfind("dbname=", 0) == 0) {
        out += "dbname=" + dbname;
        replaced = true;
      } else {
        out += part;
      }
    }
    pos = end + 1;
  }
  if (!replaced) {
    out += " dbname=" + dbname;
  }
  return out;
}

} // namespace

std::string test_server_conninfo()
{
  const char* value = std::getenv("IDEXX_SYNC_TEST_PG");
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error("IDEXX_SYNC_TEST_PG is not set: integration tests need a Postgres server; "
                             "run ./ci/test, which starts one");
  }
  return value;
}

TempDatabase::TempDatabase() : m_server(test_server_conninfo())
{
  static std::atomic<int> counter{0};
  m_name = "idexx_sync_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  try {
    pqxx::connection admin(m_server);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + m_name);
    tx.exec("CREATE DATABASE " + m_name);
  } catch (const pqxx::broken_connection& error) {
    throw std::runtime_error("cannot reach the test Postgres (" + m_server + "): " + error.what() +
                             " -- run ./ci/test, which starts one");
  }
  m_conninfo = replace_dbname(m_server, m_name);
  auto connection = connect("test.migrate");
  // Every test database applies every migration: one line each would drown the test output.
  shared::logging::configure_level(shared::logging::Level::warn);
  shared::db::migrate(*connection, shared::db::embedded_migrations());
}

TempDatabase::~TempDatabase()
{
  const char* keep = std::getenv("IDEXX_SYNC_KEEP_TEST_DB");
  if (keep != nullptr && std::string(keep) == "1") {
    return;
  }
  try {
    pqxx::connection admin(m_server);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover test database is harmless: the server is thrown away after the run.
  }
}

shared::db::DatabaseConfig TempDatabase::config() const
{
  return shared::db::DatabaseConfig{.conninfo = shared::Secret(m_conninfo),
                                    .connect_timeout = std::chrono::seconds{5}};
}

std::unique_ptr<pqxx::connection> TempDatabase::connect(const std::string& component) const
{
  return shared::db::open_connection(config(), component);
}

} // namespace tests
