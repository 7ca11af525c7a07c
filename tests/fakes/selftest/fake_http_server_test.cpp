#include "tests/fakes/fake_http_server.hpp"
#include "tests/fakes/selftest/test_client.hpp"

#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
