#include "tests/fakes/fake_vapi.hpp"
#include "tests/fakes/selftest/test_client.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>

namespace fakes = tests::fakes;
namespace client = tests::fakes::selftest;
using nlohmann::json;

namespace {

constexpr const char* k_key = "vapi_test_private_key";
const std::chrono::sys_seconds k_start{std::chrono::seconds{1773066600}};

json call_body(const std::string& number)
{
  return json{{"assistantId", "11111111-2222-4333-8444-555555555555"},
              {"phoneNumberId", "66666666-7777-4888-8999-000000000000"},
              {"name", "discharge 3f0c6a2e"},
              {"customer", {{"number", number}, {"name", "Alex Rivera"}}},
              {"assistantOverrides",
               {{"variableValues", {{"pet_name", "Bella"}}},
                {"metadata", {{"callId", "3f0c6a2e-0000-4000-8000-000000000001"}, {"version", 1}}},
                {"maxDurationSeconds", 600}}}};
}

fakes::FakeVapiOptions
vapi_options(int concurrency = 10,
             fakes::VapiConcurrencyMode mode = fakes::VapiConcurrencyMode::reject)
{
  fakes::FakeVapiOptions options;
  options.private_key = k_key;
  options.concurrency = concurrency;
  options.mode = mode;
  options.call_duration = std::chrono::seconds(300);
  options.seed = 11;
  return options;
}

client::ClientResponse post_call(const fakes::FakeVapi& vapi, const json& body,
                                 const std::string& key = k_key)
{
  return client::request(vapi.server().port(), "POST", "/call",
                         {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}},
                         body.dump());
}

std::vector<std::string> messages_of(const client::ClientResponse& response)
{
  const auto body = json::parse(response.body);
  BOOST_TEST(body.at("error").get<std::string>() == "Bad Request");
  BOOST_TEST(body.at("statusCode").get<int>() == 400);
  if (body.at("message").is_string())
    return {body.at("message").get<std::string>()};
  return body.at("message").get<std::vector<std::string>>();
}

bool has(const std::vector<std::string>& list, const std::string& text)
{
  return std::find(list.begin(), list.end(), text) != list.end();
}

} // namespace

BOOST_AUTO_TEST_SUITE(fakes_fake_vapi)

BOOST_AUTO_TEST_CASE(create_answers_201_with_a_call_object_and_get_finds_it)
{
  fakes::FakeVapi vapi(vapi_options());
  vapi.set_now(k_start);
  const auto response = post_call(vapi, call_body("+14155550123"));
  BOOST_REQUIRE_EQUAL(response.status, 201);
  const auto call = json::parse(response.body);
  static const std::regex uuid(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  const auto id = call.at("id").get<std::string>();
  BOOST_TEST(std::regex_match(id, uuid));
  BOOST_TEST(call.contains("orgId"));
  BOOST_TEST(call.at("createdAt").get<std::string>() == "2026-03-09T14:30:00.000Z");
  BOOST_TEST(call.contains("updatedAt"));
  BOOST_TEST(call.at("type").get<std::string>() == "outboundPhoneCall");
  BOOST_TEST(call.at("status").get<std::string>() == "queued");
  BOOST_TEST(call.at("customer").at("number").get<std::string>() == "+14155550123");
  BOOST_TEST(call.at("assistantOverrides").at("metadata").at("version").get<int>() == 1);
  BOOST_TEST(call.at("subscriptionLimits").at("concurrencyBlocked").get<bool>() == false);
  BOOST_TEST(call.at("subscriptionLimits").at("remainingConcurrentCalls").get<int>() == 9);

  const auto fetched = client::request(vapi.server().port(), "GET", "/call/" + id,
                                       {{"Authorization", std::string("Bearer ") + k_key}});
  BOOST_TEST(fetched.status == 200);
  BOOST_TEST(json::parse(fetched.body).at("id").get<std::string>() == id);
  BOOST_TEST(client::request(vapi.server().port(), "GET", "/call/nope",
                             {{"Authorization", std::string("Bearer ") + k_key}})
                 .status == 404);

  // Same seed, same ids.
  fakes::FakeVapi twin(vapi_options());
  BOOST_TEST(json::parse(post_call(twin, call_body("+14155550123")).body).at("id") == id);
}

BOOST_AUTO_TEST_CASE(bad_key_is_401)
{
  fakes::FakeVapi vapi(vapi_options());
  BOOST_TEST(post_call(vapi, call_body("+14155550123"), "wrong").status == 401);
  BOOST_TEST(client::request(vapi.server().port(), "POST", "/call", {}, "{}").status == 401);
  BOOST_TEST(vapi.total_calls() == 0U);
}

BOOST_AUTO_TEST_CASE(unknown_properties_are_400_with_their_paths)
{
  fakes::FakeVapi vapi(vapi_options());
  auto body = call_body("+14155550123");
  body["metadata"] = {{"callId", "x"}};
  body["customer"]["phone"] = "x";
  body["assistantOverrides"]["model"] = "gpt";
  const auto response = post_call(vapi, body);
  BOOST_REQUIRE_EQUAL(response.status, 400);
  const auto messages = messages_of(response);
  BOOST_TEST(has(messages, "property metadata should not exist"));
  BOOST_TEST(has(messages, "property customer.phone should not exist"));
  BOOST_TEST(has(messages, "property assistantOverrides.model should not exist"));
  BOOST_TEST(vapi.total_calls() == 0U);
}

BOOST_AUTO_TEST_CASE(bad_e164_long_names_and_durations_are_400)
{
  fakes::FakeVapi vapi(vapi_options());
  for (const auto* number :
       {"4155550123", "+04155550123", "+1415", "+1415555012345678", "+1 415 555"}) {
    const auto response = post_call(vapi, call_body(number));
    BOOST_TEST(response.status == 400, number);
    const auto messages = messages_of(response);
    BOOST_REQUIRE_EQUAL(messages.size(), 1U);
    BOOST_TEST(messages[0].rfind("customer.number", 0) == 0U);
  }
  auto long_name = call_body("+14155550123");
  long_name["name"] = std::string(41, 'n');
  BOOST_TEST(post_call(vapi, long_name).status == 400);
  auto long_customer = call_body("+14155550123");
  long_customer["customer"]["name"] = std::string(41, 'n');
  BOOST_TEST(post_call(vapi, long_customer).status == 400);
  auto short_call = call_body("+14155550123");
  short_call["assistantOverrides"]["maxDurationSeconds"] = 5;
  BOOST_TEST(post_call(vapi, short_call).status == 400);
  BOOST_TEST(vapi.total_calls() == 0U);

  auto forty = call_body("+442071838750");
  forty["name"] = std::string(40, 'n');
  BOOST_TEST(post_call(vapi, forty).status == 201);
}

BOOST_AUTO_TEST_CASE(counts_calls_per_number_and_in_total)
{
  fakes::FakeVapi vapi(vapi_options());
  BOOST_TEST(post_call(vapi, call_body("+14155550123")).status == 201);
  BOOST_TEST(post_call(vapi, call_body("+14155550123")).status == 201);
  BOOST_TEST(post_call(vapi, call_body("+14155550124")).status == 201);
  BOOST_TEST(vapi.total_calls() == 3U);
  BOOST_TEST(vapi.calls_to("+14155550123") == 2U);
  BOOST_TEST(vapi.calls_to("+14155550124") == 1U);
  BOOST_TEST(vapi.calls_to("+14155550125") == 0U);
  BOOST_TEST(vapi.calls_per_number().size() == 2U);

  const auto control = client::request(vapi.server().port(), "GET", "/_fake/calls");
  BOOST_REQUIRE_EQUAL(control.status, 200);
  const auto stats = json::parse(control.body);
  BOOST_TEST(stats.at("total").get<int>() == 3);
  BOOST_TEST(stats.at("perNumber").at("+14155550123").get<int>() == 2);
  BOOST_TEST(control.body.find(k_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(reject_mode_refuses_calls_over_the_concurrency_limit)
{
  fakes::FakeVapi vapi(vapi_options(2));
  vapi.set_now(k_start);
  BOOST_TEST(post_call(vapi, call_body("+14155550001")).status == 201);
  vapi.advance(std::chrono::seconds(60));
  BOOST_TEST(post_call(vapi, call_body("+14155550002")).status == 201);
  const auto rejected = post_call(vapi, call_body("+14155550003"));
  BOOST_TEST(rejected.status == 400);
  const auto messages = messages_of(rejected);
  BOOST_TEST(has(messages, "Over Concurrency Limit"));
  BOOST_TEST(vapi.total_calls() == 2U);
  BOOST_TEST(vapi.concurrency_rejections() == 1U);

  vapi.advance(std::chrono::seconds(240)); // the first call (300 s) has ended
  BOOST_TEST(post_call(vapi, call_body("+14155550003")).status == 201);
  BOOST_TEST(vapi.peak_concurrent() == 2U);
}

BOOST_AUTO_TEST_CASE(queue_mode_accepts_blocked_calls_and_starts_them_later)
{
  fakes::FakeVapi vapi(vapi_options(1, fakes::VapiConcurrencyMode::queue));
  vapi.set_now(k_start);
  BOOST_TEST(post_call(vapi, call_body("+14155550001")).status == 201);
  const auto queued = post_call(vapi, call_body("+14155550002"));
  BOOST_REQUIRE_EQUAL(queued.status, 201);
  BOOST_TEST(
      json::parse(queued.body).at("subscriptionLimits").at("concurrencyBlocked").get<bool>());
  const auto calls = vapi.calls();
  BOOST_REQUIRE_EQUAL(calls.size(), 2U);
  BOOST_TEST((calls[1].starts_at == calls[0].ends_at));
  BOOST_TEST(vapi.peak_concurrent() == 1U);
}

BOOST_AUTO_TEST_CASE(list_filters_by_creation_time_and_assistant)
{
  fakes::FakeVapi vapi(vapi_options());
  vapi.set_now(k_start);
  BOOST_TEST(post_call(vapi, call_body("+14155550001")).status == 201);
  vapi.advance(std::chrono::seconds(600));
  const auto second = post_call(vapi, call_body("+14155550002"));
  BOOST_REQUIRE_EQUAL(second.status, 201);
  const client::Headers auth{{"Authorization", std::string("Bearer ") + k_key}};
  const auto all = client::request(vapi.server().port(), "GET", "/call", auth);
  BOOST_REQUIRE_EQUAL(all.status, 200);
  BOOST_TEST(json::parse(all.body).size() == 2U);
  const auto recent = client::request(
      vapi.server().port(), "GET",
      "/call?assistantId=11111111-2222-4333-8444-555555555555&createdAtGt=2026-03-09T14%3A35%3A00Z",
      auth);
  BOOST_REQUIRE_EQUAL(recent.status, 200);
  const auto list = json::parse(recent.body);
  BOOST_REQUIRE_EQUAL(list.size(), 1U);
  BOOST_TEST(list[0].at("id") == json::parse(second.body).at("id"));
  BOOST_TEST(list[0].at("status").get<std::string>() == "in-progress");
  BOOST_TEST(json::parse(
                 client::request(vapi.server().port(), "GET", "/call?assistantId=other", auth).body)
                 .empty());
  BOOST_TEST(
      client::request(vapi.server().port(), "GET", "/call?createdAtGt=yesterday", auth).status ==
      400);
  BOOST_TEST(client::request(vapi.server().port(), "GET", "/call").status == 401);
}

BOOST_AUTO_TEST_CASE(fail_next_answers_the_injected_status_and_creates_nothing)
{
  fakes::FakeVapi vapi(vapi_options());
  vapi.fail_next(1, 429, 7);
  const auto limited = post_call(vapi, call_body("+14155550123"));
  BOOST_TEST(limited.status == 429);
  BOOST_TEST(limited.header("Retry-After").value_or("") == "7");
  vapi.fail_next(1, 500);
  BOOST_TEST(post_call(vapi, call_body("+14155550123")).status == 500);
  BOOST_TEST(vapi.total_calls() == 0U);
  BOOST_TEST(post_call(vapi, call_body("+14155550123")).status == 201);
}

BOOST_AUTO_TEST_SUITE_END()
