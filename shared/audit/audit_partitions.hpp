#pragma once

#include "shared/core/clock.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <string>
#include <vector>

namespace shared::audit {

// One monthly partition of idexx_sync_audit_log.
struct AuditPartition
{
  std::string name;      // idexx_sync_audit_log_pYYYYMM
  std::string first_day; // YYYY-MM-DD, UTC: the range starts here ...
  std::string end_day;   // ... and ends before this day
  std::int64_t rows = 0; // created: rows moved in from the default partition; dropped: rows dropped
};

struct PartitionUpkeep
{
  std::vector<AuditPartition> created;
  std::vector<AuditPartition> dropped;
  std::vector<AuditPartition> kept_old; // past the cutoff by range, yet holding younger rows: kept
  std::string cutoff;                   // ISO-8601: partitions ending on or before it were dropped
};

// The audit log's partition upkeep (architecture.md, Decision 11), in `tx`, which must be a
// connection of the owner role: throws ConfigError before touching anything when the current role
// does not own idexx_sync_audit_log (the pipeline role never does). Creates the partitions of the
// month of `now` (UTC) and of the `months_ahead` following months through
// idexx_sync_audit_ensure_partition (migration 0014); rows of such a month already sitting in the
// default partition are moved into the new partition in the same transaction. Drops every partition
// other than the default one whose whole range ends on or before `now` minus `retention_years`,
// unless it still holds a row younger than that. Serialised by a transaction advisory lock, so
// the migration hook and the weekly CronJob cannot collide. Throws UsageError when
// `retention_years` < 6 (HIPAA) or `months_ahead` is outside 0-120.
PartitionUpkeep maintain_partitions(pqxx::work& tx, Instant now, int months_ahead,
                                    int retention_years);

} // namespace shared::audit
