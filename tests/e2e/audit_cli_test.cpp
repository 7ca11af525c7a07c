#include "tests/e2e/pipeline_world.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace {

tests::ProcessResult idexx_sync(const tests::PipelineWorld& world, std::vector<std::string> args)
{
  args.insert(args.end(), {"--config", world.config_file.string()});
  return tests::run_process(tests::binary_path("idexx-sync"), args);
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_audit_cli)

BOOST_AUTO_TEST_CASE(audit_verify_passes_after_a_run_and_names_the_entry_edited_in_sql_afterwards)
{
  const tests::PipelineWorld world(29, 2, 12);
  world.run_pipeline("e2e-audit-1");

  const auto intact = idexx_sync(world, {"audit", "verify"});
  BOOST_TEST(intact.exit_code == 0, intact.out << intact.err);
  BOOST_TEST(intact.out.find("audit chains intact (") != std::string::npos, intact.out);
  BOOST_TEST(intact.out.find("(0 entries") == std::string::npos, intact.out);

  // The first entry in walk order (lowest chain key, seq 1) of a clinic chain is edited by hand.
  auto connection = world.database.connect();
  std::string chain_key;
  std::string seq;
  std::string other_clinic;
  {
    pqxx::work tx(*connection);
    const auto row =
        tx.exec1("SELECT chain_key, seq FROM idexx_sync_audit_log WHERE chain_key IS NOT NULL "
                 "ORDER BY chain_key, seq LIMIT 1");
    chain_key = row[0].as<std::string>();
    seq = row[1].as<std::string>();
    const auto other =
        tx.exec("SELECT DISTINCT chain_key FROM idexx_sync_audit_log WHERE chain_key <> 'global' "
                "AND chain_key <> " +
                tx.quote(chain_key));
    if (!other.empty()) {
      other_clinic = other[0][0].as<std::string>();
    }
    tx.exec_params(
        "UPDATE idexx_sync_audit_log SET details = details || '{\"tampered\": 1}'::jsonb "
        "WHERE chain_key = $1 AND seq = $2::bigint",
        chain_key, seq);
    tx.commit();
  }

  const auto broken = idexx_sync(world, {"audit", "verify"});
  BOOST_TEST(broken.exit_code == 1, broken.out << broken.err);
  BOOST_TEST(broken.out.find("chain " + chain_key + ", seq " + seq + ": hash mismatch") !=
                 std::string::npos,
             broken.out);
  BOOST_TEST(broken.err.find("audit.chain_broken") != std::string::npos, broken.err);

  // Another clinic's chain alone still holds.
  BOOST_REQUIRE_MESSAGE(!other_clinic.empty(), "the run wrote only one clinic chain");
  const auto other = idexx_sync(world, {"audit", "verify", "--clinic", other_clinic});
  BOOST_TEST(other.exit_code == 0, other.out << other.err);
  BOOST_TEST(other.out.find("audit chains intact (") != std::string::npos, other.out);
  BOOST_TEST(other.out.find(" in 1 chains)") != std::string::npos, other.out);
}

BOOST_AUTO_TEST_CASE(audit_verify_refuses_a_clinic_that_is_not_a_uuid_with_exit_64)
{
  const tests::PipelineWorld world(31, 1, 2);
  const auto result = idexx_sync(world, {"audit", "verify", "--clinic", "not-a-clinic"});
  BOOST_TEST(result.exit_code == 64, result.out << result.err);
}

BOOST_AUTO_TEST_CASE(audit_maintain_with_the_owner_role_reports_what_it_created)
{
  const tests::PipelineWorld world(37, 1, 2);
  const auto result = idexx_sync(world, {"audit", "maintain", "--months-ahead", "5"});
  BOOST_TEST(result.exit_code == 0, result.out << result.err);
  BOOST_TEST(result.out.find("created idexx_sync_audit_log_p") != std::string::npos, result.out);
  BOOST_TEST(result.out.find("audit maintain: 2 created, 0 dropped") != std::string::npos,
             result.out);
  const auto again = idexx_sync(world, {"audit", "maintain", "--months-ahead", "5"});
  BOOST_TEST(again.out.find("audit maintain: 0 created, 0 dropped") != std::string::npos,
             again.out);
}

BOOST_AUTO_TEST_SUITE_END()
