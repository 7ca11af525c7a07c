// The one translation unit of integration_tests that defines the module (style.md L12).
#define BOOST_TEST_MODULE idexx_sync_integration_tests
#include <boost/test/unit_test.hpp>
