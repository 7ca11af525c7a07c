#include "shared/runs/run_ledger.hpp"

#include <boost/test/unit_test.hpp>

using shared::runs::Trigger;
using shared::runs::trigger_for;

BOOST_AUTO_TEST_SUITE(runs_trigger)

BOOST_AUTO_TEST_CASE(a_cronjob_made_job_name_is_a_scheduled_run)
{
  BOOST_TEST((trigger_for("prod-idexx-sync-29546640", "prod-idexx-sync") == Trigger::scheduled));
}

BOOST_AUTO_TEST_CASE(any_other_name_is_a_manual_run)
{
  BOOST_TEST((trigger_for("manual-20261122", "prod-idexx-sync") == Trigger::manual));
  BOOST_TEST((trigger_for("prod-idexx-sync-backfill", "prod-idexx-sync") == Trigger::manual));
  BOOST_TEST((trigger_for("prod-idexx-sync", "prod-idexx-sync") == Trigger::manual));
  BOOST_TEST((trigger_for("prod-idexx-sync-", "prod-idexx-sync") == Trigger::manual));
}

BOOST_AUTO_TEST_SUITE_END()
