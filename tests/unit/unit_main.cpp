// The one translation unit of unit_tests that defines the module (style.md L12).
#define BOOST_TEST_MODULE idexx_sync_unit_tests
#include <boost/test/unit_test.hpp>
