// idexx-sync-dispatch in-process against a real Postgres and the fake VAPI: signatures, the atomic
// claim, the re-check at call time, and the answers that steer QStash's retries.
#include "shared/db/connection.hpp"
#include "shared/http/http_client.hpp"
#include "stages/dispatch/dispatcher.hpp"
#include "tests/fakes/fake_qstash.hpp"
#include "tests/fakes/fake_vapi.hpp"
#include "tests/support/database_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

namespace {

const std::string k_url = "https://dispatch.example.test/qstash/execute-call";
const std::string k_current = "sig_dispatch_current";
const std::string k_next = "sig_dispatch_next";
const auto k_now = shared::parse_iso8601("2026-03-11T21:00:00Z");
constexpr const char* k_assistant = "11111111-2222-4333-8444-555555555555";
constexpr const char* k_number_id = "66666666-7777-4888-8999-000000000000";

struct DispatchWorld : tests::TempDatabaseFixture
{
  tests::fakes::FakeVapi vapi{tests::fakes::FakeVapiOptions{.private_key = "vapi-test-key", .concurrency = 10,
                                                             .mode = tests::fakes::VapiConcurrencyMode::reject,
                                                             .call_duration = std::chrono::seconds{180},
                                                             .assistant_ids = {k_assistant},
                                                             .phone_number_ids = {k_number_id},
                                                             .seed = 7, .server = {}}};
  std::unique_ptr<pqxx::connection> db = database.connect();
  std::string case_id;
  std::string call_id;
  std::unique_ptr<dispatch::DispatchServer> server;

  DispatchWorld()
  {
    pqxx::work tx(*db);
    const auto user = tx.exec1("INSERT INTO auth.users (id) VALUES (gen_random_uuid()) RETURNING id")[0].as<std::string>();
    tx.exec_params("INSERT INTO users (id, email) VALUES ($1, 'owner@clinic.example')", user);
    const auto clinic = tx.exec1("INSERT INTO clinics (name, timezone) VALUES ('Dispatch Clinic', 'America/Chicago') "
                                 "RETURNING id")[0].as<std::string>();
    case_id = tx.exec_params1(
                    "INSERT INTO cases (clinic_id, status, type, metadata) VALUES ($1, 'completed', 'checkup', "
                    "jsonb_build_object('pimsConsultation', jsonb_build_object('notesText', 'Ear infection; drops "
                    "twice daily.', 'reason', 'Head shaking'), 'pimsAppointment', jsonb_build_object('status', "
                    "'Finalized'))) RETURNING id",
                    clinic)[0].as<std::string>();
    tx.exec_params("INSERT INTO patients (case_id, clinic_id, name, owner_name, owner_phone) "
                   "VALUES ($1, $2, 'Bella', 'Alex Rivera', '(312) 555-0142')",
                   case_id, clinic);
    call_id = tx.exec_params1(
                    "INSERT INTO scheduled_discharge_calls (user_id, case_id, assistant_id, outbound_phone_number_id, "
                    "customer_phone, scheduled_for, status, dynamic_variables, metadata, call_kind, qstash_message_id) "
                    "VALUES ($1, $2, $3, $4, '+13125550142', $5::timestamptz, 'queued', "
                    "'{\"pet_name\": \"Bella\", \"owner_name\": \"Alex Rivera\", \"clinic_name\": \"Dispatch Clinic\"}', "
                    "'{}', 'discharge', 'msg_1') RETURNING id",
                    user, case_id, k_assistant, k_number_id, shared::format_iso8601(k_now))[0].as<std::string>();
    tx.commit();
    dispatch::DispatchConfig config;
    config.settings.listen_address = "127.0.0.1";
    config.settings.port = 0;
    config.settings.threads = 4;
    config.webhook_url = k_url;
    config.current_signing_key = shared::Secret(k_current);
    config.next_signing_key = shared::Secret(k_next);
    config.database = database.config();
    config.vapi = shared::vapi::VapiConfig{.base_url = vapi.base_url(), .private_key = shared::Secret("vapi-test-key"),
                                           .ca_file = tests::fakes::test_ca_dir() + "/ca.pem",
                                           .timeout = std::chrono::seconds{5}};
    server = std::make_unique<dispatch::DispatchServer>(std::move(config), shared::Clock{k_now});
  }

  [[nodiscard]] std::string body(int version = 1) const
  {
    return R"({"callId":")" + call_id + R"(","version":)" + std::to_string(version) + "}";
  }

  [[nodiscard]] static std::string sign(const std::string& key, const std::string& payload,
                                        std::int64_t iat = shared::unix_seconds(k_now))
  {
    return tests::fakes::upstash_signature(key, k_url, payload, iat, "jwt_dispatch_test");
  }

  [[nodiscard]] shared::http::HttpResponse post(const std::string& payload, std::optional<std::string> signature) const
  {
    shared::http::HttpClient client{shared::http::HttpClientConfig{}};
    shared::http::HttpRequest request{.method = "POST",
                                      .url = "http://127.0.0.1:" + std::to_string(server->port()) + "/qstash/execute-call",
                                      .headers = {{"Content-Type", "application/json"}, {"User-Agent", "Upstash-QStash"}},
                                      .body = payload, .timeout = std::nullopt};
    if (signature) {
      request.headers.emplace_back("Upstash-Signature", *signature);
    }
    return client.send(request);
  }

  [[nodiscard]] shared::http::HttpResponse get(const std::string& path) const
  {
    shared::http::HttpClient client{shared::http::HttpClientConfig{}};
    return client.send(shared::http::HttpRequest{.method = "GET",
                                                 .url = "http://127.0.0.1:" + std::to_string(server->port()) + path,
                                                 .headers = {}, .body = {}, .timeout = std::nullopt});
  }

  [[nodiscard]] std::string column(const std::string& expression) const
  {
    pqxx::read_transaction tx(*db);
    const auto row = tx.exec_params1("SELECT coalesce((" + expression + ")::text, '') FROM scheduled_discharge_calls WHERE id = $1", call_id);
    return row[0].as<std::string>();
  }

  void run(const std::string& sql) const
  {
    pqxx::work tx(*db);
    tx.exec_params(sql, case_id);
    tx.commit();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(dispatch_server, DispatchWorld)

BOOST_AUTO_TEST_CASE(a_signed_delivery_places_one_call_and_records_its_id)
{
  const auto response = post(body(), sign(k_current, body()));
  BOOST_TEST(response.status == 200);
  BOOST_TEST(vapi.total_calls() == 1U);
  BOOST_TEST(vapi.calls_to("+13125550142") == 1U);
  BOOST_TEST(column("status") == "dialing");
  BOOST_TEST(column("vapi_call_id") == vapi.calls().at(0).id);
  // The body VAPI got carries our ids in metadata and the script's variables, nothing unknown.
  const auto sent = vapi.calls().at(0).request_body;
  BOOST_TEST(sent.find(R"("callId":")" + call_id) != std::string::npos);
  BOOST_TEST(sent.find(R"("pet_name":"Bella")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_forged_or_expired_signature_is_refused_and_calls_nobody)
{
  BOOST_TEST(post(body(), sign("sig_forged", body())).status == 401);
  BOOST_TEST(post(body(), sign(k_current, body(), shared::unix_seconds(k_now) - 400)).status == 401); // exp = iat + 300
  BOOST_TEST(post(body(), std::nullopt).status == 401);
  BOOST_TEST(post(body() + " ", sign(k_current, body())).status == 401); // body changed after signing
  BOOST_TEST(vapi.total_calls() == 0U);
  BOOST_TEST(column("status") == "queued");
}

BOOST_AUTO_TEST_CASE(a_signature_made_with_the_next_key_is_accepted)
{
  BOOST_TEST(post(body(), sign(k_next, body())).status == 200);
  BOOST_TEST(vapi.total_calls() == 1U);
}

BOOST_AUTO_TEST_CASE(concurrent_and_repeated_deliveries_of_one_message_make_one_call)
{
  const auto payload = body();
  const auto signature = sign(k_current, payload);
  std::vector<int> statuses(6, 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] { statuses[i] = post(payload, signature).status; });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const int status : statuses) {
    BOOST_TEST(status == 200);
  }
  BOOST_TEST(post(payload, signature).status == 200); // a later redelivery
  BOOST_TEST(vapi.total_calls() == 1U);
  BOOST_TEST(column("vapi_call_id") == vapi.calls().at(0).id);
}

BOOST_AUTO_TEST_CASE(a_case_that_became_ineligible_gets_no_call_and_its_reason_is_recorded)
{
  // Euthanasia noted after the call was scheduled (a later sync merged new notes).
  run("UPDATE cases SET metadata = jsonb_set(metadata, '{pimsConsultation,notesText}', "
      "'\"Owner elected humane euthanasia.\"') WHERE id = $1");
  BOOST_TEST(post(body(), sign(k_current, body())).status == 200);
  BOOST_TEST(vapi.total_calls() == 0U);
  BOOST_TEST(column("status") == "cancelled");
  BOOST_TEST(column("metadata ->> 'cancel_reason'") == "euthanasia_or_death");
}

BOOST_AUTO_TEST_CASE(an_owner_who_opted_out_since_gets_no_call)
{
  run("INSERT INTO clients (clinic_id, phone, communication_opt_out) "
      "SELECT clinic_id, '312.555.0142', true FROM cases WHERE id = $1");
  BOOST_TEST(post(body(), sign(k_current, body())).status == 200);
  BOOST_TEST(vapi.total_calls() == 0U);
  BOOST_TEST(column("metadata ->> 'cancel_reason'") == "opted_out");
}

BOOST_AUTO_TEST_CASE(a_stale_version_is_acknowledged_without_a_call)
{
  run("UPDATE scheduled_discharge_calls SET publish_version = 2 WHERE case_id = $1");
  BOOST_TEST(post(body(1), sign(k_current, body(1))).status == 200);
  BOOST_TEST(vapi.total_calls() == 0U);
  BOOST_TEST(column("status") == "queued");
}

BOOST_AUTO_TEST_CASE(vapi_unavailable_returns_the_row_to_queued_and_asks_qstash_to_retry)
{
  vapi.fail_next(1, 429, 7);
  const auto first = post(body(), sign(k_current, body()));
  BOOST_TEST(first.status == 503);
  BOOST_TEST(first.header("Retry-After").value_or("") == "7");
  BOOST_TEST(column("status") == "queued");
  BOOST_TEST(post(body(), sign(k_current, body())).status == 200); // QStash's retry
  BOOST_TEST(vapi.total_calls() == 1U);
}

BOOST_AUTO_TEST_CASE(a_request_vapi_refuses_fails_the_call_for_good)
{
  run("UPDATE scheduled_discharge_calls SET assistant_id = '99999999-9999-4999-8999-999999999999' WHERE case_id = $1");
  const auto response = post(body(), sign(k_current, body()));
  BOOST_TEST(response.status == 489);
  BOOST_TEST(response.header("Upstash-NonRetryable-Error").value_or("") == "true");
  BOOST_TEST(column("status") == "failed");
}

BOOST_AUTO_TEST_CASE(a_payload_that_is_not_a_call_goes_to_the_dlq)
{
  const std::string junk = R"({"callId":"not-a-uuid","version":1})";
  BOOST_TEST(post(junk, sign(k_current, junk)).status == 489);
}

BOOST_AUTO_TEST_CASE(health_and_metrics_endpoints_answer)
{
  BOOST_TEST(get("/healthz").status == 200);
  BOOST_TEST(get("/readyz").status == 200);
  (void)post(body(), sign("sig_forged", body()));
  (void)post(body(), sign(k_current, body()));
  const auto metrics = get("/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find(R"(idexx_sync_dispatch_deliveries_total{outcome="called"} 1)") != std::string::npos);
  BOOST_TEST(metrics.body.find(R"(idexx_sync_dispatch_deliveries_total{outcome="bad_signature"} 1)") != std::string::npos);
  BOOST_TEST(metrics.body.find("vapi-test-key") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
