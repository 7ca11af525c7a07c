#include "shared/crypto/hashing.hpp"
#include "tests/fakes/fake_qstash.hpp"
#include "tests/fakes/selftest/test_client.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <chrono>

namespace fakes = tests::fakes;
namespace client = tests::fakes::selftest;
using nlohmann::json;

namespace {

constexpr const char* k_token = "qstash_test_token";
constexpr const char* k_destination = "https://hooks.example.test/qstash/execute-call";
// 2026-03-09T14:30:00Z
const std::chrono::sys_seconds k_start{std::chrono::seconds{1773066600}};

struct QstashFixture
{
  fakes::FakeQstash qstash{[] {
    fakes::FakeQstashOptions options;
    options.token = k_token;
    options.seed = 7;
    return options;
  }()};

  QstashFixture() { qstash.set_now(k_start); }

  client::ClientResponse publish(const client::Headers& extra, const std::string& body,
                                 const std::string& destination = k_destination,
                                 const std::string& token = k_token) const
  {
    client::Headers headers{{"Authorization", std::string("Bearer ") + token},
                            {"Content-Type", "application/json"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client::request(qstash.server().port(), "POST", "/v2/publish/" + destination, headers,
                           body);
  }

  client::ClientResponse call(const std::string& method, const std::string& target) const
  {
    return client::request(qstash.server().port(), method, target,
                           {{"Authorization", std::string("Bearer ") + k_token}});
  }
};

std::string message_id_of(const client::ClientResponse& response)
{
  return json::parse(response.body).at("messageId").get<std::string>();
}

std::int64_t unix_of(std::chrono::sys_seconds at) { return at.time_since_epoch().count(); }

} // namespace

BOOST_AUTO_TEST_SUITE(fakes_fake_qstash)

BOOST_FIXTURE_TEST_CASE(publish_stores_the_message_with_its_not_before, QstashFixture)
{
  const auto not_before = unix_of(k_start) + 3600;
  const auto response = publish({{"upstash-not-before", std::to_string(not_before)},
                                 {"Upstash-Delay", "10s"}, // Not-Before wins
                                 {"Upstash-Retries", "0"},
                                 {"Upstash-Label", "call-abc-v1"},
                                 {"Upstash-Deduplication-Id", "call-abc-v1"},
                                 {"Upstash-Forward-X-Call", "abc"}},
                                R"({"callId":"abc","version":1})");
  BOOST_TEST(response.status == 200);
  const auto id = message_id_of(response);
  BOOST_TEST(id.rfind("msg_", 0) == 0U);

  const auto stored = qstash.messages();
  BOOST_REQUIRE_EQUAL(stored.size(), 1U);
  BOOST_TEST(stored[0].id == id);
  BOOST_TEST(stored[0].destination == k_destination);
  BOOST_TEST(stored[0].not_before == not_before);
  BOOST_TEST(stored[0].retries == 0);
  BOOST_TEST(stored[0].label == "call-abc-v1");
  BOOST_TEST(stored[0].dedup_id == "call-abc-v1");
  BOOST_TEST(stored[0].body == R"({"callId":"abc","version":1})");
  BOOST_REQUIRE_EQUAL(stored[0].forward_headers.size(), 1U);
  BOOST_TEST(stored[0].forward_headers[0].first == "X-Call");
  BOOST_TEST(std::string(fakes::to_string(stored[0].state)) == "pending");
  BOOST_TEST(qstash.publish_requests().size() == 1U);
  BOOST_TEST(qstash.publish_requests()[0].target == std::string("/v2/publish/") + k_destination);

  // Delay alone, and the default of 3 retries.
  BOOST_TEST(publish({{"Upstash-Delay", "1d10h30m"}}, "{}").status == 200);
  BOOST_TEST(qstash.messages().at(1).not_before == unix_of(k_start) + 86400 + 37800);
  BOOST_TEST(qstash.messages().at(1).retries == 3);

  const auto inspected = call("GET", "/v2/messages/" + id);
  BOOST_TEST(inspected.status == 200);
  BOOST_TEST(json::parse(inspected.body).at("notBefore").get<std::int64_t>() == not_before * 1000);
}

BOOST_FIXTURE_TEST_CASE(same_dedup_id_within_the_window_answers_202_with_the_same_id, QstashFixture)
{
  const client::Headers dedup{{"Upstash-Deduplication-Id", "call-x-v1"}};
  const auto first = publish(dedup, "{}");
  BOOST_REQUIRE_EQUAL(first.status, 200);

  qstash.advance(std::chrono::seconds(599));
  const auto second = publish(dedup, R"({"other":"body"})");
  BOOST_TEST(second.status == 202);
  BOOST_TEST(message_id_of(second) == message_id_of(first));
  BOOST_TEST(json::parse(second.body).at("deduplicated").get<bool>());
  BOOST_TEST(qstash.messages().size() == 1U);

  qstash.advance(std::chrono::seconds(1)); // the window (600 s) is over
  const auto third = publish(dedup, "{}");
  BOOST_TEST(third.status == 200);
  BOOST_TEST(message_id_of(third) != message_id_of(first));
  BOOST_TEST(qstash.messages().size() == 2U);
}

BOOST_FIXTURE_TEST_CASE(content_based_dedup_uses_destination_body_and_forward_headers,
                        QstashFixture)
{
  const client::Headers content{{"Upstash-Content-Based-Deduplication", "true"}};
  const auto first = publish(content, R"({"a":1})");
  BOOST_REQUIRE_EQUAL(first.status, 200);
  BOOST_TEST(publish(content, R"({"a":1})").status == 202);
  BOOST_TEST(publish(content, R"({"a":2})").status == 200);
  auto forwarded = content;
  forwarded.emplace_back("Upstash-Forward-X-Extra", "1");
  BOOST_TEST(publish(forwarded, R"({"a":1})").status == 200);
}

BOOST_FIXTURE_TEST_CASE(cancel_answers_200_then_404_and_the_dedup_id_stays_active, QstashFixture)
{
  const client::Headers dedup{{"Upstash-Deduplication-Id", "call-y-v1"}, {"Upstash-Delay", "2h"}};
  const auto id = message_id_of(publish(dedup, "{}"));

  BOOST_TEST(call("DELETE", "/v2/messages/" + id).status == 200);
  BOOST_TEST(std::string(fakes::to_string(qstash.message(id)->state)) == "cancelled");
  const auto again = call("DELETE", "/v2/messages/" + id);
  BOOST_TEST(again.status == 404);
  BOOST_TEST(json::parse(again.body).contains("error"));
  BOOST_TEST(call("GET", "/v2/messages/" + id).status == 404);
  BOOST_TEST(call("DELETE", "/v2/messages/msg_unknown").status == 404);

  // The reschedule trap (external-services.md 1.8): same dedup id -> the cancelled message's id.
  qstash.advance(std::chrono::seconds(60));
  const auto republished = publish(dedup, "{}");
  BOOST_TEST(republished.status == 202);
  BOOST_TEST(message_id_of(republished) == id);
  BOOST_TEST(qstash.messages().size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(bad_token_is_401_and_bad_requests_are_400, QstashFixture)
{
  const auto unauthorised = publish({}, "{}", k_destination, "wrong");
  BOOST_TEST(unauthorised.status == 401);
  BOOST_TEST(json::parse(unauthorised.body).contains("error"));
  BOOST_TEST(client::request(qstash.server().port(), "POST",
                             std::string("/v2/publish/") + k_destination, {}, "{}")
                 .status == 401);

  const auto bad_scheme = publish({}, "{}", "hooks.example.test/x");
  BOOST_TEST(bad_scheme.status == 400);
  BOOST_TEST(json::parse(bad_scheme.body).at("error").get<std::string>() ==
             "invalid destination url: endpoint has invalid scheme, add http:// or https://");
  BOOST_TEST(publish({}, "{}", "ftp://hooks.example.test/x").status == 400);

  BOOST_TEST(publish({{"Upstash-Not-Before", "tomorrow"}}, "{}").status == 400);
  BOOST_TEST(publish({{"Upstash-Delay", "10x"}}, "{}").status == 400);
  BOOST_TEST(publish({{"Upstash-Retries", "-1"}}, "{}").status == 400);
  BOOST_TEST(publish({{"Upstash-Delay", "8d"}}, "{}").status == 400); // beyond 7 days
  BOOST_TEST(publish({{"Upstash-Not-Before", std::to_string(unix_of(k_start) + 7 * 86400)}}, "{}")
                 .status == 200);
  BOOST_TEST(publish({}, std::string(1024 * 1024 + 1, 'x')).status == 400);
  BOOST_TEST(qstash.messages().size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(batch_answers_in_order_with_an_error_entry_for_a_bad_item, QstashFixture)
{
  const json items = json::array({json{{"destination", k_destination},
                                       {"headers", {{"Upstash-Deduplication-Id", "b-1"}}},
                                       {"body", "one"}},
                                  json{{"destination", "not-a-url"}, {"body", "two"}},
                                  json{{"headers", {{"Upstash-Delay", "1m"}}}, {"body", "three"}},
                                  json{{"destination", k_destination},
                                       {"headers", {{"Upstash-Deduplication-Id", "b-1"}}},
                                       {"body", "four"}},
                                  json{{"destination", k_destination}, {"body", "five"}}});
  const auto response = client::request(
      qstash.server().port(), "POST", "/v2/batch",
      {{"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}},
      items.dump());
  BOOST_REQUIRE_EQUAL(response.status, 200);
  const auto out = json::parse(response.body);
  BOOST_REQUIRE_EQUAL(out.size(), 5U);
  BOOST_TEST(out[0].contains("messageId"));
  BOOST_TEST(out[1].contains("error"));
  BOOST_TEST(!out[1].contains("messageId"));
  BOOST_TEST(out[2].contains("error"));
  BOOST_TEST(out[3].at("messageId") == out[0].at("messageId"));
  BOOST_TEST(out[3].at("deduplicated").get<bool>());
  BOOST_TEST(out[4].contains("messageId"));
  const auto stored = qstash.messages();
  BOOST_REQUIRE_EQUAL(stored.size(), 2U);
  BOOST_TEST(stored[0].body == "one");
  BOOST_TEST(stored[1].body == "five");

  BOOST_TEST(client::request(qstash.server().port(), "POST", "/v2/batch",
                             {{"Authorization", std::string("Bearer ") + k_token}}, "{}")
                 .status == 400);
}

BOOST_FIXTURE_TEST_CASE(bulk_delete_is_recorded_and_cancels_nothing, QstashFixture)
{
  const auto id = message_id_of(publish({{"Upstash-Delay", "1h"}}, "{}"));
  BOOST_TEST(qstash.bulk_cancel_requests() == 0U);
  const auto bulk = call("DELETE", "/v2/messages");
  BOOST_TEST(bulk.status == 200);
  BOOST_TEST(json::parse(bulk.body).at("cancelled").get<int>() == 0);
  BOOST_TEST(qstash.bulk_cancel_requests() == 1U);
  BOOST_TEST(std::string(fakes::to_string(qstash.message(id)->state)) == "pending");
  const auto stats = client::request(qstash.server().port(), "GET", "/_fake/stats");
  BOOST_TEST(json::parse(stats.body).at("bulkCancelRequests").get<int>() == 1);
}

BOOST_FIXTURE_TEST_CASE(fail_next_answers_429_in_both_header_styles_and_5xx, QstashFixture)
{
  qstash.fail_next(1, 429, fakes::RateLimitStyle::daily);
  const auto daily = publish({}, "{}");
  BOOST_TEST(daily.status == 429);
  BOOST_TEST(daily.header("RateLimit-Limit").has_value());
  BOOST_TEST(daily.header("RateLimit-Remaining").value_or("") == "0");
  BOOST_TEST(daily.header("RateLimit-Reset").value_or("") ==
             std::to_string((unix_of(k_start) / 86400 + 1) * 86400));

  qstash.fail_next(1, 429, fakes::RateLimitStyle::burst);
  const auto burst = publish({}, "{}");
  BOOST_TEST(burst.status == 429);
  BOOST_TEST(!burst.header("RateLimit-Limit").has_value());
  BOOST_TEST(burst.header("Burst-RateLimit-Reset").value_or("") ==
             std::to_string(unix_of(k_start) + 1));

  qstash.fail_next(2, 503);
  BOOST_TEST(publish({}, "{}").status == 503);
  BOOST_TEST(publish({}, "{}").status == 503);
  BOOST_TEST(publish({}, "{}").status == 200);
  BOOST_TEST(qstash.messages().size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(control_listing_hides_forwarded_secrets, QstashFixture)
{
  BOOST_TEST(
      publish({{"Upstash-Forward-Authorization", "Bearer vapi_secret_value"}}, "{}").status == 200);
  const auto listing = client::request(qstash.server().port(), "GET", "/_fake/messages");
  BOOST_REQUIRE_EQUAL(listing.status, 200);
  const auto list = json::parse(listing.body);
  BOOST_REQUIRE_EQUAL(list.size(), 1U);
  BOOST_TEST(list[0].at("forwardHeaderNames")[0].get<std::string>() == "Authorization");
  BOOST_TEST(listing.body.find("vapi_secret_value") == std::string::npos);
  BOOST_TEST(listing.body.find(k_token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_clock_is_real_stopped_or_running_from_a_start)
{
  fakes::FakeClock clock;
  const auto real = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  BOOST_TEST((clock.now() - real).count() <= 1);
  BOOST_TEST(!clock.is_stopped());
  clock.set(k_start);
  BOOST_TEST(unix_of(clock.now()) == unix_of(k_start));
  clock.advance(std::chrono::seconds(90));
  BOOST_TEST(unix_of(clock.now()) == unix_of(k_start) + 90);
  clock.run_from(k_start);
  BOOST_TEST(!clock.is_stopped());
  clock.advance(std::chrono::seconds(3600));
  BOOST_TEST(unix_of(clock.now()) - unix_of(k_start) >= 3600);
  BOOST_TEST(unix_of(clock.now()) - unix_of(k_start) <= 3601);
}

BOOST_AUTO_TEST_CASE(signature_matches_the_handbook_test_vector)
{
  const std::string body = R"({"callId":"3f0c6a2e-0000-4000-8000-000000000001","version":1})";
  const auto token = fakes::upstash_signature("sig_test_current", k_destination, body, 1767225600,
                                              "jwt_test0001", 0, 1767225900);
  BOOST_TEST(
      token ==
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cHM6Ly9ob2"
      "9rcy5leGFtcGxlLnRlc3QvcXN0YXNoL2V4ZWN1dGUtY2FsbCIsImV4cCI6MTc2NzIyNTkwMCwibmJmIjowLCJp"
      "YXQiOjE3NjcyMjU2MDAsImp0aSI6Imp3dF90ZXN0MDAwMSIsImJvZHkiOiJHM1lhdEh1NEVCWXVFamEwaVBva0"
      "02ZWpvaGJ6WDA0YlBreUNYUmtHYWZVPSJ9.izLJfg2905-_YU3ntovQissK2o5xgPctRi7wxH0nfv8");
  const auto next = fakes::upstash_signature("sig_test_next", k_destination, body, 1767225600,
                                             "jwt_test0001", 0, 1767225900);
  BOOST_TEST(next.substr(next.rfind('.')) == ".I3IY0YXZn12mB5P3bcKRB7hSHtGYR_MqqpGKagHp-Hk");
}

BOOST_AUTO_TEST_CASE(deliver_due_posts_signed_messages_to_their_destination)
{
  fakes::FakeHttpServer destination([](const fakes::FakeRequest&) {
    return fakes::FakeResponse{200, {}, "ok"};
  });
  fakes::FakeQstashOptions options;
  options.token = k_token;
  options.current_signing_key = "sig_test_current";
  fakes::FakeQstash qstash(options);
  qstash.set_now(k_start);
  const auto url = destination.base_url() + "/qstash/execute-call";
  const std::string body = R"({"callId":"c1","version":1})";
  const auto published = client::request(qstash.server().port(), "POST", "/v2/publish/" + url,
                                         {{"Authorization", std::string("Bearer ") + k_token},
                                          {"Content-Type", "application/json"},
                                          {"Upstash-Delay", "2m"},
                                          {"Upstash-Forward-X-Trace", "t1"}},
                                         body);
  BOOST_REQUIRE_EQUAL(published.status, 200);
  const auto id = message_id_of(published);

  BOOST_TEST(qstash.deliver_due() == 0U); // not yet due
  qstash.advance(std::chrono::seconds(120));
  BOOST_TEST(qstash.deliver_due() == 1U);
  BOOST_TEST(qstash.deliver_due() == 0U);

  const auto received = destination.requests();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].method == "POST");
  BOOST_TEST(received[0].target == "/qstash/execute-call");
  BOOST_TEST(received[0].body == body);
  BOOST_TEST(received[0].header("X-Trace").value_or("") == "t1");
  BOOST_TEST(received[0].header("Content-Type").value_or("") == "application/json");
  BOOST_TEST(received[0].header("User-Agent").value_or("") == "Upstash-QStash");
  BOOST_TEST(received[0].header("Upstash-Message-Id").value_or("") == id);
  BOOST_TEST(received[0].header("Upstash-Retried").value_or("") == "0");
  const auto signature = received[0].header("Upstash-Signature").value_or("");
  const auto claims_part =
      signature.substr(signature.find('.') + 1, signature.rfind('.') - signature.find('.') - 1);
  const auto claims = json::parse(shared::crypto::base64url_decode(claims_part));
  BOOST_TEST(claims.at("iss").get<std::string>() == "Upstash");
  BOOST_TEST(claims.at("sub").get<std::string>() == url);
  BOOST_TEST(claims.at("nbf").get<std::int64_t>() == 0);
  const auto iat = claims.at("iat").get<std::int64_t>();
  BOOST_TEST(iat == unix_of(k_start) + 120);
  BOOST_TEST(claims.at("exp").get<std::int64_t>() == iat + 300);
  // Re-signing the same claims with the key reproduces the token: the HMAC is right.
  BOOST_TEST(signature == fakes::upstash_signature("sig_test_current", url, body, iat,
                                                   claims.at("jti").get<std::string>()));

  const auto stored = qstash.message(id);
  BOOST_REQUIRE(stored.has_value());
  BOOST_TEST(std::string(fakes::to_string(stored->state)) == "delivered");
  BOOST_REQUIRE_EQUAL(stored->deliveries.size(), 1U);
  BOOST_TEST(stored->deliveries[0].status == 200);
  BOOST_TEST(client::request(qstash.server().port(), "GET", "/v2/messages/" + id,
                             {{"Authorization", std::string("Bearer ") + k_token}})
                 .status == 404);
}

BOOST_AUTO_TEST_CASE(deliver_twice_repeats_a_delivered_message_once_for_the_next_n)
{
  fakes::FakeHttpServer destination([](const fakes::FakeRequest&) { return fakes::FakeResponse{200, {}, "ok"}; });
  fakes::FakeQstash qstash([] {
    fakes::FakeQstashOptions options;
    options.token = k_token;
    return options;
  }());
  qstash.set_now(k_start);
  const auto url = destination.base_url() + "/qstash/execute-call";
  for (int i = 0; i < 3; ++i) {
    const auto published = client::request(qstash.server().port(), "POST", "/v2/publish/" + url,
                                           {{"Authorization", std::string("Bearer ") + k_token},
                                            {"Upstash-Deduplication-Id", "d" + std::to_string(i)}},
                                           "{}");
    BOOST_REQUIRE_EQUAL(published.status, 200);
  }
  qstash.deliver_twice_next(2);
  BOOST_TEST(qstash.deliver_due() == 3U);
  BOOST_TEST(destination.requests().size() == 5U); // two of the three came twice
  std::size_t repeated = 0;
  for (const auto& message : qstash.messages()) {
    BOOST_TEST(fakes::to_string(message.state) == std::string("delivered"));
    repeated += message.deliveries.size() == 2 ? 1U : 0U;
  }
  BOOST_TEST(repeated == 2U);
}

BOOST_AUTO_TEST_CASE(a_delayed_answer_comes_after_the_message_is_stored)
{
  QstashFixture fixture;
  fixture.qstash.delay_publish_answers(std::chrono::milliseconds{300});
  const auto started = std::chrono::steady_clock::now();
  const auto response = fixture.publish({{"Upstash-Deduplication-Id", "slow-1"}}, "{}");
  BOOST_TEST(response.status == 200);
  BOOST_TEST((std::chrono::steady_clock::now() - started >= std::chrono::milliseconds{300}));
  BOOST_TEST(fixture.qstash.messages().size() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
