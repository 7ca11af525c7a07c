#include "shared/audit/audit_partitions.hpp"

#include "shared/core/errors.hpp"
#include "shared/db/connection.hpp"

namespace shared::audit {

namespace {

using db::Query;

constexpr int k_min_retention_years = 6; // HIPAA: six years (data-model.md §11)
constexpr int k_max_months_ahead = 120;

constexpr Query k_lock{
    "audit.lock_partition_upkeep",
    "SELECT pg_advisory_xact_lock(hashtext('idexx-sync.audit-partition-upkeep'))"};

constexpr Query k_owner_check{"audit.check_log_owner", R"sql(
  SELECT current_user::text, pg_has_role(current_user, c.relowner, 'USAGE')
    FROM pg_class c WHERE c.oid = 'idexx_sync_audit_log'::regclass)sql"};

constexpr Query k_months{"audit.months_ahead", R"sql(
  SELECT format('idexx_sync_audit_log_p%s', to_char(first_day, 'YYYYMM')),
         to_char(first_day, 'YYYY-MM-DD'), to_char(first_day + interval '1 month', 'YYYY-MM-DD'),
         to_regclass(format('idexx_sync_audit_log_p%s', to_char(first_day, 'YYYYMM'))) IS NOT NULL
    FROM (SELECT (date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') + make_interval(months => i))::date
            FROM generate_series(0, $2::int) AS i) AS months(first_day)
   ORDER BY first_day)sql"};

// A month's rows in the default partition would make creating its partition fail ("updated
// partition constraint for default partition would be violated"): park them, create, put back.
constexpr std::string_view k_park_table = "CREATE TEMP TABLE IF NOT EXISTS idexx_sync_audit_parked "
                                          "(LIKE idexx_sync_audit_log) ON COMMIT DROP";

constexpr Query k_park_rows{"audit.park_default_rows", R"sql(
  WITH moved AS (
    DELETE FROM idexx_sync_audit_log_default
     WHERE created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
       AND created_at < ($2::date)::timestamp AT TIME ZONE 'UTC'
    RETURNING *)
  INSERT INTO idexx_sync_audit_parked SELECT * FROM moved)sql"};

constexpr Query k_ensure{"audit.ensure_partition",
                         "SELECT idexx_sync_audit_ensure_partition($1::date)"};

constexpr Query k_unpark_rows{"audit.unpark_rows", R"sql(
  WITH moved AS (DELETE FROM idexx_sync_audit_parked RETURNING *)
  INSERT INTO idexx_sync_audit_log SELECT * FROM moved)sql"};

// Range partitions of the log (the default one has no bounds and never matches) ending on or before
// the cutoff. The bounds are read back from the catalogue, not from the partition's name.
constexpr Query k_expired{"audit.expired_partitions", R"sql(
  SELECT name, to_char(lower_bound AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
         to_char(upper_bound AT TIME ZONE 'UTC', 'YYYY-MM-DD')
    FROM (SELECT c.relname::text AS name, bounds[1]::timestamptz AS lower_bound, bounds[2]::timestamptz AS upper_bound
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
           CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                           '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$') AS bounds
           WHERE i.inhparent = 'idexx_sync_audit_log'::regclass) AS partitions
   WHERE upper_bound <= $1::timestamptz - make_interval(years => $2::int)
   ORDER BY lower_bound)sql"};

constexpr Query k_cutoff{"audit.retention_cutoff", R"sql(
  SELECT to_char(($1::timestamptz - make_interval(years => $2::int)) AT TIME ZONE 'UTC',
                 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))sql"};

} // namespace

PartitionUpkeep maintain_partitions(pqxx::work& tx, Instant now, int months_ahead,
                                    int retention_years)
{
  if (retention_years < k_min_retention_years) {
    throw UsageError("--retention-years: audit entries are kept at least six years (HIPAA), got " +
                     std::to_string(retention_years));
  }
  if (months_ahead < 0 || months_ahead > k_max_months_ahead) {
    throw UsageError("--months-ahead: expected 0-120, got " + std::to_string(months_ahead));
  }
  const auto owner = db::run(tx, k_owner_check);
  if (owner.empty() || !owner[0][1].as<bool>()) {
    throw ConfigError(
        "audit partition upkeep needs the owner role of idexx_sync_audit_log; connected as " +
        (owner.empty() ? std::string("?") : owner[0][0].as<std::string>()) +
        " (never run it with the pipeline role)");
  }
  db::run(tx, k_lock);
  tx.exec("SET LOCAL lock_timeout = '60s'");

  PartitionUpkeep upkeep;
  const auto now_text = format_iso8601(now);
  for (const auto& month : db::run(tx, k_months, now_text, months_ahead)) {
    if (month[3].as<bool>()) {
      continue;
    }
    AuditPartition partition{.name = month[0].as<std::string>(),
                             .first_day = month[1].as<std::string>(),
                             .end_day = month[2].as<std::string>(),
                             .rows = 0};
    tx.exec(std::string(k_park_table));
    partition.rows =
        db::run(tx, k_park_rows, partition.first_day, partition.end_day).affected_rows();
    db::run(tx, k_ensure, partition.first_day);
    db::run(tx, k_unpark_rows);
    upkeep.created.push_back(partition);
  }

  upkeep.cutoff = db::run(tx, k_cutoff, now_text, retention_years)[0][0].as<std::string>();
  for (const auto& row : db::run(tx, k_expired, now_text, retention_years)) {
    AuditPartition partition{.name = row[0].as<std::string>(),
                             .first_day = row[1].as<std::string>(),
                             .end_day = row[2].as<std::string>(),
                             .rows = 0};
    const auto table = tx.quote_name(partition.name);
    // The range says every row is old; the rows are checked too, so a partition is never dropped
    // with a younger row in it, whatever its bounds claim.
    const auto younger = tx.exec_params1(
        "SELECT count(*) FILTER (WHERE created_at > $1::timestamptz), count(*) FROM " + table,
        upkeep.cutoff);
    partition.rows = younger[1].as<std::int64_t>();
    if (younger[0].as<std::int64_t>() > 0) {
      upkeep.kept_old.push_back(partition);
      continue;
    }
    tx.exec("DROP TABLE " + table);
    upkeep.dropped.push_back(partition);
  }
  return upkeep;
}

} // namespace shared::audit
