// Reconcile across runs (issue 4, Must show): an unchanged note costs no write, a note edited in IDEXX
// Neo after the first sync is in its case after the next run, and keys other writers put into the
// case metadata survive.
#include "tests/e2e/pipeline_world.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

namespace {

// Every case's row version: xmin changes exactly when the row was written.
std::map<std::string, std::string> row_versions(const tests::PipelineWorld& world)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  std::map<std::string, std::string> versions;
  for (const auto& row : tx.exec("SELECT id::text, xmin::text FROM cases")) {
    versions.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return versions;
}

std::string text(const tests::PipelineWorld& world, const std::string& sql, const std::string& parameter)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  return tx.exec_params1(sql, parameter)[0].as<std::string>();
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_notes_rerun)

BOOST_AUTO_TEST_CASE(an_edited_note_arrives_with_the_next_run_and_only_its_case_is_written)
{
  const tests::PipelineWorld world(23, 1, 24);
  world.run_pipeline("e2e-notes-1");
  std::string case_id;
  std::string consultation_id;
  {
    auto connection = world.database.connect();
    pqxx::work tx(*connection);
    // A night-before case: the product's callIntelligence key is already there.
    const auto linked = tx.exec1("SELECT s.case_id::text, s.neo_consultation_id FROM consultation_sync_status s "
                                 "JOIN cases c ON c.id = s.case_id WHERE s.status = 'synced' "
                                 "AND c.metadata ? 'callIntelligence' ORDER BY s.neo_consultation_id LIMIT 1");
    case_id = linked[0].as<std::string>();
    consultation_id = linked[1].as<std::string>();
    // Another writer (the product) adds its own key between the runs.
    tx.exec_params("UPDATE cases SET metadata = metadata || '{\"productNote\": {\"by\": \"product\"}}' WHERE id = $1",
                   case_id);
    tx.commit();
  }
  const auto revision_before =
      text(world, "SELECT metadata #>> '{pimsConsultation,revision}' FROM cases WHERE id = $1", case_id);
  const auto before = row_versions(world);
  BOOST_TEST(before.size() > 1U);

  world.simulator->edit_notes(0, std::stoll(consultation_id), "<p>Edited in Neo after the first sync.</p>");
  world.run_pipeline("e2e-notes-2");

  const auto after = row_versions(world);
  std::size_t written = 0;
  for (const auto& [id, version] : after) {
    const auto found = before.find(id);
    written += found == before.end() || found->second != version ? 1 : 0;
  }
  BOOST_TEST(written == 1U); // the edited case only: every unchanged note cost no write
  BOOST_TEST(after.at(case_id) != before.at(case_id));
  BOOST_TEST(text(world, "SELECT metadata #>> '{pimsConsultation,notes}' FROM cases WHERE id = $1", case_id) ==
             "<p>Edited in Neo after the first sync.</p>");
  BOOST_TEST(text(world, "SELECT metadata #>> '{entities,clinical,clinicalNotes}' FROM cases WHERE id = $1",
                  case_id) == "Edited in Neo after the first sync.");
  BOOST_TEST(std::stoi(text(world, "SELECT metadata #>> '{pimsConsultation,revision}' FROM cases WHERE id = $1",
                            case_id)) == std::stoi(revision_before) + 1);
  BOOST_TEST(text(world, "SELECT metadata #>> '{productNote,by}' FROM cases WHERE id = $1", case_id) == "product");
  BOOST_TEST(text(world, "SELECT (metadata ? 'callIntelligence')::text FROM cases WHERE id = $1", case_id) == "true");
}

BOOST_AUTO_TEST_SUITE_END()
