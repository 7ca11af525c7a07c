#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/errors.hpp"
#include "shared/core/secret.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

namespace shared::db {

// Postgres cannot be reached, or the connection broke. libpqxx 6.4 reports a refused password the
// same way as a server that is down, so the message names the host and the component, never the cause.
class DatabaseUnavailable : public TransientError
{
public:
  using TransientError::TransientError;
};

struct DatabaseConfig
{
  Secret conninfo;                        // "database.uri_file": a URI or key=value string
  std::chrono::seconds connect_timeout{10}; // "database.connect_timeout_seconds"
};

// Reads `database.uri_file` and `database.connect_timeout_seconds`. Throws ConfigError.
DatabaseConfig load_database_config(const config::ConfigFile& file);

// Connects with application_name=idexx-sync.<component>, so pg_stat_activity names who holds a
// lock. Throws DatabaseUnavailable.
std::unique_ptr<pqxx::connection> open_connection(const DatabaseConfig& config, std::string_view component);

// A Postgres array literal of `values`, each double-quoted and escaped: `{"a","b"}`. Binds a whole
// list to one parameter (`= ANY($1::uuid[])`, `unnest($1::text[])`) so a batch is one round trip.
std::string array_literal(const std::vector<std::string>& values);

// A named SQL statement; the name becomes the prepared statement's name.
struct Query
{
  std::string_view name;
  std::string_view sql;
};

// Prepares `query` on the transaction's connection (a no-op after the first time) and executes it.
template <typename... Args>
pqxx::result run(pqxx::transaction_base& tx, const Query& query, Args&&... args)
{
  const std::string name(query.name);
  tx.conn().prepare(name, std::string(query.sql));
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

// Runs `body` in a pqxx::work and commits it; retries on serialization failures and deadlocks (a few
// times), and turns a broken connection into DatabaseUnavailable.
template <typename Body>
auto with_transaction(pqxx::connection& connection, Body&& body)
{
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::work tx(connection);
      if constexpr (std::is_void_v<decltype(body(tx))>) {
        body(tx);
        tx.commit();
        return;
      } else {
        auto result = body(tx);
        tx.commit();
        return result;
      }
    } catch (const pqxx::serialization_failure&) {
      if (attempt >= 5) {
        throw;
      }
    } catch (const pqxx::deadlock_detected&) {
      if (attempt >= 5) {
        throw;
      }
    } catch (const pqxx::broken_connection& error) {
      throw DatabaseUnavailable(std::string("database connection lost: ") + error.what());
    }
  }
}

// `{a,b,"c d"}`: a Postgres array literal for libpqxx 6.4, which takes no container parameters.
std::string sql_array(const std::vector<std::string>& elements);

} // namespace shared::db
