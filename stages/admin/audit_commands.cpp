#include "shared/audit/audit_chain.hpp"
#include "shared/audit/audit_partitions.hpp"
#include "shared/core/errors.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"
#include "stages/admin/admin_commands.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <ostream>
#include <string>

namespace admin {

namespace {

std::optional<shared::Instant> instant_flag(const shared::app::CommandContext& context,
                                            std::string_view name)
{
  const auto text = context.flags().value(name);
  if (!text) {
    return std::nullopt;
  }
  try {
    return shared::parse_iso8601(*text);
  } catch (const shared::DataError&) {
    throw shared::UsageError("--" + std::string(name) +
                             ": expected an ISO-8601 instant with offset, such as "
                             "2026-03-09T14:30:00Z, got '" +
                             *text + "'");
  }
}

int integer_flag(const shared::app::CommandContext& context, std::string_view name, int fallback)
{
  const auto text = context.flags().value(name);
  if (!text) {
    return fallback;
  }
  if (text->empty() || text->size() > 4 || !std::all_of(text->begin(), text->end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    throw shared::UsageError("--" + std::string(name) + ": expected a whole number, got '" + *text +
                             "'");
  }
  return std::stoi(*text);
}

// The chain key of a clinic is its id as lower-case text.
std::string clinic_chain_key(std::string clinic)
{
  for (auto& c : clinic) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  bool uuid = clinic.size() == 36;
  for (std::size_t at = 0; uuid && at < clinic.size(); ++at) {
    const bool dash = at == 8 || at == 13 || at == 18 || at == 23;
    uuid = dash ? clinic[at] == '-' : std::isxdigit(static_cast<unsigned char>(clinic[at])) != 0;
  }
  if (!uuid) {
    throw shared::UsageError("--clinic: expected a UUID, got '" + clinic + "'");
  }
  return clinic;
}

void print(std::ostream& out, std::string_view verb, const shared::audit::AuditPartition& partition,
           std::string_view rows_meaning)
{
  out << verb << " " << partition.name << " [" << partition.first_day << ", " << partition.end_day
      << ")";
  if (partition.rows > 0) {
    out << ", " << partition.rows << " " << rows_meaning;
  }
  out << "\n";
}

} // namespace

int audit_verify(shared::app::CommandContext& context)
{
  const auto clinic = context.flags().value("clinic");
  const auto chain_key =
      clinic ? std::optional<std::string>(clinic_chain_key(*clinic)) : std::nullopt;
  const auto from = instant_flag(context, "from");
  const auto to = instant_flag(context, "to");
  if (from && to && *from > *to) {
    throw shared::UsageError("--from is after --to");
  }
  auto connection = shared::db::open_connection(shared::db::load_database_config(context.config()),
                                                "admin.audit");
  // One snapshot for the entries and the chain heads: appends running meanwhile are not half seen.
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(*connection);
  const auto check = shared::audit::check_chains(tx, chain_key, from, to);
  tx.commit();
  if (check.broken) {
    const auto& broken = *check.broken;
    shared::logging::error(
        "audit.chain_broken",
        {{"chain_key", broken.chain_key}, {"seq", broken.seq}, {"reason", broken.reason}});
    context.out() << "audit chain broken: chain " << broken.chain_key << ", seq " << broken.seq
                  << ": " << broken.reason << "\n";
    return 1;
  }
  context.out() << "audit chains intact (" << check.entries << " entries in " << check.chains
                << " chains)\n";
  return 0;
}

int audit_maintain(shared::app::CommandContext& context)
{
  const int months_ahead = integer_flag(context, "months-ahead", 3);
  const int retention_years = integer_flag(context, "retention-years", 6);
  auto connection = shared::db::open_connection(shared::db::load_database_config(context.config()),
                                                "admin.audit-maintain");
  const auto upkeep = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    return shared::audit::maintain_partitions(tx, context.clock().now(), months_ahead,
                                              retention_years);
  });
  auto& out = context.out();
  for (const auto& partition : upkeep.created) {
    print(out, "created", partition, "rows moved in from the default partition");
  }
  for (const auto& partition : upkeep.dropped) {
    print(out, "dropped", partition, "rows older than the retention");
  }
  for (const auto& partition : upkeep.kept_old) {
    print(out, "kept   ", partition, "rows, some younger than the retention");
  }
  out << "audit maintain: " << upkeep.created.size() << " created, " << upkeep.dropped.size()
      << " dropped (retention " << retention_years << " years: ranges ending by " << upkeep.cutoff
      << ")\n";
  shared::logging::info("audit.partitions_maintained", {{"created", upkeep.created.size()},
                                                        {"dropped", upkeep.dropped.size()},
                                                        {"kept_old", upkeep.kept_old.size()}});
  return 0;
}

} // namespace admin
