#include "tests/fakes/fake_http_server.hpp"
#include "tests/fakes/selftest/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>

namespace fakes = tests::fakes;
namespace client = tests::fakes::selftest;

BOOST_AUTO_TEST_SUITE(fakes_fake_http_server)

BOOST_AUTO_TEST_CASE(serves_https_with_the_test_ca_and_logs_the_raw_request)
{
  fakes::FakeHttpServer server([](const fakes::FakeRequest& request) {
    return fakes::FakeResponse{201,
                               {{"Content-Type", "text/plain"},
                                {"Set-Cookie", "a=1; Path=/"},
                                {"Set-Cookie", "b=2; Path=/"}},
                               request.method + " " + request.path() + " " + request.body};
  });
  BOOST_TEST(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()));

  const auto response = client::request(server.port(), "POST", "/x%20y?q=a%3Ab&z=1+2",
                                        {{"Cookie", "sid=abc"}, {"X-Test", "yes"}}, "payload");

  BOOST_TEST(response.status == 201);
  BOOST_TEST(response.body == "POST /x%20y payload");
  BOOST_TEST(response.set_cookies.size() == 2U);
  const auto log = server.requests();
  BOOST_REQUIRE_EQUAL(log.size(), 1U);
  BOOST_TEST(log[0].target == "/x%20y?q=a%3Ab&z=1+2");
  BOOST_TEST(log[0].raw_query() == "q=a%3Ab&z=1+2");
  BOOST_REQUIRE(log[0].cookie("sid").has_value());
  BOOST_TEST(*log[0].cookie("sid") == "abc");
  BOOST_REQUIRE(log[0].header("x-test").has_value());
  BOOST_TEST(*log[0].header("x-test") == "yes");
}

BOOST_AUTO_TEST_CASE(fail_next_answers_the_given_status_without_calling_the_handler)
{
  int calls = 0;
  fakes::FakeHttpServer server([&calls](const fakes::FakeRequest&) {
    ++calls;
    return fakes::FakeResponse{200, {}, "ok"};
  });
  server.fail_next(2, 503);

  BOOST_TEST(client::request(server.port(), "GET", "/").status == 503);
  BOOST_TEST(client::request(server.port(), "GET", "/").status == 503);
  BOOST_TEST(client::request(server.port(), "GET", "/").status == 200);
  BOOST_TEST(calls == 1);
  BOOST_TEST(server.request_count() == 3U);
}

BOOST_AUTO_TEST_CASE(a_reset_or_a_cut_body_never_reaches_the_client_as_a_whole_answer)
{
  fakes::Delivery delivery = fakes::Delivery::reset_connection;
  fakes::FakeHttpServer server([&](const fakes::FakeRequest&) {
    return fakes::FakeResponse{200, {{"Content-Type", "application/json"}}, R"({"data": [1, 2, 3, 4]})", delivery};
  });
  BOOST_CHECK_THROW(client::request(server.port(), "GET", "/x"), std::exception);
  delivery = fakes::Delivery::cut_body;
  // This minimal client reads to EOF: it sees the half body (or the reset, if that comes first).
  try {
    const auto cut = client::request(server.port(), "GET", "/x");
    BOOST_TEST(cut.body == R"({"data": [1)"); // 11 of 23 bytes
  } catch (const std::exception&) {
  }
  delivery = fakes::Delivery::whole;
  BOOST_TEST(client::request(server.port(), "GET", "/x").body == R"({"data": [1, 2, 3, 4]})");
}

BOOST_AUTO_TEST_CASE(a_never_completing_answer_holds_the_client_until_the_server_stops)
{
  auto server = std::make_unique<fakes::FakeHttpServer>([](const fakes::FakeRequest&) {
    return fakes::FakeResponse{200, {}, "late", fakes::Delivery::never_complete};
  });
  const auto port = server->port();
  auto pending = std::async(std::launch::async, [port] { return client::request(port, "GET", "/x"); });
  BOOST_TEST((pending.wait_for(std::chrono::milliseconds{500}) == std::future_status::timeout));
  server.reset(); // the destructor ends the wait
  BOOST_CHECK_THROW(pending.get(), std::exception);
}

BOOST_AUTO_TEST_SUITE_END()
