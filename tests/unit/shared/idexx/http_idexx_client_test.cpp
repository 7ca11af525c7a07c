// tests/unit/shared/idexx/http_idexx_client_test.cpp   <->   shared/idexx/http_idexx_client.cpp
#include "shared/config/config_file.hpp"
#include "shared/idexx/http_idexx_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(idexx_http_client)

BOOST_AUTO_TEST_CASE(backoff_doubles_adds_up_to_thirty_percent_jitter_and_is_capped)
{
  using shared::idexx::backoff_delay;
  BOOST_TEST(backoff_delay(1, 1000ms, 10000ms, 0.0).count() == 1000);
  BOOST_TEST(backoff_delay(2, 1000ms, 10000ms, 0.0).count() == 2000);
  BOOST_TEST(backoff_delay(3, 1000ms, 10000ms, 0.0).count() == 4000);
  BOOST_TEST(backoff_delay(3, 1000ms, 10000ms, 0.999).count() == 5198);
  BOOST_TEST(backoff_delay(5, 1000ms, 10000ms, 0.0).count() == 10000);
  BOOST_TEST(backoff_delay(40, 1000ms, 10000ms, 0.5).count() == 10000);
}

BOOST_AUTO_TEST_CASE(retry_after_reads_seconds_and_http_dates_and_is_capped)
{
  using shared::idexx::parse_retry_after;
  const auto now = std::chrono::sys_days{2026y / 3 / 9} + 12h;
  BOOST_TEST(parse_retry_after("5", now, 60s).value_or(-1s).count() == 5);
  BOOST_TEST(parse_retry_after("600", now, 60s).value_or(-1s).count() == 60);
  BOOST_TEST(parse_retry_after("Mon, 09 Mar 2026 12:00:30 GMT", now, 60s).value_or(-1s).count() ==
             30);
  BOOST_TEST(parse_retry_after("Mon, 09 Mar 2026 11:00:00 GMT", now, 60s).value_or(-1s).count() ==
             0);
  BOOST_TEST(!parse_retry_after("soon", now, 60s).has_value());
  BOOST_TEST(!parse_retry_after("", now, 60s).has_value());
}

BOOST_AUTO_TEST_CASE(config_reads_the_idexx_keys_and_the_ca_file)
{
  const auto file = shared::config::ConfigFile::from_text(
      R"({"tls": {"ca_file": "/etc/ca.pem"},
          "idexx": {"max_attempts": 2, "retry_base_delay_ms": 5, "retry_max_delay_ms": 50,
                    "retry_after_cap_seconds": 7, "max_relogins": 1, "rate_per_second": 3, "burst": 4,
                    "request_timeout_seconds": 9, "search_enabled": false}})",
      "test.json");
  const auto config = shared::idexx::load_idexx_config(file);
  BOOST_TEST(config.ca_file == "/etc/ca.pem");
  BOOST_TEST(config.max_attempts == 2);
  BOOST_TEST(config.retry_base_delay.count() == 5);
  BOOST_TEST(config.retry_max_delay.count() == 50);
  BOOST_TEST(config.retry_after_cap.count() == 7);
  BOOST_TEST(config.max_relogins == 1);
  BOOST_TEST(config.rate_per_second == 3);
  BOOST_TEST(config.burst == 4);
  BOOST_TEST(config.request_timeout.count() == 9);
  BOOST_TEST(!config.search_enabled);
  // Defaults from the schema.
  BOOST_TEST(config.connect_timeout.count() == 10);
  BOOST_TEST(config.default_base_url == "https://us.idexxneo.com");
  BOOST_TEST(config.user_agent.find("Mozilla/5.0") == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
