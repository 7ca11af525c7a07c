#include "shared/db/connection.hpp"

#include "shared/logging/redaction.hpp"

namespace shared::db {

DatabaseConfig load_database_config(const config::ConfigFile& file)
{
  return DatabaseConfig{.conninfo = file.secret("database.uri_file"),
                        .connect_timeout = file.seconds("database.connect_timeout_seconds")};
}

namespace {

bool is_uri(const std::string& conninfo)
{
  return conninfo.rfind("postgres://", 0) == 0 || conninfo.rfind("postgresql://", 0) == 0;
}

std::string host_of(const std::string& conninfo)
{
  return logging::redact_conninfo(conninfo);
}

} // namespace

std::unique_ptr<pqxx::connection> open_connection(const DatabaseConfig& config, std::string_view component)
{
  const std::string& base = config.conninfo.reveal();
  const std::string name = "idexx-sync." + std::string(component);
  const std::string timeout = std::to_string(config.connect_timeout.count());
  std::string conninfo = base;
  if (is_uri(base)) {
    conninfo += (base.find('?') == std::string::npos ? "?" : "&");
    conninfo += "application_name=" + name + "&connect_timeout=" + timeout;
  } else {
    conninfo += " application_name='" + name + "' connect_timeout=" + timeout;
  }
  try {
    return std::make_unique<pqxx::connection>(conninfo);
  } catch (const pqxx::broken_connection&) {
    throw DatabaseUnavailable("cannot connect to Postgres (" + host_of(base) + ") as " + name);
  }
}

std::string sql_array(const std::vector<std::string>& elements)
{
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += '"';
    for (const char c : elements[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string array_literal(const std::vector<std::string>& values)
{
  std::string out = "{";
  for (const auto& value : values) {
    if (out.size() > 1) {
      out += ',';
    }
    out += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

} // namespace shared::db
