// tests/unit/shared/http/http_client_test.cpp   <->   shared/http/http_client.cpp
#include "shared/core/errors.hpp"
#include "shared/http/http_client.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

BOOST_AUTO_TEST_SUITE(http_client)

BOOST_AUTO_TEST_CASE(parse_url_keeps_the_target_exactly_as_written)
{
  const auto url =
      shared::http::parse_url("https://QStash.example:8443/v2/publish/https://x.example//a?b=%20c");
  BOOST_TEST(url.scheme == "https");
  BOOST_TEST(url.host == "qstash.example");
  BOOST_TEST(url.port == 8443);
  BOOST_TEST(url.target == "/v2/publish/https://x.example//a?b=%20c");
  const auto bare = shared::http::parse_url("https://us.idexxneo.com");
  BOOST_TEST(bare.port == 443);
  BOOST_TEST(bare.target == "/");
  const auto ipv6 = shared::http::parse_url("http://[::1]:8080/x");
  BOOST_TEST(ipv6.host == "::1");
  BOOST_TEST(ipv6.port == 8080);
}

BOOST_AUTO_TEST_CASE(parse_url_rejects_what_it_cannot_send)
{
  for (const auto* url : {"us.idexxneo.com/login", "ftp://x/", "https://", "https://host:0/",
                          "https://host:99999/", "https://user:pw@host/"}) {
    BOOST_TEST_CONTEXT(url)
    {
      BOOST_CHECK_THROW(shared::http::parse_url(url), shared::ConfigError);
    }
  }
}

BOOST_AUTO_TEST_CASE(only_loopback_hosts_count_as_loopback)
{
  BOOST_TEST(shared::http::is_loopback_host("127.0.0.1"));
  BOOST_TEST(shared::http::is_loopback_host("127.10.20.30"));
  BOOST_TEST(shared::http::is_loopback_host("localhost"));
  BOOST_TEST(shared::http::is_loopback_host("::1"));
  BOOST_TEST(!shared::http::is_loopback_host("128.0.0.1"));
  BOOST_TEST(!shared::http::is_loopback_host("127.0.0.1.evil.example"));
  BOOST_TEST(!shared::http::is_loopback_host("localhost.example"));
  BOOST_TEST(!shared::http::is_loopback_host("127.0.0"));
}

BOOST_AUTO_TEST_CASE(headers_are_found_case_insensitively_and_repeated_ones_are_kept)
{
  shared::http::HttpResponse response;
  response.headers = {
      {"Set-Cookie", "a=1; Path=/"}, {"content-type", "application/json"}, {"set-cookie", "b=2"}};
  BOOST_TEST(response.header("Content-Type").value_or("") == "application/json");
  BOOST_TEST(!response.header("Location").has_value());
  const auto cookies = response.header_values("SET-COOKIE");
  BOOST_TEST_REQUIRE(cookies.size() == 2U);
  BOOST_TEST(cookies[0] == "a=1; Path=/");
  BOOST_TEST(cookies[1] == "b=2");
}

BOOST_AUTO_TEST_CASE(plain_http_to_a_remote_host_is_a_config_error)
{
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  shared::http::HttpRequest request;
  request.url = "http://us.idexxneo.com/login";
  BOOST_CHECK_THROW(client.send(request), shared::ConfigError);
}

BOOST_AUTO_TEST_CASE(an_unreadable_ca_file_is_a_config_error)
{
  shared::http::HttpClientConfig config;
  config.ca_file = "/nonexistent/ca.pem";
  BOOST_CHECK_THROW(shared::http::HttpClient{config}, shared::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
