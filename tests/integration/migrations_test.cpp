// The schema as migrations/ builds it: the keys, CHECKs and grants the stages rely on
// (data-model.md §13; architecture.md Decisions 1, 4, 10, 11, 14, 21).
#include "shared/db/migrator.hpp"
#include "tests/support/database_fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <pqxx/pqxx>

#include <array>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

// Minimal product rows for these tests only.
std::string insert_clinic(pqxx::transaction_base& tx, const std::string& name)
{
  return tx.exec_params1("INSERT INTO clinics (name) VALUES ($1) RETURNING id", name)[0]
      .as<std::string>();
}

std::string insert_user(pqxx::transaction_base& tx)
{
  const auto id =
      tx.exec1("INSERT INTO auth.users DEFAULT VALUES RETURNING id")[0].as<std::string>();
  tx.exec_params0("INSERT INTO users (id) VALUES ($1)", id);
  return id;
}

std::string insert_case(pqxx::transaction_base& tx, const std::string& clinic_id,
                        const std::string& external_id)
{
  return tx
      .exec_params1(
          "INSERT INTO cases (clinic_id, source, external_id) VALUES ($1, 'pims:idexx-neo', $2) "
          "RETURNING id",
          clinic_id, external_id)[0]
      .as<std::string>();
}

void insert_run(pqxx::transaction_base& tx, const std::string& run_id, const std::string& status)
{
  tx.exec_params0(
      "INSERT INTO sync_runs (run_id, trigger, status, window_start, window_end, finished_at) "
      "VALUES ($1, 'manual', $2, now() - interval '48 hours', now(), "
      "        CASE WHEN $2 = 'running' THEN NULL ELSE now() END)",
      run_id, status);
}

// Runs `body` in its own transaction and commits it.
void in_transaction(pqxx::connection& connection, const std::function<void(pqxx::work&)>& body)
{
  pqxx::work tx(connection);
  body(tx);
  tx.commit();
}

long long count(pqxx::connection& connection, const std::string& sql)
{
  pqxx::work tx(connection);
  return tx.exec1(sql)[0].as<long long>();
}

const shared::db::Migration& migration_named(std::string_view part)
{
  for (const auto& migration : shared::db::embedded_migrations()) {
    if (migration.name.find(part) != std::string::npos) {
      return migration;
    }
  }
  throw std::runtime_error("no migration named *" + std::string(part) + "*");
}

bool message_contains(const std::exception& error, const std::string& text)
{
  return std::string(error.what()).find(text) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(db_migrations, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(migrating_an_already_migrated_database_applies_nothing)
{
  auto connection = database.connect();
  const auto report = shared::db::migrate(*connection, shared::db::embedded_migrations());
  BOOST_TEST(report.applied.empty());
  BOOST_TEST(report.already_applied == shared::db::embedded_migrations().size());
  BOOST_TEST(count(*connection, "SELECT count(*) FROM idexx_sync_schema_migrations") ==
             static_cast<long long>(shared::db::embedded_migrations().size()));
}

BOOST_AUTO_TEST_CASE(the_product_baseline_applies_cleanly_where_the_product_tables_already_exist)
{
  const auto& baseline = shared::db::embedded_migrations().front();
  BOOST_TEST(baseline.name == "0001_create_product_baseline.sql");
  auto connection = database.connect();
  in_transaction(*connection, [&](pqxx::work& tx) { insert_clinic(tx, "Baseline Clinic"); });
  BOOST_CHECK_NO_THROW(in_transaction(*connection, [&](pqxx::work& tx) { tx.exec(baseline.sql); }));
  BOOST_TEST(count(*connection, "SELECT count(*) FROM clinics") == 1);
}

BOOST_AUTO_TEST_CASE(only_one_run_can_be_running)
{
  auto connection = database.connect();
  in_transaction(*connection, [](pqxx::work& tx) { insert_run(tx, "idexx-sync-100", "running"); });

  BOOST_CHECK_THROW(
      in_transaction(*connection,
                     [](pqxx::work& tx) { insert_run(tx, "idexx-sync-200", "running"); }),
      pqxx::unique_violation);
  // What a pod of a concurrent Job does: its insert finds the open run and does nothing ...
  in_transaction(*connection, [](pqxx::work& tx) {
    const auto result =
        tx.exec("INSERT INTO sync_runs (run_id, trigger, window_start, window_end) "
                "VALUES ('idexx-sync-200', 'scheduled', now() - interval '1 day', now()) "
                "ON CONFLICT DO NOTHING");
    BOOST_TEST(result.affected_rows() == 0U);
  });
  // ... and it records its own run as skipped.
  in_transaction(*connection, [](pqxx::work& tx) { insert_run(tx, "idexx-sync-200", "skipped"); });

  in_transaction(*connection, [](pqxx::work& tx) {
    tx.exec0("UPDATE sync_runs SET status = 'completed', finished_at = now() WHERE run_id = "
             "'idexx-sync-100'");
  });
  BOOST_CHECK_NO_THROW(in_transaction(
      *connection, [](pqxx::work& tx) { insert_run(tx, "idexx-sync-300", "running"); }));
  BOOST_TEST(count(*connection, "SELECT count(*) FROM sync_runs WHERE status = 'running'") == 1);
  BOOST_CHECK_THROW(
      in_transaction(*connection, [](pqxx::work& tx) { insert_run(tx, "manual-1", "backfill"); }),
      pqxx::check_violation);
}

BOOST_AUTO_TEST_CASE(a_clinic_has_one_work_item_per_run)
{
  auto connection = database.connect();
  std::string clinic_id;
  in_transaction(*connection, [&](pqxx::work& tx) {
    clinic_id = insert_clinic(tx, "Work Item Clinic");
    insert_run(tx, "run-a", "completed");
    insert_run(tx, "run-b", "running");
  });
  const std::string insert =
      "INSERT INTO sync_work_items (run_id, clinic_id, window_start, window_end) "
      "VALUES ($1, $2, now() - interval '48 hours', now())";
  in_transaction(*connection, [&](pqxx::work& tx) { tx.exec_params0(insert, "run-a", clinic_id); });

  BOOST_CHECK_THROW(
      in_transaction(*connection,
                     [&](pqxx::work& tx) { tx.exec_params0(insert, "run-a", clinic_id); }),
      pqxx::unique_violation);
  in_transaction(*connection, [&](pqxx::work& tx) {
    const auto result =
        tx.exec_params(insert + " ON CONFLICT (run_id, clinic_id) DO NOTHING", "run-a", clinic_id);
    BOOST_TEST(result.affected_rows() == 0U);
  });
  BOOST_CHECK_NO_THROW(in_transaction(
      *connection, [&](pqxx::work& tx) { tx.exec_params0(insert, "run-b", clinic_id); }));
  BOOST_TEST(count(*connection, "SELECT count(*) FROM sync_work_items") == 2);
  // `failed` always carries its code.
  BOOST_CHECK_THROW(
      in_transaction(*connection,
                     [](pqxx::work& tx) {
                       tx.exec0(
                           "UPDATE sync_work_items SET state = 'failed' WHERE run_id = 'run-b'");
                     }),
      pqxx::check_violation);
}

BOOST_AUTO_TEST_CASE(a_case_is_unique_per_clinic_and_external_id)
{
  auto connection = database.connect();
  std::string north;
  std::string south;
  in_transaction(*connection, [&](pqxx::work& tx) {
    north = insert_clinic(tx, "North Clinic");
    south = insert_clinic(tx, "South Clinic");
    insert_case(tx, north, "pims-appt-idexx-neo-880112");
  });

  BOOST_CHECK_THROW(
      in_transaction(*connection,
                     [&](pqxx::work& tx) { insert_case(tx, north, "pims-appt-idexx-neo-880112"); }),
      pqxx::unique_violation);
  // The same Neo appointment id in another clinic is another visit.
  BOOST_CHECK_NO_THROW(in_transaction(
      *connection, [&](pqxx::work& tx) { insert_case(tx, south, "pims-appt-idexx-neo-880112"); }));
  // The upsert the stages use.
  in_transaction(*connection, [&](pqxx::work& tx) {
    const auto result = tx.exec_params(
        "INSERT INTO cases (clinic_id, external_id) VALUES ($1, 'pims-appt-idexx-neo-880112') "
        "ON CONFLICT (clinic_id, external_id) DO NOTHING",
        north);
    BOOST_TEST(result.affected_rows() == 0U);
  });
  BOOST_TEST(count(*connection, "SELECT count(*) FROM cases") == 2);
}

BOOST_AUTO_TEST_CASE(every_call_status_of_our_vocabulary_is_accepted_and_canceled_is_refused)
{
  constexpr std::array statuses{"pending_publish", "queued", "dialing",   "ringing", "in_progress",
                                "completed",       "failed", "cancelled", "skipped"};
  auto connection = database.connect();
  std::string user_id;
  std::string case_id;
  in_transaction(*connection, [&](pqxx::work& tx) {
    user_id = insert_user(tx);
    case_id = insert_case(tx, insert_clinic(tx, "Call Clinic"), "pims-appt-idexx-neo-1");
  });
  const std::string insert = "INSERT INTO scheduled_discharge_calls "
                             "(user_id, case_id, scheduled_for, status, dynamic_variables) "
                             "VALUES ($1, $2, now() + interval '2 days', $3, '{}')";
  for (const std::string status : statuses) {
    BOOST_TEST_CONTEXT("status " << status)
    {
      BOOST_CHECK_NO_THROW(in_transaction(
          *connection, [&](pqxx::work& tx) { tx.exec_params0(insert, user_id, case_id, status); }));
    }
  }
  BOOST_TEST(count(*connection, "SELECT count(DISTINCT status) FROM scheduled_discharge_calls") ==
             static_cast<long long>(statuses.size()));

  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [&](pqxx::work& tx) {
                                     tx.exec_params0(insert, user_id, case_id,
                                                     std::string("canceled"));
                                   }),
                    pqxx::check_violation);
}

BOOST_AUTO_TEST_CASE(
    a_case_gets_one_call_of_each_kind_and_product_calls_without_kind_are_not_limited)
{
  auto connection = database.connect();
  std::string user_id;
  std::string case_id;
  in_transaction(*connection, [&](pqxx::work& tx) {
    user_id = insert_user(tx);
    case_id = insert_case(tx, insert_clinic(tx, "Kind Clinic"), "pims-appt-idexx-neo-2");
  });
  const std::string insert =
      "INSERT INTO scheduled_discharge_calls "
      "(user_id, case_id, scheduled_for, status, dynamic_variables, call_kind) "
      "VALUES ($1, $2, now(), 'pending_publish', '{}', $3)";
  const std::string insert_without_kind =
      "INSERT INTO scheduled_discharge_calls "
      "(user_id, case_id, scheduled_for, status, dynamic_variables) "
      "VALUES ($1, $2, now(), 'queued', '{}')";
  in_transaction(*connection, [&](pqxx::work& tx) {
    tx.exec_params0(insert, user_id, case_id, std::string("discharge"));
    tx.exec_params0(insert_without_kind, user_id, case_id);
    tx.exec_params0(insert_without_kind, user_id, case_id);
  });
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [&](pqxx::work& tx) {
                                     tx.exec_params0(insert, user_id, case_id,
                                                     std::string("discharge"));
                                   }),
                    pqxx::unique_violation);
  BOOST_TEST(count(*connection, "SELECT min(publish_version) FROM scheduled_discharge_calls") == 1);
}

BOOST_AUTO_TEST_CASE(consultation_ids_are_unique_per_clinic_not_across_clinics)
{
  auto connection = database.connect();
  in_transaction(*connection, [&](pqxx::work& tx) {
    const auto user_id = insert_user(tx);
    for (const std::string name : {"East Clinic", "West Clinic"}) {
      const auto clinic_id = insert_clinic(tx, name);
      tx.exec_params0(
          "WITH s AS (INSERT INTO idexx_sync_sessions (user_id, clinic_id, run_id, status) "
          "           VALUES ($1, $2, 'run-1', 'in_progress') RETURNING id) "
          "INSERT INTO consultation_sync_status (sync_session_id, clinic_id, neo_consultation_id) "
          "SELECT id, $2, '501' FROM s",
          user_id, clinic_id);
    }
  });
  BOOST_TEST(
      count(*connection,
            "SELECT count(*) FROM consultation_sync_status WHERE neo_consultation_id = '501'") ==
      2);
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [](pqxx::work& tx) {
                                     tx.exec0(
                                         "INSERT INTO consultation_sync_status "
                                         "(sync_session_id, clinic_id, neo_consultation_id) "
                                         "SELECT sync_session_id, clinic_id, neo_consultation_id "
                                         "FROM consultation_sync_status LIMIT 1");
                                   }),
                    pqxx::unique_violation);
  BOOST_CHECK_NO_THROW(in_transaction(*connection, [](pqxx::work& tx) {
    tx.exec0("UPDATE consultation_sync_status SET status = 'needs_review'");
    tx.exec0("UPDATE consultation_sync_status SET status = 'unmatched'");
  }));
}

BOOST_AUTO_TEST_CASE(every_audit_action_type_is_accepted)
{
  // data-model.md §11: the live values plus ours.
  constexpr std::array action_types{
      "credential_access",   "sync_started",        "sync_completed",        "sync_failed",
      "consultation_synced", "reconciliation",      "credential_configured", "credential_validated",
      "credential_rotated",  "credential_revoked",  "case_created",          "case_updated",
      "case_removed",        "consultation_review", "call_scheduled",        "call_cancelled",
      "call_skipped"};
  const std::string insert =
      "INSERT INTO idexx_sync_audit_log (action_type, resource_type, status) "
      "VALUES ($1, $2, $3)";
  auto connection = database.connect();
  for (const std::string action_type : action_types) {
    BOOST_TEST_CONTEXT("action_type " << action_type)
    {
      BOOST_CHECK_NO_THROW(in_transaction(*connection, [&](pqxx::work& tx) {
        tx.exec_params0(insert, action_type, std::string("sync_session"), std::string("success"));
      }));
    }
  }
  BOOST_TEST(count(*connection, "SELECT count(DISTINCT action_type) FROM idexx_sync_audit_log") ==
             static_cast<long long>(action_types.size()));

  for (const std::string resource_type :
       {"credential", "appointment", "consultation", "sync_session", "case", "discharge_call"}) {
    BOOST_TEST_CONTEXT("resource_type " << resource_type)
    {
      BOOST_CHECK_NO_THROW(in_transaction(*connection, [&](pqxx::work& tx) {
        tx.exec_params0(insert, std::string("case_updated"), resource_type, std::string("failure"));
      }));
    }
  }
  // What the previous web app wrote, and what nobody writes.
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [&](pqxx::work& tx) {
                                     tx.exec_params0(insert, std::string("credential_accessed"),
                                                     std::string("credential"),
                                                     std::string("success"));
                                   }),
                    pqxx::check_violation);
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [&](pqxx::work& tx) {
                                     tx.exec_params0(insert, std::string("sync_failed"),
                                                     std::string("sync_session"),
                                                     std::string("failed"));
                                   }),
                    pqxx::check_violation);
}

BOOST_AUTO_TEST_CASE(the_pipeline_role_may_insert_audit_entries_but_never_update_or_delete_them)
{
  auto connection = database.connect();
  const std::string insert = "INSERT INTO idexx_sync_audit_log (action_type, resource_type, "
                             "status, chain_key, seq, hash, event_key, run_id) "
                             "VALUES ('sync_started', 'sync_session', 'success', 'global', 1, "
                             "encode(sha256('entry 1'), 'hex'), "
                             "        'run-1/sync_started/global', 'run-1')";
  in_transaction(*connection, [&](pqxx::work& tx) {
    tx.exec0("SET LOCAL ROLE idexx_sync_pipeline");
    tx.exec0(insert);
    tx.exec0("INSERT INTO audit_chain_heads (chain_key) VALUES ('global')");
    tx.exec0(
        "UPDATE audit_chain_heads SET last_seq = 1, last_hash = 'h' WHERE chain_key = 'global'");
    BOOST_TEST(tx.exec1("SELECT count(*) FROM idexx_sync_audit_log")[0].as<long long>() == 1);
  });
  BOOST_TEST(
      count(*connection, "SELECT count(*) FROM idexx_sync_audit_log WHERE run_id = 'run-1'") == 1);

  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [](pqxx::work& tx) {
                                     tx.exec0("SET LOCAL ROLE idexx_sync_pipeline");
                                     tx.exec0("UPDATE idexx_sync_audit_log SET status = 'failure'");
                                   }),
                    pqxx::insufficient_privilege);
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [](pqxx::work& tx) {
                                     tx.exec0("SET LOCAL ROLE idexx_sync_pipeline");
                                     tx.exec0("DELETE FROM idexx_sync_audit_log");
                                   }),
                    pqxx::insufficient_privilege);
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [](pqxx::work& tx) {
                                     tx.exec0("SET LOCAL ROLE idexx_sync_pipeline");
                                     tx.exec0("DELETE FROM audit_chain_heads");
                                   }),
                    pqxx::insufficient_privilege);
  // Nor may it read the legacy plaintext credential columns.
  BOOST_CHECK_THROW(in_transaction(*connection,
                                   [](pqxx::work& tx) {
                                     tx.exec0("SET LOCAL ROLE idexx_sync_pipeline");
                                     tx.exec("SELECT idexx_password FROM users");
                                   }),
                    pqxx::insufficient_privilege);
  BOOST_TEST(count(*connection,
                   "SELECT count(*) FROM idexx_sync_audit_log WHERE status = 'success'") == 1);
}

BOOST_AUTO_TEST_CASE(the_pipeline_role_may_write_what_the_stages_write)
{
  auto connection = database.connect();
  std::string clinic_id;
  std::string user_id;
  in_transaction(*connection, [&](pqxx::work& tx) {
    clinic_id = insert_clinic(tx, "Role Clinic");
    user_id = insert_user(tx);
    tx.exec_params0("INSERT INTO idexx_credentials (user_id, clinic_id, username_encrypted, "
                    "password_encrypted) "
                    "VALUES ($1, $2, '\\x01'::bytea, '\\x02'::bytea)",
                    user_id, clinic_id);
  });
  BOOST_CHECK_NO_THROW(in_transaction(*connection, [&](pqxx::work& tx) {
    tx.exec0("SET LOCAL ROLE idexx_sync_pipeline");
    // extract: open the run and the clinic's item, claim it, stage, watermark.
    insert_run(tx, "role-run", "running");
    tx.exec_params0(
        "INSERT INTO sync_work_items (run_id, clinic_id, window_start, window_end) "
        "VALUES ('role-run', $1, now() - interval '48 hours', now()) ON CONFLICT DO NOTHING",
        clinic_id);
    tx.exec1("UPDATE sync_work_items SET state = 'extracting', lease_owner = 'pod-0', "
             "       lease_expires_at = now() + interval '5 minutes', attempts = attempts + 1 "
             " WHERE id IN (SELECT id FROM sync_work_items WHERE run_id = 'role-run' AND state = "
             "'pending' "
             "              ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id");
    tx.exec_params0("INSERT INTO staging_appointments (run_id, clinic_id, neo_appointment_id, "
                    "start_at, local_date, "
                    "  start_local, status, raw, content_hash) "
                    "VALUES ('role-run', $1, '880112', now(), current_date, '2026-03-09 09:30:00', "
                    "'finalized', "
                    "        '{}', 'hash')",
                    clinic_id);
    tx.exec_params0(
        "INSERT INTO staging_quarantine (run_id, clinic_id, record_kind, reason, raw_text) "
        "VALUES ('role-run', $1, 'appointment', 'missing_id', '{')",
        clinic_id);
    tx.exec_params0(
        "INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled, last_window_end) "
        "VALUES ($1, true, now()) ON CONFLICT (clinic_id) DO UPDATE SET last_window_end = now()",
        clinic_id);
    const auto session_id =
        tx.exec_params1("INSERT INTO idexx_sync_sessions (user_id, clinic_id, run_id, status) "
                        "VALUES ($1, $2, 'role-run', 'in_progress') RETURNING id",
                        user_id, clinic_id)[0]
            .as<std::string>();
    // reconcile and schedule.
    const auto case_id =
        tx.exec_params1("INSERT INTO cases (user_id, clinic_id, source, external_id) "
                        "VALUES (NULL, $1, 'pims:idexx-neo', 'pims-appt-idexx-neo-880112') "
                        "ON CONFLICT (clinic_id, external_id) DO UPDATE SET updated_at = now() "
                        "RETURNING id",
                        clinic_id)[0]
            .as<std::string>();
    tx.exec_params0("INSERT INTO patients (case_id, clinic_id, name) VALUES ($1, $2, 'BISCUIT')",
                    case_id, clinic_id);
    tx.exec_params0("INSERT INTO consultation_sync_status (sync_session_id, clinic_id, "
                    "neo_consultation_id, case_id, "
                    "  status) VALUES ($1, $2, '501', $3, 'synced')",
                    session_id, clinic_id, case_id);
    tx.exec_params0(
        "INSERT INTO scheduled_discharge_calls (user_id, case_id, scheduled_for, status, "
        "  dynamic_variables, call_kind) VALUES ($1, $2, now(), 'pending_publish', '{}', "
        "'discharge') "
        "ON CONFLICT (case_id, call_kind) DO NOTHING",
        user_id, case_id);
    tx.exec_params0("UPDATE idexx_credentials SET validation_status = 'valid' WHERE user_id = $1",
                    user_id);
    tx.exec_params1(
        "SELECT test_mode_enabled, test_contact_phone, voicemail_message, emergency_phone "
        "FROM users WHERE id = $1",
        user_id);
    // audit: clean up staging.
    tx.exec0("DELETE FROM staging_appointments WHERE run_id = 'role-run'");
    tx.exec0("DELETE FROM staging_quarantine WHERE run_id = 'role-run'");
  }));
  BOOST_TEST(
      count(*connection,
            "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'pending_publish'") ==
      1);
  BOOST_TEST(count(*connection, "SELECT count(*) FROM staging_appointments") == 0);
}

BOOST_AUTO_TEST_CASE(audit_entries_land_in_a_monthly_partition_and_a_sequence_number_is_used_once)
{
  auto connection = database.connect();
  in_transaction(*connection, [](pqxx::work& tx) {
    tx.exec0(
        "INSERT INTO idexx_sync_audit_log (action_type, status, chain_key, seq, hash, event_key) "
        "VALUES ('sync_started', 'success', 'global', 1, 'h1', 'e1')");
  });
  pqxx::work read(*connection);
  const auto partition =
      read.exec1("SELECT tableoid::regclass::text FROM idexx_sync_audit_log")[0].as<std::string>();
  read.commit();
  BOOST_TEST(partition.rfind("idexx_sync_audit_log_p", 0) == 0U, "partition " << partition);

  BOOST_CHECK_THROW(
      in_transaction(*connection,
                     [](pqxx::work& tx) {
                       tx.exec0("INSERT INTO idexx_sync_audit_log "
                                "(action_type, status, chain_key, seq, hash, event_key) "
                                "VALUES ('sync_completed', 'success', 'global', 1, 'h2', 'e2')");
                     }),
      pqxx::unique_violation);
  // A chain entry of a clinic is keyed by that clinic.
  BOOST_CHECK_THROW(
      in_transaction(*connection,
                     [](pqxx::work& tx) {
                       tx.exec0("INSERT INTO idexx_sync_audit_log "
                                "(clinic_id, action_type, status, chain_key, seq, hash, event_key) "
                                "VALUES (gen_random_uuid(), 'sync_started', 'success', 'global', "
                                "        2, 'h2', 'e2')");
                     }),
      pqxx::check_violation);
}

BOOST_AUTO_TEST_CASE(the_duplicate_case_report_stops_and_lists_duplicates)
{
  auto connection = database.connect();
  pqxx::work tx(*connection);
  tx.exec0("ALTER TABLE cases DROP CONSTRAINT cases_clinic_id_external_id_key");
  const auto clinic_id = insert_clinic(tx, "Duplicate Clinic");
  insert_case(tx, clinic_id, "pims-appt-idexx-neo-777");
  insert_case(tx, clinic_id, "pims-appt-idexx-neo-777");
  insert_case(tx, clinic_id, "pims-appt-idexx-neo-778");
  {
    pqxx::subtransaction report(tx, "report");
    BOOST_CHECK_EXCEPTION(report.exec(migration_named("report_duplicate_case_external_ids").sql),
                          pqxx::sql_error, [](const pqxx::sql_error& error) {
                            return message_contains(error, "1 duplicate") &&
                                   message_contains(error, "pims-appt-idexx-neo-777") &&
                                   !message_contains(error, "pims-appt-idexx-neo-778");
                          });
  }
  tx.exec0("DELETE FROM cases WHERE external_id = 'pims-appt-idexx-neo-777'");
  BOOST_CHECK_NO_THROW(tx.exec(migration_named("report_duplicate_case_external_ids").sql));
}

BOOST_AUTO_TEST_CASE(plaintext_credentials_are_cleared_only_when_an_encrypted_counterpart_exists)
{
  auto connection = database.connect();
  pqxx::work tx(*connection);
  const auto user_id = insert_user(tx);
  tx.exec_params0("UPDATE users SET idexx_username = 'someone', idexx_password = 'secret', "
                  "idexx_company_id = 'default' WHERE id = $1",
                  user_id);
  {
    pqxx::subtransaction clear(tx, "clear");
    BOOST_CHECK_EXCEPTION(
        clear.exec(migration_named("clear_users_plaintext_credentials").sql), pqxx::sql_error,
        [&](const pqxx::sql_error& error) { return message_contains(error, user_id); });
  }

  tx.exec_params0("INSERT INTO idexx_credentials (user_id, username_encrypted, password_encrypted) "
                  "VALUES ($1, '\\x01'::bytea, '\\x02'::bytea)",
                  user_id);
  tx.exec(migration_named("clear_users_plaintext_credentials").sql);
  BOOST_TEST(tx.exec_params1("SELECT count(*) FROM users WHERE id = $1 AND idexx_username IS NULL "
                             "AND idexx_password IS NULL AND idexx_company_id IS NULL",
                             user_id)[0]
                 .as<long long>() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
