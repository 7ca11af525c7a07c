#include "shared/audit/audit_chain.hpp"
#include "shared/audit/audit_partitions.hpp"
#include "shared/core/errors.hpp"
#include "tests/support/database_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

using shared::audit::AuditEntry;
using shared::audit::ChainCheck;

namespace {

const std::string k_clinic_a = "0a0a0a0a-0000-4000-8000-00000000000a";
const std::string k_clinic_b = "0b0b0b0b-0000-4000-8000-00000000000b";
const std::string k_agent = "idexx-sync/test (audit)";

AuditEntry entry_for(const std::optional<std::string>& clinic, const std::string& resource,
                     const std::string& details = R"({"count":1,"code":"ok"})")
{
  return AuditEntry{.user_id = std::nullopt,
                    .clinic_id = clinic,
                    .sync_session_id = std::nullopt,
                    .run_id = "run-1",
                    .action_type = "case_updated",
                    .resource_type = "case",
                    .resource_id = resource,
                    .status = "success",
                    .details_json = details,
                    .event_key = "run-1|case_updated|" + resource};
}

// A moment inside the current month's partition, `offset` seconds on: distinct created_at per
// entry.
shared::Instant moment(int offset)
{
  const auto now = std::chrono::floor<std::chrono::seconds>(shared::Clock{}.now());
  return now - std::chrono::minutes{10} + std::chrono::seconds{offset} +
         std::chrono::microseconds{123};
}

bool append(const tests::TempDatabase& database, const AuditEntry& entry, int offset)
{
  auto connection = database.connect();
  pqxx::work tx(*connection);
  const bool written = shared::audit::append_entry(tx, entry, moment(offset), k_agent);
  tx.commit();
  return written;
}

// `count` entries case-1 ... case-<count> in the chain of `clinic`.
void append_chain(const tests::TempDatabase& database, const std::optional<std::string>& clinic,
                  int count)
{
  for (int i = 1; i <= count; ++i) {
    BOOST_REQUIRE(append(database, entry_for(clinic, "case-" + std::to_string(i)), i));
  }
}

void execute(const tests::TempDatabase& database, const std::string& sql)
{
  auto connection = database.connect();
  pqxx::work tx(*connection);
  tx.exec(sql);
  tx.commit();
}

std::string text_of(const tests::TempDatabase& database, const std::string& sql)
{
  auto connection = database.connect();
  pqxx::read_transaction tx(*connection);
  const auto row = tx.exec1(sql);
  return row[0].is_null() ? "" : row[0].as<std::string>();
}

ChainCheck check(const tests::TempDatabase& database,
                 const std::optional<std::string>& chain_key = std::nullopt)
{
  auto connection = database.connect();
  pqxx::read_transaction tx(*connection);
  return shared::audit::check_chains(tx, chain_key);
}

// Asserts that verify_chains names `seq` of `chain_key` with a reason containing `reason`.
void expect_broken(const tests::TempDatabase& database, const std::string& chain_key,
                   std::int64_t seq, const std::string& reason)
{
  auto connection = database.connect();
  pqxx::read_transaction tx(*connection);
  const auto broken = shared::audit::verify_chains(tx, std::nullopt);
  BOOST_REQUIRE_MESSAGE(broken.has_value(), "verify_chains found nothing wrong");
  BOOST_TEST(broken->chain_key == chain_key);
  BOOST_TEST(broken->seq == seq);
  BOOST_TEST(broken->reason.find(reason) != std::string::npos, "reason: " << broken->reason);
}

std::string hash_of(const tests::TempDatabase& database, const std::string& chain_key, int seq)
{
  return text_of(database, "SELECT hash FROM idexx_sync_audit_log WHERE chain_key = '" + chain_key +
                               "' AND seq = " + std::to_string(seq));
}

// Inserts, as the owner and straight in SQL, an entry of clinic A's chain with a hash that is right
// for its content and `prev_hash`: what a forger who knows the serialisation would write.
void insert_forged(const tests::TempDatabase& database, std::int64_t seq,
                   const std::optional<std::string>& prev_hash, shared::Instant created_at)
{
  shared::audit::ChainedEntry forged{.entry = entry_for(k_clinic_a, "forged"),
                                     .chain_key = k_clinic_a,
                                     .seq = seq,
                                     .created_at = shared::format_iso8601(created_at),
                                     .user_agent = k_agent,
                                     .ip_address = std::nullopt,
                                     .prev_hash = prev_hash,
                                     .hash = ""};
  forged.hash = shared::audit::entry_hash(forged);
  auto connection = database.connect();
  pqxx::work tx(*connection);
  const auto& e = forged.entry;
  tx.exec_params(
      "INSERT INTO idexx_sync_audit_log (clinic_id, action_type, resource_type, resource_id, "
      "status, "
      "user_agent, details, created_at, run_id, chain_key, seq, prev_hash, hash, event_key) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::timestamptz, $9, $10, $11, $12, $13, $14)",
      e.clinic_id, e.action_type, e.resource_type, e.resource_id, e.status, k_agent, e.details_json,
      forged.created_at, e.run_id, forged.chain_key, forged.seq, forged.prev_hash, forged.hash,
      e.event_key);
  tx.commit();
}

std::string partition_name(const tests::TempDatabase& database, const std::string& month_expression)
{
  return text_of(database, "SELECT format('idexx_sync_audit_log_p%s', to_char(" + month_expression +
                               ", 'YYYYMM'))");
}

bool table_exists(const tests::TempDatabase& database, const std::string& name)
{
  return text_of(database, "SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(audit_chain, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(appending_the_same_event_key_twice_writes_one_entry)
{
  BOOST_TEST(append(database, entry_for(k_clinic_a, "case-1"), 1));
  BOOST_TEST(!append(database, entry_for(k_clinic_a, "case-1"), 2));
  BOOST_TEST(text_of(database, "SELECT count(*) FROM idexx_sync_audit_log") == "1");
  BOOST_TEST(text_of(database, "SELECT last_seq FROM audit_chain_heads WHERE chain_key = '" +
                                   k_clinic_a + "'") == "1");
  const auto result = check(database);
  BOOST_TEST(!result.broken.has_value());
  BOOST_TEST(result.entries == 1);
}

BOOST_AUTO_TEST_CASE(two_chains_are_independent_and_each_starts_at_seq_1)
{
  append_chain(database, k_clinic_a, 3);
  append_chain(database, k_clinic_b, 2);
  append_chain(database, std::nullopt, 1); // the global chain
  BOOST_TEST(text_of(database,
                     "SELECT string_agg(chain_key || ':' || seq, ',' ORDER BY chain_key, seq) "
                     "FROM idexx_sync_audit_log") == k_clinic_a + ":1," + k_clinic_a + ":2," +
                                                         k_clinic_a + ":3," + k_clinic_b + ":1," +
                                                         k_clinic_b + ":2,global:1");
  const auto all = check(database);
  BOOST_TEST(!all.broken.has_value());
  BOOST_TEST(all.entries == 6);
  BOOST_TEST(all.chains == 3);

  // The same event key in another chain is another entry; a break in A leaves B intact.
  BOOST_TEST(append(database, entry_for(k_clinic_b, "case-1"), 9) == false);
  execute(database, "UPDATE idexx_sync_audit_log SET status = 'failure' WHERE chain_key = '" +
                        k_clinic_a + "' AND seq = 2");
  const auto only_b = check(database, k_clinic_b);
  BOOST_TEST(!only_b.broken.has_value());
  BOOST_TEST(only_b.entries == 2);
  BOOST_TEST(only_b.chains == 1);
  expect_broken(database, k_clinic_a, 2, "hash mismatch");
}

BOOST_AUTO_TEST_CASE(an_entry_whose_details_were_edited_is_named)
{
  append_chain(database, k_clinic_a, 3);
  BOOST_REQUIRE(!check(database).broken.has_value());
  execute(database, "UPDATE idexx_sync_audit_log SET details = '{\"count\": 2, \"code\": \"ok\"}' "
                    "WHERE chain_key = '" +
                        k_clinic_a + "' AND seq = 2");
  expect_broken(database, k_clinic_a, 2, "hash mismatch");
}

BOOST_AUTO_TEST_CASE(an_entry_whose_status_was_edited_is_named)
{
  append_chain(database, k_clinic_a, 3);
  execute(database, "UPDATE idexx_sync_audit_log SET status = 'failure' WHERE chain_key = '" +
                        k_clinic_a + "' AND seq = 3");
  expect_broken(database, k_clinic_a, 3, "hash mismatch");
}

BOOST_AUTO_TEST_CASE(an_entry_whose_user_agent_was_edited_or_details_nulled_is_named)
{
  append_chain(database, k_clinic_a, 2);
  BOOST_TEST(append(database, entry_for(k_clinic_a, "case-empty", "{}"), 3));
  execute(database, "UPDATE idexx_sync_audit_log SET details = NULL WHERE chain_key = '" +
                        k_clinic_a + "' AND seq = 3");
  expect_broken(database, k_clinic_a, 3, "is NULL");
  execute(database,
          "UPDATE idexx_sync_audit_log SET user_agent = 'someone else' WHERE chain_key = '" +
              k_clinic_a + "' AND seq = 1");
  expect_broken(database, k_clinic_a, 1, "hash mismatch");
}

BOOST_AUTO_TEST_CASE(an_entry_deleted_from_the_middle_is_named)
{
  append_chain(database, k_clinic_a, 4);
  execute(database,
          "DELETE FROM idexx_sync_audit_log WHERE chain_key = '" + k_clinic_a + "' AND seq = 2");
  expect_broken(database, k_clinic_a, 2, "missing entry");
}

BOOST_AUTO_TEST_CASE(the_newest_entry_deleted_is_named_through_the_chain_head)
{
  append_chain(database, k_clinic_a, 3);
  execute(database,
          "DELETE FROM idexx_sync_audit_log WHERE chain_key = '" + k_clinic_a + "' AND seq = 3");
  expect_broken(database, k_clinic_a, 3, "missing entry");
}

BOOST_AUTO_TEST_CASE(two_entries_whose_seq_were_swapped_are_named)
{
  append_chain(database, k_clinic_a, 4);
  const std::string chain = "chain_key = '" + k_clinic_a + "'";
  // Three steps: the per-partition unique (chain_key, seq) index refuses a swap in one statement.
  execute(database, "UPDATE idexx_sync_audit_log SET seq = 1000 WHERE " + chain + " AND seq = 2");
  execute(database, "UPDATE idexx_sync_audit_log SET seq = 2 WHERE " + chain + " AND seq = 3");
  execute(database, "UPDATE idexx_sync_audit_log SET seq = 3 WHERE " + chain + " AND seq = 1000");
  expect_broken(database, k_clinic_a, 2, "prev_hash does not match");
}

BOOST_AUTO_TEST_CASE(two_entries_whose_created_at_were_swapped_are_named)
{
  append_chain(database, k_clinic_a, 3);
  const std::string chain = "chain_key = '" + k_clinic_a + "'";
  execute(database, "UPDATE idexx_sync_audit_log l SET created_at = CASE l.seq "
                    "WHEN 2 THEN (SELECT created_at FROM idexx_sync_audit_log WHERE " +
                        chain +
                        " AND seq = 3) "
                        "ELSE (SELECT created_at FROM idexx_sync_audit_log WHERE " +
                        chain +
                        " AND seq = 2) END "
                        "WHERE " +
                        chain + " AND l.seq IN (2, 3)");
  expect_broken(database, k_clinic_a, 2, "hash mismatch");
}

BOOST_AUTO_TEST_CASE(an_entry_inserted_with_a_duplicate_seq_in_another_months_partition_is_named)
{
  append_chain(database, k_clinic_a, 3);
  // Two years back: no monthly partition, so the default one takes it and its unique index does not
  // see the real seq 2. Its hash is right for its content and it links to seq 1.
  insert_forged(database, 2, hash_of(database, k_clinic_a, 1),
                moment(0) - std::chrono::hours{24 * 730});
  BOOST_TEST(text_of(database, "SELECT count(*) FROM idexx_sync_audit_log_default") == "1");
  expect_broken(database, k_clinic_a, 2, "duplicate seq");
}

BOOST_AUTO_TEST_CASE(an_entry_inserted_after_the_newest_one_without_an_append_is_named)
{
  append_chain(database, k_clinic_a, 3);
  insert_forged(database, 4, hash_of(database, k_clinic_a, 3), moment(10));
  expect_broken(database, k_clinic_a, 4, "past the chain head");
}

BOOST_AUTO_TEST_CASE(a_tampered_or_deleted_chain_head_is_named)
{
  append_chain(database, k_clinic_a, 2);
  execute(database, "UPDATE audit_chain_heads SET last_hash = repeat('0', 64) WHERE chain_key = '" +
                        k_clinic_a + "'");
  expect_broken(database, k_clinic_a, 2, "head's hash");
  execute(database, "DELETE FROM audit_chain_heads WHERE chain_key = '" + k_clinic_a + "'");
  expect_broken(database, k_clinic_a, 2, "no head");
}

BOOST_AUTO_TEST_CASE(the_pipeline_role_may_append_and_verify_but_not_update_or_delete_audit_rows)
{
  append_chain(database, k_clinic_a, 2);
  auto connection = database.connect();
  {
    pqxx::work tx(*connection);
    tx.exec("SET ROLE idexx_sync_pipeline");
    BOOST_TEST(
        shared::audit::append_entry(tx, entry_for(k_clinic_a, "case-3"), moment(3), k_agent));
    const auto result = shared::audit::check_chains(tx, std::nullopt);
    BOOST_TEST(!result.broken.has_value());
    BOOST_TEST(result.entries == 3);
    tx.commit();
  }
  for (const std::string statement :
       {"UPDATE idexx_sync_audit_log SET status = 'failure' WHERE seq = 1",
        "DELETE FROM idexx_sync_audit_log WHERE seq = 2", "TRUNCATE idexx_sync_audit_log"}) {
    pqxx::work tx(*connection);
    tx.exec("SET ROLE idexx_sync_pipeline");
    BOOST_CHECK_THROW(tx.exec(statement), pqxx::insufficient_privilege);
  }
  BOOST_TEST(text_of(database,
                     "SELECT count(*) FROM idexx_sync_audit_log WHERE status = 'success'") == "3");
  BOOST_TEST(!check(database).broken.has_value());
}

BOOST_AUTO_TEST_CASE(maintain_creates_the_months_ahead_and_a_second_run_creates_nothing)
{
  const auto fifth = partition_name(
      database, "date_trunc('month', now() AT TIME ZONE 'UTC') + interval '5 months'");
  const auto sixth = partition_name(
      database, "date_trunc('month', now() AT TIME ZONE 'UTC') + interval '6 months'");
  BOOST_REQUIRE(!table_exists(database, fifth));
  auto connection = database.connect();
  const auto now = shared::Clock{}.now();
  const auto first = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    return shared::audit::maintain_partitions(tx, now, 5, 6);
  });
  // The migration made this month and the next three; months four and five are new.
  BOOST_REQUIRE(first.created.size() == 2U);
  BOOST_TEST(first.created.back().name == fifth);
  BOOST_TEST(table_exists(database, fifth));
  BOOST_TEST(!table_exists(database, sixth));
  BOOST_TEST(first.dropped.empty());
  const auto second = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    return shared::audit::maintain_partitions(tx, now, 5, 6);
  });
  BOOST_TEST(second.created.empty());
}

BOOST_AUTO_TEST_CASE(
    maintain_moves_a_months_rows_out_of_the_default_partition_when_it_creates_that_month)
{
  append_chain(database, k_clinic_a, 2);
  // An entry five months ahead (a clock far off) lands in the default partition.
  auto connection = database.connect();
  {
    pqxx::work tx(*connection);
    BOOST_TEST(shared::audit::append_entry(tx, entry_for(k_clinic_a, "case-3"),
                                           moment(0) + std::chrono::hours{24 * 31 * 5}, k_agent));
    tx.commit();
  }
  BOOST_TEST(text_of(database, "SELECT count(*) FROM idexx_sync_audit_log_default") == "1");
  const auto upkeep = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    return shared::audit::maintain_partitions(tx, shared::Clock{}.now(), 6, 6);
  });
  std::int64_t moved = 0;
  for (const auto& partition : upkeep.created) {
    moved += partition.rows;
  }
  BOOST_TEST(moved == 1);
  BOOST_TEST(text_of(database, "SELECT count(*) FROM idexx_sync_audit_log_default") == "0");
  BOOST_TEST(text_of(database, "SELECT count(*) FROM idexx_sync_audit_log") == "3");
  BOOST_TEST(!check(database).broken.has_value());
}

BOOST_AUTO_TEST_CASE(
    maintain_drops_only_partitions_wholly_older_than_six_years_and_keeps_the_default_one)
{
  // One partition ending before the cutoff (now - 6 years), one straddling it, each with a row.
  const std::string old_month =
      "date_trunc('month', (now() - interval '6 years') AT TIME ZONE 'UTC') - interval '1 month'";
  const std::string edge_month =
      "date_trunc('month', (now() - interval '6 years') AT TIME ZONE 'UTC')";
  const auto old_name = partition_name(database, old_month);
  const auto edge_name = partition_name(database, edge_month);
  for (const auto& month : {old_month, edge_month}) {
    execute(database, "SELECT idexx_sync_audit_ensure_partition((" + month + ")::date)");
    execute(database, "INSERT INTO idexx_sync_audit_log (action_type, status, created_at) "
                      "VALUES ('sync_started', 'success', ((" +
                          month + ") + interval '1 hour') AT TIME ZONE 'UTC')");
  }
  execute(
      database,
      "INSERT INTO idexx_sync_audit_log (action_type, status, created_at) "
      "VALUES ('sync_started', 'success', now() - interval '10 years')"); // the default partition
  BOOST_REQUIRE(table_exists(database, old_name));
  BOOST_TEST(text_of(database, "SELECT count(*) FROM " + old_name) == "1");

  auto connection = database.connect();
  const auto upkeep = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    return shared::audit::maintain_partitions(tx, shared::Clock{}.now(), 3, 6);
  });
  BOOST_REQUIRE(upkeep.dropped.size() == 1U);
  BOOST_TEST(upkeep.dropped.front().name == old_name);
  BOOST_TEST(upkeep.dropped.front().rows == 1);
  BOOST_TEST(!table_exists(database, old_name));
  BOOST_TEST(table_exists(database, edge_name));
  BOOST_TEST(table_exists(database, "idexx_sync_audit_log_default"));
  BOOST_TEST(text_of(database, "SELECT count(*) FROM idexx_sync_audit_log_default") == "1");
  BOOST_TEST(text_of(database, "SELECT count(*) FROM " + edge_name) == "1");
}

BOOST_AUTO_TEST_CASE(maintain_refuses_the_pipeline_role_and_a_retention_under_six_years)
{
  auto connection = database.connect();
  {
    pqxx::work tx(*connection);
    tx.exec("SET ROLE idexx_sync_pipeline");
    BOOST_CHECK_THROW(shared::audit::maintain_partitions(tx, shared::Clock{}.now(), 3, 6),
                      shared::ConfigError);
  }
  pqxx::work tx(*connection);
  BOOST_CHECK_THROW(shared::audit::maintain_partitions(tx, shared::Clock{}.now(), 3, 5),
                    shared::UsageError);
}

BOOST_AUTO_TEST_SUITE_END()
