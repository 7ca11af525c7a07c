// The schedule stage's publishing half against a real Postgres and the fake QStash: start slots,
// batches, cancellation of calls that became unwanted, and the vapi destination mode.
#include "shared/db/connection.hpp"
#include "shared/qstash/http_qstash_publisher.hpp"
#include "stages/schedule/call_publishing.hpp"
#include "tests/fakes/fake_qstash.hpp"
#include "tests/fakes/fake_vapi.hpp"
#include "tests/support/database_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

using namespace schedule;

namespace {

// Tuesday 2026-03-10 15:00 UTC = 10:00 CDT: the clinic is open.
const auto k_now = shared::parse_iso8601("2026-03-10T15:00:00Z");
constexpr const char* k_hours = R"({"tuesday": {"open": "08:00", "close": "18:00"},
                                    "wednesday": {"open": "08:00", "close": "18:00"}})";

struct PublishWorld : tests::TempDatabaseFixture
{
  tests::fakes::FakeQstash qstash{[] {
    tests::fakes::FakeQstashOptions options;
    options.token = "publish-test-token";
    options.current_signing_key = "sig_publish_current";
    return options;
  }()};
  std::unique_ptr<pqxx::connection> db = database.connect();
  std::unique_ptr<shared::qstash::QstashPublisher> publisher = shared::qstash::make_http_qstash_publisher(
      shared::qstash::QstashConfig{.base_url = qstash.base_url(), .token = shared::Secret("publish-test-token"),
                                   .ca_file = tests::fakes::test_ca_dir() + "/ca.pem",
                                   .timeout = std::chrono::seconds{5}, .max_attempts = 2,
                                   .base_delay = std::chrono::milliseconds{10}});
  std::string clinic_id;
  std::string user_id;
  ClinicCallSettings clinic;
  StartSlots slots;
  PublishSettings settings;

  PublishWorld()
  {
    qstash.set_now(std::chrono::floor<std::chrono::seconds>(k_now));
    pqxx::work tx(*db);
    user_id = tx.exec1("INSERT INTO auth.users (id) VALUES (gen_random_uuid()) RETURNING id")[0].as<std::string>();
    tx.exec_params("INSERT INTO users (id) VALUES ($1)", user_id);
    clinic_id = tx.exec_params1("INSERT INTO clinics (name, timezone, business_hours) VALUES ('Publish Clinic', "
                                "'America/Chicago', $1::jsonb) RETURNING id",
                                std::string(k_hours))[0].as<std::string>();
    tx.commit();
    clinic.timezone = "America/Chicago";
    clinic.business_hours = k_hours;
    settings.webhook_url = "https://dispatch.example.test/qstash/execute-call";
    settings.batch_size = 10;
    settings.max_starts_per_minute = 10;
  }

  // A completed case with notes and a pending (or queued) discharge call due at `due`.
  std::string add_call(const std::string& status = "pending_publish", const std::string& notes = "Ear drops twice daily.",
                       const std::string& due = "2026-03-10T21:00:00Z", const std::string& message_id = "")
  {
    pqxx::work tx(*db);
    const auto case_id = tx.exec_params1(
                             "INSERT INTO cases (clinic_id, status, metadata) VALUES ($1, 'completed', "
                             "jsonb_build_object('pimsConsultation', jsonb_build_object('notesText', $2::text))) "
                             "RETURNING id",
                             clinic_id, notes)[0].as<std::string>();
    const auto call_id = tx.exec_params1(
                             "INSERT INTO scheduled_discharge_calls (user_id, case_id, assistant_id, "
                             "outbound_phone_number_id, customer_phone, scheduled_for, status, dynamic_variables, "
                             "call_kind, qstash_message_id) VALUES ($1, $2, '11111111-2222-4333-8444-555555555555', "
                             "'66666666-7777-4888-8999-000000000000', '+13125550142', $3::timestamptz, $4, "
                             "'{\"pet_name\": \"Bella\", \"owner_name\": \"Alex Rivera\"}', 'discharge', "
                             "nullif($5, '')) RETURNING id",
                             user_id, case_id, due, status, message_id)[0].as<std::string>();
    tx.commit();
    return call_id;
  }

  PublishTally publish()
  {
    PublishTally tally;
    publish_pending_calls(*db, *publisher, settings, shared::ClinicId{clinic_id}, clinic, shared::Clock{k_now}, slots,
                          tally);
    return tally;
  }

  [[nodiscard]] std::string value(const std::string& call_id, const std::string& expression) const
  {
    pqxx::read_transaction tx(*db);
    return tx.exec_params1("SELECT coalesce((" + expression + ")::text, '') FROM scheduled_discharge_calls WHERE id = $1",
                           call_id)[0].as<std::string>();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(schedule_call_publishing, PublishWorld)

BOOST_AUTO_TEST_CASE(calls_go_out_in_batches_with_at_most_ten_starts_a_minute)
{
  std::vector<std::string> calls;
  for (int i = 0; i < 25; ++i) {
    calls.push_back(add_call());
  }
  const auto tally = publish();
  BOOST_TEST(tally.published == 25);
  std::size_t batches = 0;
  for (const auto& request : qstash.publish_requests()) {
    batches += request.target == "/v2/batch" ? 1 : 0;
  }
  BOOST_TEST(batches == 3U);
  std::map<std::string, int> per_minute;
  for (const auto& call : calls) {
    BOOST_TEST(value(call, "status") == "queued");
    const auto message = qstash.message(value(call, "qstash_message_id"));
    BOOST_REQUIRE(message.has_value());
    // The instant in the row is exactly the one QStash got.
    BOOST_TEST(std::to_string(message->not_before) == value(call, "extract(epoch FROM scheduled_for)::bigint"));
    BOOST_TEST(message->dedup_id == "call-" + call + "-v1");
    ++per_minute[value(call, "scheduled_for")];
  }
  BOOST_TEST(per_minute.size() == 3U);
  for (const auto& [minute, count] : per_minute) {
    BOOST_TEST(count <= 10);
  }
}

BOOST_AUTO_TEST_CASE(other_clinics_starts_count_against_the_same_minute)
{
  {
    pqxx::work tx(*db);
    tx.exec("INSERT INTO call_start_slots (account, minute, used) VALUES ('default', '2026-03-10T21:00:00Z', 8)");
    tx.commit();
  }
  std::vector<std::string> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(add_call());
  }
  BOOST_TEST(publish().published == 3);
  std::multiset<std::string> minutes;
  for (const auto& call : calls) {
    minutes.insert(value(call, "to_char(scheduled_for AT TIME ZONE 'UTC', 'HH24:MI')"));
  }
  BOOST_TEST(minutes.count("21:00") == 2U);
  BOOST_TEST(minutes.count("21:01") == 1U);
}

BOOST_AUTO_TEST_CASE(a_due_time_already_past_moves_two_minutes_ahead)
{
  const auto call = add_call("pending_publish", "Ear drops.", "2026-03-09T21:00:00Z");
  BOOST_TEST(publish().published == 1);
  BOOST_TEST(value(call, "to_char(scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')") == "2026-03-10 15:02");
}

BOOST_AUTO_TEST_CASE(a_queued_call_whose_case_became_ineligible_is_cancelled_at_qstash_and_in_the_row)
{
  const auto doomed = add_call();
  const auto kept = add_call();
  BOOST_TEST(publish().published == 2);
  const auto doomed_message = value(doomed, "qstash_message_id");
  {
    pqxx::work tx(*db);
    tx.exec_params("UPDATE cases SET metadata = jsonb_set(metadata, '{pimsConsultation,notesText}', "
                   "'\"Patient was euthanized at the owner''s request.\"') "
                   "WHERE id = (SELECT case_id FROM scheduled_discharge_calls WHERE id = $1)",
                   doomed);
    tx.commit();
  }
  PublishTally tally;
  cancel_ineligible_calls(*db, *publisher, shared::ClinicId{clinic_id}, tally);
  BOOST_TEST(tally.cancelled == 1);
  BOOST_TEST(value(doomed, "status") == "cancelled");
  BOOST_TEST(value(doomed, "metadata ->> 'cancel_reason'") == "euthanasia_or_death");
  BOOST_TEST(tests::fakes::to_string(qstash.message(doomed_message)->state) == std::string("cancelled"));
  BOOST_TEST(value(kept, "status") == "queued");
  BOOST_TEST(qstash.bulk_cancel_requests() == 0U);
  // A second look finds nothing more to do.
  PublishTally again;
  cancel_ineligible_calls(*db, *publisher, shared::ClinicId{clinic_id}, again);
  BOOST_TEST(again.cancelled == 0);
}

BOOST_AUTO_TEST_CASE(a_pending_call_of_an_ineligible_case_is_cancelled_before_it_is_published)
{
  const auto doomed = add_call("pending_publish", "Private cremation arranged.");
  PublishTally tally;
  cancel_ineligible_calls(*db, *publisher, shared::ClinicId{clinic_id}, tally);
  BOOST_TEST(value(doomed, "status") == "cancelled");
  BOOST_TEST(publish().published == 0);
  BOOST_TEST(qstash.messages().empty());
}

BOOST_AUTO_TEST_CASE(qstash_down_leaves_the_rows_pending_for_the_next_run)
{
  const auto call = add_call();
  qstash.fail_next(2, 503); // both attempts of this run
  const auto tally = publish();
  BOOST_TEST(tally.published == 0);
  BOOST_TEST(tally.unpublished == 1);
  BOOST_TEST(value(call, "status") == "pending_publish");
  BOOST_TEST(publish().published == 1); // the next run
  BOOST_TEST(value(call, "status") == "queued");
}

BOOST_AUTO_TEST_CASE(vapi_mode_publishes_the_vapi_request_itself_which_the_fake_vapi_accepts)
{
  tests::fakes::FakeVapi vapi{tests::fakes::FakeVapiOptions{.private_key = "vapi-key-publish", .concurrency = 10,
                                                             .mode = tests::fakes::VapiConcurrencyMode::reject,
                                                             .call_duration = std::chrono::seconds{60},
                                                             .assistant_ids = {}, .phone_number_ids = {}, .seed = 3,
                                                             .server = {}}};
  settings.mode = DestinationMode::vapi;
  settings.vapi_call_url = vapi.base_url() + "/call";
  settings.vapi_key = shared::Secret("vapi-key-publish");
  const auto call = add_call();
  BOOST_TEST(publish().published == 1);
  const auto message = qstash.message(value(call, "qstash_message_id"));
  BOOST_REQUIRE(message.has_value());
  BOOST_TEST(message->destination == vapi.base_url() + "/call");
  BOOST_TEST(message->retries == 0); // a retry could ring twice
  bool redacted = false;
  for (const auto& [name, header_value] : message->headers) {
    redacted = redacted || (name == "Upstash-Redact-Fields" && header_value == "body, headers");
  }
  BOOST_TEST(redacted);
  qstash.advance(std::chrono::hours{8});
  BOOST_TEST(qstash.deliver_due() == 1U);
  BOOST_REQUIRE(vapi.total_calls() == 1U);
  BOOST_TEST(vapi.calls().at(0).request_body.find(call) != std::string::npos);
  BOOST_TEST(vapi.calls_to("+13125550142") == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
