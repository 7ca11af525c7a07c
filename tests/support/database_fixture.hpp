#pragma once

#include "tests/support/temp_database.hpp"

namespace tests {

// BOOST_FIXTURE_TEST_SUITE(x, tests::TempDatabaseFixture): every case gets a fresh, migrated database.
struct TempDatabaseFixture
{
  TempDatabase database;
};

} // namespace tests
