// The one translation unit of e2e_tests that defines the module (style.md L12).
#define BOOST_TEST_MODULE idexx_sync_e2e_tests
#include <boost/test/unit_test.hpp>
