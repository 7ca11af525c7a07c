#include "shared/core/errors.hpp"
#include "shared/db/migrator.hpp"
#include "shared/metrics/run_metrics.hpp"
#include "shared/runs/run_ledger.hpp"
#include "shared/runs/work_queue.hpp"
#include "tests/support/database_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace shared::runs;
using shared::RunId;

namespace {

const auto k_from = shared::parse_iso8601("2026-03-07T12:00:00Z");
const auto k_to = shared::parse_iso8601("2026-03-09T12:00:00Z");

// Two clinics with work items in run `run`.
void add_clinics(pqxx::connection& connection, const std::string& run, int count)
{
  pqxx::work tx(connection);
  for (int i = 0; i < count; ++i) {
    const auto id = tx.exec1("INSERT INTO clinics (name) VALUES ('Clinic " + run + " " + std::to_string(i) +
                             "') RETURNING id")[0]
                        .as<std::string>();
    tx.exec_params("INSERT INTO sync_work_items (run_id, clinic_id, state, window_start, window_end) "
                   "VALUES ($1, $2, 'pending', now() - interval '48 hours', now())",
                   run, id);
  }
  tx.commit();
}

std::string state_of(pqxx::connection& connection, std::int64_t item)
{
  pqxx::read_transaction tx(connection);
  return tx.exec_params1("SELECT state FROM sync_work_items WHERE id = $1", item)[0].as<std::string>();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(db_migrator, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(a_new_migration_is_applied_once_and_an_edited_one_is_refused)
{
  auto connection = database.connect();
  std::vector<shared::db::Migration> migrations(shared::db::embedded_migrations().begin(),
                                                shared::db::embedded_migrations().end());
  migrations.push_back({"9999_create_probe.sql", "CREATE TABLE probe (x int);"});
  const auto first = shared::db::migrate(*connection, migrations);
  BOOST_TEST(first.applied == std::vector<std::string>{"9999_create_probe.sql"});
  BOOST_TEST(shared::db::migrate(*connection, migrations).applied.empty());
  migrations.back().sql = "CREATE TABLE probe (x bigint);";
  BOOST_CHECK_EXCEPTION(shared::db::migrate(*connection, migrations), shared::InvariantError,
                        [](const shared::InvariantError& e) {
                          return std::string(e.what()).find("9999_create_probe.sql was edited") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(runs_run_ledger, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(a_second_job_while_a_run_is_open_records_its_run_as_skipped)
{
  auto connection = database.connect();
  RunLedger ledger(*connection, {});
  BOOST_TEST((ledger.open_or_join(RunId{"job-a"}, Trigger::scheduled, k_from, k_to) == Membership::working));
  BOOST_TEST((ledger.open_or_join(RunId{"job-a"}, Trigger::scheduled, k_from, k_to) == Membership::working));
  BOOST_TEST((ledger.open_or_join(RunId{"job-b"}, Trigger::manual, k_from, k_to) == Membership::skipped));
  BOOST_TEST((ledger.join(RunId{"job-b"}) == Membership::skipped));
  BOOST_TEST((ledger.join(RunId{"job-c"}) == Membership::absent));
}

BOOST_AUTO_TEST_CASE(a_run_without_heartbeat_is_failed_as_abandoned_and_replaced)
{
  auto connection = database.connect();
  RunLedger ledger(*connection, {.abandon_after = std::chrono::seconds{10}});
  ledger.open_or_join(RunId{"old"}, Trigger::scheduled, k_from, k_to);
  {
    pqxx::work tx(*connection);
    tx.exec("UPDATE sync_runs SET heartbeat_at = now() - interval '1 hour' WHERE run_id = 'old'");
    tx.commit();
  }
  BOOST_TEST((ledger.open_or_join(RunId{"new"}, Trigger::scheduled, k_from, k_to) == Membership::working));
  pqxx::read_transaction tx(*connection);
  const auto row = tx.exec1("SELECT status, error FROM sync_runs WHERE run_id = 'old'");
  BOOST_TEST(row[0].as<std::string>() == "failed");
  BOOST_TEST(row[1].as<std::string>() == "abandoned");
}

BOOST_AUTO_TEST_CASE(only_the_caller_that_finds_no_open_clinic_closes_the_run)
{
  auto connection = database.connect();
  RunLedger ledger(*connection, {});
  ledger.open_or_join(RunId{"r"}, Trigger::manual, k_from, k_to);
  add_clinics(*connection, "r", 2);
  BOOST_TEST(!ledger.try_close(RunId{"r"}).has_value());
  {
    pqxx::work tx(*connection);
    tx.exec("UPDATE sync_work_items SET state = 'done' WHERE run_id = 'r' AND id = (SELECT min(id) FROM sync_work_items)");
    tx.exec("UPDATE sync_work_items SET state = 'failed', error_code = 'invalid_credentials' WHERE run_id = 'r' AND state <> 'done'");
    tx.commit();
  }
  const auto closed = ledger.try_close(RunId{"r"});
  BOOST_REQUIRE(closed.has_value());
  BOOST_TEST((*closed == RunStatus::completed_with_failures));
  BOOST_TEST(!ledger.try_close(RunId{"r"}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(runs_work_queue, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(two_workers_never_hold_the_same_clinic)
{
  auto setup = database.connect();
  RunLedger(*setup, {}).open_or_join(RunId{"q"}, Trigger::manual, k_from, k_to);
  add_clinics(*setup, "q", 20);
  std::vector<std::int64_t> claimed_a;
  std::vector<std::int64_t> claimed_b;
  const auto worker = [&](const std::string& name, std::vector<std::int64_t>& claimed) {
    auto connection = database.connect();
    WorkQueue queue(*connection, name, {});
    while (auto item = queue.claim_next(RunId{"q"}, k_extract_states)) {
      claimed.push_back(item->id);
    }
  };
  std::thread a(worker, "worker-a", std::ref(claimed_a));
  std::thread b(worker, "worker-b", std::ref(claimed_b));
  a.join();
  b.join();
  BOOST_TEST(claimed_a.size() + claimed_b.size() == 20U);
  for (const auto id : claimed_a) {
    BOOST_TEST((std::find(claimed_b.begin(), claimed_b.end(), id) == claimed_b.end()), "clinic item " << id << " claimed twice");
  }
}

BOOST_AUTO_TEST_CASE(an_expired_lease_is_claimed_again_and_the_old_owner_cannot_commit)
{
  auto connection = database.connect();
  RunLedger(*connection, {}).open_or_join(RunId{"l"}, Trigger::manual, k_from, k_to);
  add_clinics(*connection, "l", 1);
  WorkQueue first(*connection, "first", {.lease = std::chrono::seconds{1}, .max_attempts = 3});
  const auto item = first.claim_next(RunId{"l"}, k_extract_states);
  BOOST_REQUIRE(item.has_value());
  WorkQueue second(*connection, "second", {.lease = std::chrono::seconds{60}, .max_attempts = 3});
  BOOST_TEST(!second.claim_next(RunId{"l"}, k_extract_states).has_value()); // the lease is live
  std::this_thread::sleep_for(std::chrono::milliseconds{1200});
  const auto taken = second.claim_next(RunId{"l"}, k_extract_states);
  BOOST_REQUIRE(taken.has_value());
  BOOST_TEST(taken->id == item->id);
  BOOST_TEST(taken->attempts == 2);
  pqxx::work tx(*connection);
  BOOST_CHECK_THROW(first.advance(tx, *item, k_extract_states), LeaseLost);
  tx.abort();
  pqxx::work ok(*connection);
  second.advance(ok, *taken, k_extract_states);
  ok.commit();
  BOOST_TEST(state_of(*connection, item->id) == "extracted");
}

BOOST_AUTO_TEST_CASE(a_failed_clinic_keeps_its_code_and_a_later_stage_does_not_claim_it)
{
  auto connection = database.connect();
  RunLedger(*connection, {}).open_or_join(RunId{"f"}, Trigger::manual, k_from, k_to);
  add_clinics(*connection, "f", 1);
  WorkQueue queue(*connection, "w", {});
  const auto item = queue.claim_next(RunId{"f"}, k_extract_states);
  BOOST_REQUIRE(item.has_value());
  queue.fail(*item, k_extract_states, "invalid_credentials", "IDEXX Neo refused the login");
  BOOST_TEST(state_of(*connection, item->id) == "failed");
  BOOST_TEST(!queue.claim_next(RunId{"f"}, k_reconcile_states).has_value());
  BOOST_TEST(queue.open_count(RunId{"f"}, k_extract_states) == 0);
}

BOOST_AUTO_TEST_CASE(each_stage_records_its_first_claim_and_last_release_and_the_metrics_read_the_span)
{
  auto connection = database.connect();
  RunLedger(*connection, {}).open_or_join(RunId{"t"}, Trigger::manual, k_from, k_to);
  add_clinics(*connection, "t", 2);
  WorkQueue queue(*connection, "w", {});
  const auto first = queue.claim_next(RunId{"t"}, k_extract_states);
  const auto second = queue.claim_next(RunId{"t"}, k_extract_states);
  BOOST_REQUIRE(first && second);
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  {
    pqxx::work tx(*connection);
    queue.advance(tx, *first, k_extract_states);
    tx.commit();
  }
  queue.fail(*second, k_extract_states, "idexx_unavailable", "HTTP 503 after 4 attempts");
  const auto reconciling = queue.claim_next(RunId{"t"}, k_reconcile_states);
  BOOST_REQUIRE(reconciling.has_value());
  {
    pqxx::work tx(*connection);
    queue.advance(tx, *reconciling, k_reconcile_states);
    tx.commit();
  }
  {
    pqxx::read_transaction tx(*connection);
    const auto times = tx.exec_params1("SELECT stage_times::text FROM sync_work_items WHERE id = $1", first->id)[0]
                           .as<std::string>();
    for (const char* key : {"extracting_started", "extracting_finished", "reconciling_started", "reconciling_finished"}) {
      BOOST_TEST(times.find(key) != std::string::npos, key << " missing from " << times);
    }
  }
  pqxx::read_transaction tx(*connection);
  const auto metrics = shared::metrics::read_run_metrics(tx, RunId{"t"}, k_to);
  BOOST_REQUIRE(metrics.has_value());
  BOOST_REQUIRE(metrics->stage_durations.count("extract") == 1U);
  BOOST_TEST(metrics->stage_durations.at("extract") >= 0.3); // first claim to the failure, 300 ms later at least
  BOOST_TEST(metrics->stage_durations.at("extract") < 30.0);
  BOOST_TEST(metrics->stage_durations.count("reconcile") == 1U);
  BOOST_TEST(metrics->stage_durations.count("schedule") == 0U); // never claimed anything
}

BOOST_AUTO_TEST_SUITE_END()
