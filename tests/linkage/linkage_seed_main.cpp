// idexx-sync-linkage-seed: writes the labelled world (tests/linkage) into a migrated database, as
// extract would have left a run, and its ground truth into --truth-file (ci/eval-reconcile,
// ci/bench-reconcile; never shipped). Prints the counts as one JSON line on stdout.
#include "shared/config/config_file.hpp"
#include "shared/db/connection.hpp"
#include "tests/linkage/labelled_world.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
  std::string uri_file;
  std::string truth_file;
  tests::linkage::Profile profile;
  const std::string usage =
      "usage: idexx-sync-linkage-seed --database-uri-file F --truth-file F [--seed N] [--clinics N] [--days N] "
      "[--visits-per-clinic-day N] [--no-show-percent P] [--walk-in-percent P] [--run-id ID]\n";
  try {
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      const std::string value = argv[i + 1];
      if (flag == "--database-uri-file") {
        uri_file = value;
      } else if (flag == "--truth-file") {
        truth_file = value;
      } else if (flag == "--seed") {
        profile.seed = std::stoull(value);
      } else if (flag == "--clinics") {
        profile.clinics = std::stoi(value);
      } else if (flag == "--days") {
        profile.days = std::stoi(value);
      } else if (flag == "--visits-per-clinic-day") {
        profile.visits_per_clinic_day = std::stoi(value);
      } else if (flag == "--no-show-percent") {
        profile.no_show = std::stod(value) / 100.0;
      } else if (flag == "--walk-in-percent") {
        profile.walk_in = std::stod(value) / 100.0;
      } else if (flag == "--run-id") {
        profile.run_id = value;
      } else {
        std::cerr << "idexx-sync-linkage-seed: unknown flag " << flag << "\n" << usage;
        return 64;
      }
    }
  } catch (const std::exception&) {
    std::cerr << usage;
    return 64;
  }
  if (uri_file.empty() || truth_file.empty() || argc % 2 == 0) {
    std::cerr << usage;
    return 64;
  }
  try {
    const auto world = tests::linkage::generate_world(profile);
    auto connection = shared::db::open_connection(
        shared::db::DatabaseConfig{.conninfo = shared::config::read_secret_file(uri_file, "--database-uri-file"),
                                   .connect_timeout = std::chrono::seconds{10}},
        "linkage.seed");
    tests::linkage::write_world(*connection, world);
    std::ofstream(truth_file) << tests::linkage::truth_tsv(world);
    std::cout << R"({"clinics": )" << world.clinics.size() << R"(, "appointments": )" << world.appointments.size()
              << R"(, "consultations": )" << world.consultations.size() << R"(, "cases": )" << world.cases.size()
              << R"(, "cases_without_idexx_id": )"
              << std::count_if(world.cases.begin(), world.cases.end(),
                               [](const tests::linkage::Case& c) { return c.source == "manual"; })
              << "}\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "idexx-sync-linkage-seed: " << error.what() << "\n";
    return 1;
  }
}
