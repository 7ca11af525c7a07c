#include "shared/audit/audit_chain.hpp"
#include "tests/e2e/pipeline_world.hpp"
#include "tests/support/loopback_server.hpp"

#include <nlohmann/json.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>

namespace {

// A fingerprint of everything a pipeline run writes: any second write shows up here.
struct Snapshot
{
  std::string cases;          // id, updated_at and metadata of every case
  std::int64_t case_count = 0;
  std::int64_t calls = 0;
  std::string calls_digest;
  std::int64_t audit_entries = 0;
  std::int64_t sessions = 0;
  std::size_t qstash_messages = 0;
  std::size_t qstash_publishes = 0;

  bool operator==(const Snapshot&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Snapshot& s)
{
  return out << "{cases " << s.case_count << " " << s.cases.substr(0, 8) << ", calls " << s.calls << " "
             << s.calls_digest.substr(0, 8) << ", audit " << s.audit_entries << ", sessions " << s.sessions
             << ", qstash " << s.qstash_messages << "/" << s.qstash_publishes << "}";
}

Snapshot snapshot(const tests::PipelineWorld& world)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  Snapshot s;
  const auto cases = tx.exec1("SELECT count(*), md5(coalesce(string_agg(id::text || updated_at::text || metadata::text || "
                              "status::text, ',' ORDER BY id), '')) FROM cases");
  s.case_count = cases[0].as<std::int64_t>();
  s.cases = cases[1].as<std::string>();
  const auto calls = tx.exec1("SELECT count(*), md5(coalesce(string_agg(id::text || status || updated_at::text, ',' "
                              "ORDER BY id), '')) FROM scheduled_discharge_calls");
  s.calls = calls[0].as<std::int64_t>();
  s.calls_digest = calls[1].as<std::string>();
  s.audit_entries = tx.exec1("SELECT count(*) FROM idexx_sync_audit_log")[0].as<std::int64_t>();
  s.sessions = tx.exec1("SELECT count(*) FROM idexx_sync_sessions")[0].as<std::int64_t>();
  s.qstash_messages = world.qstash->messages().size();
  s.qstash_publishes = world.qstash->publish_requests().size();
  return s;
}

std::int64_t count(const tests::PipelineWorld& world, const std::string& sql)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_full_sync)

BOOST_AUTO_TEST_CASE(a_run_stages_every_consultation_the_simulator_holds_and_writes_notes_calls_and_audit)
{
  const tests::PipelineWorld world(7, 3, 30);
  world.run_pipeline("e2e-run-1");

  BOOST_TEST(count(world, "SELECT count(*) FROM sync_runs WHERE run_id = 'e2e-run-1' AND status = 'completed'") == 1);
  BOOST_TEST(count(world, "SELECT count(*) FROM sync_work_items WHERE run_id = 'e2e-run-1' AND state = 'done'") == 3);
  const auto staged = count(world, "SELECT count(*) FROM staging_consultations WHERE run_id = 'e2e-run-1'");
  BOOST_TEST(staged > 0);
  BOOST_TEST(static_cast<std::size_t>(staged) == world.simulator_count_for("e2e-run-1"));
  BOOST_TEST(count(world, "SELECT count(*) FROM cases WHERE metadata #>> '{pimsConsultation,syncedBy}' = 'idexx-sync' "
                          "AND metadata #>> '{pimsConsultation,notes}' <> ''") > 0);
  // Keys written by the product (the seeded night-before cases carry callIntelligence) survive the merge.
  BOOST_TEST(count(world, "SELECT count(*) FROM cases WHERE metadata ->> 'syncSource' = 'IDEXX Neo' "
                          "AND metadata ? 'pimsConsultation'") > 0);
  BOOST_TEST(count(world, "SELECT count(*) FROM cases WHERE metadata ->> 'syncSource' = 'IDEXX Neo' "
                          "AND NOT (metadata ? 'callIntelligence')") == 0);
  const auto queued = count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'queued'");
  BOOST_TEST(queued > 0);
  BOOST_TEST(static_cast<std::size_t>(queued) == world.qstash->messages().size());
  for (const auto& message : world.qstash->messages()) {
    BOOST_TEST(message.dedup_id.rfind("call-", 0) == 0);
    BOOST_TEST(message.destination == "https://dispatch.e2e.test/qstash/execute-call");
  }
  BOOST_TEST(count(world, "SELECT count(*) FROM idexx_sync_sessions WHERE run_id = 'e2e-run-1' AND status = 'completed'") == 3);
  BOOST_TEST(count(world, "SELECT count(*) FROM idexx_sync_audit_log WHERE run_id = 'e2e-run-1'") > 0);

  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  const auto broken = shared::audit::verify_chains(tx, std::nullopt);
  BOOST_TEST(!broken.has_value(), "audit chain broken at " << (broken ? broken->chain_key + " " + broken->reason : ""));
}

BOOST_AUTO_TEST_CASE(running_the_four_stages_twice_for_the_same_run_changes_nothing)
{
  const tests::PipelineWorld world(11, 2, 24);
  world.run_pipeline("e2e-twice");
  const auto first = snapshot(world);
  BOOST_TEST(first.calls > 0);
  world.run_pipeline("e2e-twice");
  BOOST_TEST(snapshot(world) == first);
}

BOOST_AUTO_TEST_CASE(a_second_run_over_the_same_data_writes_no_case_call_or_publish_again)
{
  const tests::PipelineWorld world(13, 2, 24);
  world.run_pipeline("e2e-first");
  const auto first = snapshot(world);
  const auto first_audit = count(world, "SELECT count(*) FROM idexx_sync_audit_log WHERE run_id = 'e2e-first'");
  world.run_pipeline("e2e-second");
  const auto second = snapshot(world);
  BOOST_TEST(second.cases == first.cases);       // unchanged notes cost no write
  BOOST_TEST(second.calls_digest == first.calls_digest);
  BOOST_TEST(second.qstash_publishes == first.qstash_publishes);
  BOOST_TEST(count(world, "SELECT count(*) FROM sync_runs WHERE run_id = 'e2e-second' AND status = 'completed'") == 1);
  BOOST_TEST(count(world, "SELECT count(*) FROM idexx_sync_audit_log WHERE run_id = 'e2e-first'") == first_audit);
  BOOST_TEST(count(world, "SELECT count(*) FROM idexx_sync_audit_log WHERE run_id = 'e2e-second'") > 0);
}

BOOST_AUTO_TEST_CASE(no_password_cookie_token_or_key_appears_in_the_output_the_staging_rows_or_the_metrics)
{
  const tests::PipelineWorld world(17, 2, 20);
  // The metrics go where production sends them: a real Pushgateway, through the production key.
  const int gateway_port = tests::free_loopback_port();
  const tests::LoopbackServer gateway({"prometheus-pushgateway",
                                       "--web.listen-address=127.0.0.1:" + std::to_string(gateway_port),
                                       "--persistence.file="},
                                      gateway_port);
  auto config = nlohmann::json::parse(std::ifstream(world.config_file));
  config["metrics"] = {{"pushgateway_url", "http://127.0.0.1:" + std::to_string(gateway_port)}};
  std::ofstream(world.config_file) << config.dump(2);
  // Sessions expire now and then, so re-logins hand out more cookies and form tokens to leak.
  tests::fakes::FaultSettings faults;
  faults.expire_session_every_n_requests = 8;
  for (const auto& clinic : world.clinics) {
    world.simulator->set_faults(clinic.tenant, faults);
  }

  std::string output;
  for (const auto& result : world.run_pipeline("e2e-secrets")) {
    output += result.out + result.err;
  }
  BOOST_REQUIRE(output.find("\"level\":\"debug\"") != std::string::npos); // debug logging really ran
  const auto metrics = tests::http_get(gateway_port, "/metrics").value_or("");
  BOOST_REQUIRE(metrics.find("idexx_sync_") != std::string::npos); // the stages really pushed

  std::vector<std::string> secrets{world.qstash_token, world.key_secret, world.posthog_key};
  for (const auto& tenant : world.world.tenants) {
    secrets.push_back(tenant.password);
    secrets.push_back(tenant.username);
    secrets.push_back(tenant.email); // the login user's e-mail is in page-data's providers list
  }
  const auto tokens = world.simulator->issued_tokens();
  BOOST_REQUIRE(tokens.size() > 2 * world.clinics.size()); // form tokens and cookies, re-logins too
  secrets.insert(secrets.end(), tokens.begin(), tokens.end());

  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  const auto staged = tx.exec1("SELECT coalesce(string_agg(raw::text, ' '), '') FROM staging_consultations")[0].as<std::string>() +
                      tx.exec1("SELECT coalesce(string_agg(raw::text, ' '), '') FROM staging_appointments")[0].as<std::string>();
  for (const auto& secret : secrets) {
    BOOST_TEST_REQUIRE(secret.size() >= 6U); // a short "secret" would match by accident
    BOOST_TEST(output.find(secret) == std::string::npos, "a secret appears in the stage output");
    BOOST_TEST(staged.find(secret) == std::string::npos, "a secret appears in a staging row");
    BOOST_TEST(metrics.find(secret) == std::string::npos, "a secret appears in the pushed metrics");
  }
}

BOOST_AUTO_TEST_CASE(a_missing_configuration_key_exits_78_naming_the_key)
{
  const tests::PipelineWorld world(19, 1, 5);
  const auto config = world.directory / "broken.json";
  std::ofstream(config) << R"({"credential_keys": {"directory": "/nonexistent", "current_key_id": "x"}})";
  for (const char* stage : {"idexx-sync-extract", "idexx-sync-reconcile", "idexx-sync-schedule", "idexx-sync-audit"}) {
    const auto result = tests::run_process(tests::binary_path(stage), {"--config", config.string(), "--run-id", "x"});
    BOOST_TEST(result.exit_code == 78, stage << " exited " << result.exit_code);
    BOOST_TEST(result.err.find("database.uri_file: missing required key") != std::string::npos, result.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
