// PostHog through the outbox (architecture.md, Consistency 3; external-services.md 3): the real
// stages against fake PostHog. The oracle is what the fake received, resent copies included.
#include "shared/posthog/posthog_outbox.hpp"
#include "tests/e2e/pipeline_world.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

namespace {

std::int64_t count(const tests::PipelineWorld& world, const std::string& sql)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

std::map<std::string, std::size_t> by_event(const std::vector<tests::fakes::CapturedEvent>& events)
{
  std::map<std::string, std::size_t> out;
  for (const auto& event : events) {
    ++out[event.event];
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_posthog)

BOOST_AUTO_TEST_CASE(each_event_reaches_posthog_exactly_once_across_a_run_and_its_re_run)
{
  const tests::PipelineWorld world(23, 3, 30);
  world.run_pipeline("posthog-1");
  world.run_pipeline("posthog-1"); // the re-run: a retried Job
  world.run_pipeline("posthog-2");

  const auto received = world.posthog->received();
  const auto kept = world.posthog->deduplicated();
  BOOST_TEST(received.size() == kept.size()); // nothing sent twice, so nothing for PostHog to collapse
  std::set<std::string> uuids;
  for (const auto& event : received) {
    uuids.insert(event.uuid);
    BOOST_TEST(event.properties.value("$process_person_profile", true) == false);
    BOOST_TEST(event.timestamp.size() == 24U, event.timestamp); // 2026-11-22T08:00:00.000Z
  }
  BOOST_TEST(uuids.size() == received.size());

  const auto events = by_event(received);
  const auto clinics = world.clinics.size();
  BOOST_TEST(events.at("sync.started") == 2 * clinics); // two runs, each clinic once
  BOOST_TEST(events.at("sync.completed") == 2 * clinics);
  BOOST_TEST(events.count("sync.failed") == 0U);
  const auto queued = count(world, "SELECT count(*) FROM scheduled_discharge_calls WHERE call_kind = 'discharge' "
                                   "AND status NOT IN ('skipped', 'cancelled', 'failed')");
  BOOST_TEST(queued > 0);
  BOOST_TEST(static_cast<std::int64_t>(events.at("discharge.scheduled")) == queued);
  BOOST_TEST(count(world, "SELECT count(*) FROM posthog_outbox WHERE sent_at IS NULL") == 0);

  // The uuid is the documented UUIDv5 of "<event>|<natural key>", and the clinic is the distinct id.
  const auto& clinic = world.clinics.front().clinic_id;
  const auto expected = shared::posthog::event_uuid("sync.completed", "posthog-1|" + clinic);
  bool found = false;
  for (const auto& event : received) {
    if (event.uuid == expected) {
      found = true;
      BOOST_TEST(event.event == "sync.completed");
      BOOST_TEST(event.distinct_id == clinic);
      BOOST_TEST(event.properties.at("run_id") == "posthog-1");
    }
  }
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(an_unreachable_posthog_never_fails_the_run_and_its_events_go_out_with_the_next_one)
{
  const tests::PipelineWorld world(29, 2, 20);
  world.posthog->fail_next(1000, 503);
  world.run_pipeline("posthog-down"); // fails the test unless every stage exits 0
  BOOST_TEST(world.posthog->received().empty());
  BOOST_TEST(world.posthog->requests() == 0U); // fail_next answers before the handler counts
  const auto waiting = count(world, "SELECT count(*) FROM posthog_outbox WHERE sent_at IS NULL");
  BOOST_TEST(waiting >= 4); // started and completed for each of the two clinics at least
  BOOST_TEST(count(world, "SELECT count(*) FROM posthog_outbox WHERE last_error = 'HTTP 503'") == waiting);

  world.posthog->fail_next(0, 503);
  world.run_pipeline("posthog-up");
  BOOST_TEST(count(world, "SELECT count(*) FROM posthog_outbox WHERE sent_at IS NULL") == 0);
  const auto received = world.posthog->received();
  BOOST_TEST(received.size() == world.posthog->deduplicated().size());
  std::size_t from_the_first_run = 0;
  for (const auto& event : received) {
    if (event.properties.value("run_id", "") == "posthog-down") {
      ++from_the_first_run;
    }
  }
  BOOST_TEST(static_cast<std::int64_t>(from_the_first_run) == waiting);
}

BOOST_AUTO_TEST_CASE(credentials_set_and_validate_queue_credential_validated_and_the_next_audit_sends_it)
{
  const tests::PipelineWorld world(31, 2, 10);
  const auto& clinic = world.clinics[0];
  const auto& tenant = world.world.tenants.at(clinic.tenant);
  const auto config = world.config_file.string();
  const auto validate = tests::run_process(tests::binary_path("idexx-sync"),
                                           {"credentials", "validate", "--clinic", clinic.clinic_id, "--config", config});
  BOOST_TEST_REQUIRE(validate.exit_code == 0, validate.out << validate.err);
  const auto set = tests::run_process(tests::binary_path("idexx-sync"),
                                      {"credentials", "set", "--user", clinic.user_id, "--clinic", clinic.clinic_id,
                                       "--username", tenant.username, "--company-id", tenant.company_id,
                                       "--password-stdin", "--config", config},
                                      {}, tenant.password + "\n");
  BOOST_TEST_REQUIRE(set.exit_code == 0, set.out << set.err);
  BOOST_TEST(count(world, "SELECT count(*) FROM posthog_outbox WHERE event = 'credential.validated' AND sent_at IS NULL "
                          "AND properties ->> 'validation_status' = 'valid'") == 2);
  BOOST_TEST(world.posthog->received().empty()); // the CLI only queues

  world.run_pipeline("posthog-credentials");
  std::size_t validated = 0;
  for (const auto& event : world.posthog->received()) {
    if (event.event == "credential.validated") {
      ++validated;
      BOOST_TEST(event.distinct_id == clinic.clinic_id);
    }
  }
  BOOST_TEST(validated == 2U);
  for (const auto& output : {validate.out, validate.err, set.out, set.err}) {
    BOOST_TEST(output.find(tenant.password) == std::string::npos);
    BOOST_TEST(output.find(world.posthog_key) == std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
