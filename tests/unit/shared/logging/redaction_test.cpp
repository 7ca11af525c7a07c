#include "shared/logging/redaction.hpp"

#include <boost/test/unit_test.hpp>

using namespace shared::logging;

BOOST_AUTO_TEST_SUITE(logging_redaction)

BOOST_AUTO_TEST_CASE(a_url_loses_its_userinfo_and_query)
{
  BOOST_TEST(redact_url("https://user:pw@host:443/path?token=x#f") == "https://host:443/path");
  BOOST_TEST(redact_url("https://host/a/b") == "https://host/a/b");
}

BOOST_AUTO_TEST_CASE(a_connection_string_loses_its_password)
{
  BOOST_TEST(redact_conninfo("host=db user=sync password=s3cret dbname=x") == "host=db user=sync password=*** dbname=x");
  BOOST_TEST(redact_conninfo("host=db password='a b c'") == "host=db password=***");
  BOOST_TEST(redact_conninfo("postgresql://sync:s3cret@db:5432/x?sslmode=require") == "postgresql://db:5432/x");
}

BOOST_AUTO_TEST_SUITE_END()
