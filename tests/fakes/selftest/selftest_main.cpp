// The one translation unit of fakes_selftest that defines the module (style.md L12).
#define BOOST_TEST_MODULE idexx_sync_fakes_selftest
#include <boost/test/unit_test.hpp>
