#include "shared/core/errors.hpp"
#include "shared/core/exit_codes.hpp"

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(core_exit_codes)

BOOST_AUTO_TEST_CASE(maps_each_error_kind_to_its_exit_code)
{
  BOOST_TEST(shared::exit_code_for(shared::UsageError("x")) == 64);
  BOOST_TEST(shared::exit_code_for(shared::ConfigError("x")) == 78);
  BOOST_TEST(shared::exit_code_for(shared::TransientError("x")) == 75);
  BOOST_TEST(shared::exit_code_for(shared::DataError("x")) == 1);
  BOOST_TEST(shared::exit_code_for(shared::InvariantError("x")) == 1);
  BOOST_TEST(shared::exit_code_for(std::runtime_error("x")) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
