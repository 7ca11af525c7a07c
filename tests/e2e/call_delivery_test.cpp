// The Must-show for discharge calls: a run, a re-run, a run whose schedule stage is killed
// with SIGKILL after publishing about half of its calls, a normal run more than the QStash
// deduplication window later, and the fake QStash delivering some messages twice. The fake VAPI
// must receive exactly one call per eligible case, none for the ineligible ones, and every
// ineligible case has its reason recorded.
#include "tests/e2e/pipeline_world.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <set>
#include <thread>

namespace {

std::int64_t count(const tests::PipelineWorld& world, const std::string& sql)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

void execute(const tests::PipelineWorld& world, const std::string& sql)
{
  auto connection = world.database.connect();
  pqxx::work tx(*connection);
  tx.exec(sql);
  tx.commit();
}

void run_stage_ok(const tests::PipelineWorld& world, const std::string& stage, const std::string& run)
{
  const auto result = world.run_stage(stage, run);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, stage << " exited " << result.exit_code << ":\n" << result.err);
}

// Moves both fake clocks to each next due message and lets QStash deliver, until nothing is pending.
void deliver_everything(tests::PipelineWorld& world)
{
  for (int round = 0; round < 10'000; ++round) {
    std::optional<std::int64_t> next;
    for (const auto& message : world.qstash->messages()) {
      if (message.state == tests::fakes::QstashMessageState::pending) {
        next = next ? std::min(*next, message.not_before) : message.not_before;
      }
    }
    if (!next) {
      return;
    }
    const auto at = std::max(world.qstash->now(), std::chrono::sys_seconds{std::chrono::seconds{*next}});
    world.qstash->set_now(at);
    world.vapi->set_now(at);
    world.qstash->deliver_due();
  }
  BOOST_FAIL("messages still pending after 10,000 delivery rounds");
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_call_delivery)

BOOST_AUTO_TEST_CASE(every_eligible_case_gets_exactly_one_call_through_reruns_a_crash_and_duplicate_deliveries)
{
  tests::PipelineWorldOptions options;
  options.call_chain = true;
  options.qstash_batch_size = 4;
  options.lease_seconds = 3;
  tests::PipelineWorld world(41, 3, 36, options);
  world.start_dispatcher();
  const auto& clinics = world.clinics;

  // Run 1 syncs the first clinic only; its re-run publishes nothing more.
  execute(world, "UPDATE clinic_sync_state SET idexx_sync_enabled = false WHERE clinic_id IN ('" +
                     clinics[1].clinic_id + "', '" + clinics[2].clinic_id + "')");
  world.run_pipeline("e2e-calls-1");
  const auto first_run_messages = world.qstash->messages().size();
  BOOST_REQUIRE(first_run_messages > 0U);
  BOOST_TEST(static_cast<std::size_t>(count(world, "SELECT count(*) FROM scheduled_discharge_calls "
                                                   "WHERE status = 'queued'")) == first_run_messages);
  world.run_pipeline("e2e-calls-1");
  BOOST_TEST(world.qstash->messages().size() == first_run_messages);

  // Between runs, a queued call's case gets a euthanasia note: run 2 must cancel it at QStash.
  const auto doomed = count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'queued'") > 0;
  BOOST_REQUIRE(doomed);
  execute(world, "UPDATE cases SET metadata = jsonb_set(metadata, '{pimsConsultation,notesText}', "
                 "'\"Owner elected euthanasia; PTS performed.\"') "
                 "WHERE id = (SELECT case_id FROM scheduled_discharge_calls WHERE status = 'queued' ORDER BY id LIMIT 1)");

  // Run 2 syncs every clinic; its schedule stage is killed while QStash holds a batch it has not
  // answered yet, about half-way through.
  execute(world, "UPDATE clinic_sync_state SET idexx_sync_enabled = true");
  run_stage_ok(world, "idexx-sync-extract", "e2e-calls-2");
  run_stage_ok(world, "idexx-sync-reconcile", "e2e-calls-2");
  world.qstash->delay_publish_answers(std::chrono::milliseconds{400});
  {
    tests::BackgroundProcess schedule(tests::binary_path("idexx-sync-schedule"),
                                      {"--config", world.config_file.string(), "--run-id", "e2e-calls-2", "--now",
                                       world.now_iso},
                                      (world.directory / "schedule-killed.log").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    while (world.qstash->messages().size() < first_run_messages + 12 && schedule.running() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    BOOST_REQUIRE_MESSAGE(schedule.running(), "the schedule stage finished before it could be killed");
    schedule.signal(SIGKILL);
    BOOST_TEST(schedule.wait() == 128 + SIGKILL);
  }
  world.qstash->delay_publish_answers(std::chrono::milliseconds{0});
  const auto pending_after_kill =
      count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'pending_publish'");
  const auto published_in_run_2 = world.qstash->messages().size() - first_run_messages;
  BOOST_TEST_MESSAGE("killed after " << published_in_run_2 << " messages; " << pending_after_kill << " rows pending");
  BOOST_TEST(pending_after_kill > 0); // killed part-way: rows left to publish, some of them already at QStash

  // More than the deduplication window later (QStash has forgotten the ids), the retried pod runs
  // schedule again once the killed worker's lease has expired, then audit; then a normal run 3.
  world.qstash->advance(std::chrono::minutes{11});
  std::this_thread::sleep_for(std::chrono::seconds{4});
  run_stage_ok(world, "idexx-sync-schedule", "e2e-calls-2");
  run_stage_ok(world, "idexx-sync-audit", "e2e-calls-2");
  BOOST_TEST(count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'pending_publish'") == 0);
  const auto run_2_calls = count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status <> 'skipped' "
                                        "AND metadata ->> 'run_id' = 'e2e-calls-2'");
  BOOST_TEST_MESSAGE("run 2 published " << run_2_calls << " calls in all");
  BOOST_TEST(static_cast<std::int64_t>(published_in_run_2) < run_2_calls); // the kill came part-way
  world.run_pipeline("e2e-calls-3");
  BOOST_TEST(count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'cancelled' "
                          "AND metadata ->> 'cancel_reason' = 'euthanasia_or_death'") >= 1);

  // A message published again after the window is a second message for the same call.
  std::map<std::string, int> messages_per_call;
  for (const auto& message : world.qstash->messages()) {
    ++messages_per_call[message.dedup_id];
  }
  int republished = 0;
  for (const auto& [dedup_id, n] : messages_per_call) {
    republished += n > 1 ? 1 : 0;
  }
  BOOST_TEST_MESSAGE(republished << " calls have two QStash messages");
  BOOST_TEST(republished > 0);

  // Just before delivery, one owner opts out: the dispatcher must notice at call time.
  execute(world, "INSERT INTO clients (clinic_id, phone, communication_opt_out) "
                 "SELECT c.clinic_id, d.customer_phone, true FROM scheduled_discharge_calls d JOIN cases c ON c.id = d.case_id "
                 "WHERE d.status = 'queued' ORDER BY d.id DESC LIMIT 1 ON CONFLICT DO NOTHING");

  world.qstash->deliver_twice_next(6);
  deliver_everything(world);

  // Exactly one VAPI call per call row that reached VAPI, and every such row records its VAPI id.
  std::map<std::string, int> vapi_calls_per_call_id;
  std::set<std::string> vapi_ids;
  for (const auto& call : world.vapi->calls()) {
    const auto body = nlohmann::json::parse(call.request_body);
    ++vapi_calls_per_call_id[body["assistantOverrides"]["metadata"]["callId"].get<std::string>()];
    vapi_ids.insert(call.id);
  }
  BOOST_REQUIRE(!vapi_calls_per_call_id.empty());
  for (const auto& [call_id, n] : vapi_calls_per_call_id) {
    BOOST_TEST(n == 1, "call " << call_id << " reached VAPI " << n << " times");
  }
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  std::size_t dialled = 0;
  for (const auto& row : tx.exec("SELECT d.id, d.status, coalesce(d.vapi_call_id, ''), "
                                 "coalesce(d.metadata ->> 'skip_reason', ''), coalesce(d.metadata ->> 'cancel_reason', '') "
                                 "FROM scheduled_discharge_calls d WHERE d.call_kind = 'discharge'")) {
    const auto id = row[0].as<std::string>();
    const auto status = row[1].as<std::string>();
    const auto vapi_id = row[2].as<std::string>();
    const bool called = vapi_calls_per_call_id.contains(id);
    if (status == "dialing") {
      ++dialled;
      BOOST_TEST(called, "row " << id << " is dialing but VAPI never got it");
      BOOST_TEST(vapi_ids.contains(vapi_id));
    } else {
      BOOST_TEST(!called, "row " << id << " (" << status << ") reached VAPI");
      BOOST_TEST((status == "skipped" || status == "cancelled"), "row " << id << " ended " << status);
    }
    if (status == "skipped") {
      BOOST_TEST(!row[3].as<std::string>().empty(), "skipped row " << id << " has no reason");
    }
    if (status == "cancelled") {
      BOOST_TEST(!row[4].as<std::string>().empty(), "cancelled row " << id << " has no reason");
    }
  }
  BOOST_TEST(dialled == vapi_calls_per_call_id.size());
  BOOST_TEST(world.vapi->total_calls() == dialled);
  // Ineligible cases were there, with their reasons.
  BOOST_TEST(count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'skipped'") > 0);
  BOOST_TEST(count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE status = 'cancelled' "
                          "AND metadata ->> 'cancel_reason' = 'opted_out'") >= 1);
  // Some deliveries came twice, and nothing cancelled QStash messages in bulk.
  std::size_t deliveries = 0;
  std::size_t delivered = 0;
  for (const auto& message : world.qstash->messages()) {
    deliveries += message.deliveries.size();
    delivered += message.state == tests::fakes::QstashMessageState::delivered ? 1 : 0;
  }
  BOOST_TEST(deliveries > delivered);
  BOOST_TEST(world.qstash->bulk_cancel_requests() == 0U);
  BOOST_TEST(world.vapi->peak_concurrent() <= 10U);
  // No phone number in the dispatcher's log.
  const auto log = world.dispatcher_log();
  BOOST_TEST(log.find("+1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_call_skipped_for_a_bad_phone_is_scheduled_once_a_later_run_finds_the_phone_fixed)
{
  tests::PipelineWorld world(43, 2, 24);
  const auto clinic = world.clinics[0].clinic_id;
  execute(world, "UPDATE patients SET owner_phone = 'no phone on file' WHERE clinic_id = '" + clinic + "'");
  world.run_pipeline("e2e-revive-1");
  const std::string skipped_for_phone =
      "SELECT count(*) FROM scheduled_discharge_calls d JOIN cases c ON c.id = d.case_id WHERE c.clinic_id = '" + clinic +
      "' AND d.status = 'skipped' AND d.metadata ->> 'skip_reason' = 'phone_invalid'";
  const auto skipped = count(world, skipped_for_phone);
  BOOST_REQUIRE(skipped > 0);
  const auto messages_before = world.qstash->messages().size();

  execute(world, "UPDATE patients SET owner_phone = '(312) 555-0199' WHERE clinic_id = '" + clinic + "'");
  world.run_pipeline("e2e-revive-2");
  BOOST_TEST(count(world, skipped_for_phone) == 0);
  BOOST_TEST(world.qstash->messages().size() == messages_before + static_cast<std::size_t>(skipped));
  BOOST_TEST(count(world, "SELECT count(*) FROM scheduled_discharge_calls d JOIN cases c ON c.id = d.case_id "
                          "WHERE c.clinic_id = '" + clinic + "' AND d.status = 'queued' AND d.customer_phone = '+13125550199' "
                          "AND NOT (d.metadata ? 'skip_reason')") == skipped);
  // A third run decides nothing again.
  world.run_pipeline("e2e-revive-3");
  BOOST_TEST(world.qstash->messages().size() == messages_before + static_cast<std::size_t>(skipped));
}

BOOST_AUTO_TEST_SUITE_END()
