#include "shared/config/config_file.hpp"
#include "shared/core/errors.hpp"
#include "shared/metrics/run_metrics.hpp"
#include "tests/support/database_fixture.hpp"
#include "tests/support/loopback_server.hpp"
#include "tests/support/process_runner.hpp"


#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

namespace {

// A real Pushgateway on a loopback port. Debian's build persists to /var/lib/prometheus/pushgateway.data
// by default: an empty file name keeps this gateway's groups in its own memory.
class Pushgateway
{
public:
  Pushgateway()
      : m_server({"prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(m_port),
                  "--persistence.file="},
                 m_port)
  {
  }

  [[nodiscard]] std::string url() const { return m_server.url(); }
  [[nodiscard]] std::string metrics() const { return tests::http_get(m_server.port(), "/metrics").value_or(""); }

private:
  int m_port = tests::free_loopback_port();
  tests::LoopbackServer m_server;
};

// `program` found on PATH (run_process takes a path), or `program` itself.
std::string on_path(const std::string& program)
{
  std::istringstream path(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin");
  for (std::string dir; std::getline(path, dir, ':');) {
    const auto candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return program;
}

using Labels = std::map<std::string, std::string>;

struct Sample
{
  std::string name;
  Labels labels;
  double value = 0;
};

// The samples of a text exposition (the gateway's own output: no escapes in our label values).
std::vector<Sample> parse_exposition(const std::string& text)
{
  std::vector<Sample> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    Sample sample;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    if (brace != std::string::npos && brace < space) {
      sample.name = line.substr(0, brace);
      const auto close = line.rfind('}');
      std::string body = line.substr(brace + 1, close - brace - 1);
      std::size_t at = 0;
      while (at < body.size()) {
        const auto equals = body.find('=', at);
        const auto end_quote = body.find('"', equals + 2);
        sample.labels[body.substr(at, equals - at)] = body.substr(equals + 2, end_quote - equals - 2);
        at = end_quote + 2; // past `",`
      }
    } else {
      sample.name = line.substr(0, space);
    }
    sample.value = std::stod(line.substr(space + 1));
    samples.push_back(sample);
  }
  return samples;
}

// The value of the one sample of `name` whose labels are exactly `labels`; NaN (equal to nothing) when absent.
double value_of(const std::vector<Sample>& samples, const std::string& name, const Labels& labels)
{
  std::optional<double> found;
  for (const auto& sample : samples) {
    if (sample.name == name && sample.labels == labels) {
      BOOST_TEST_REQUIRE(!found.has_value(), name << " appears twice with the same labels");
      found = sample.value;
    }
  }
  return found.value_or(std::numeric_limits<double>::quiet_NaN());
}

Labels group(const std::string& stage, Labels more = {})
{
  more["job"] = "idexx_sync";
  more["stage"] = stage;
  more["instance"] = ""; // pushed without an instance: the gateway exposes an empty one
  return more;
}

double epoch(const char* iso)
{
  return static_cast<double>(shared::unix_seconds(shared::parse_iso8601(iso)));
}

struct LedgerWorld
{
  std::vector<std::string> clinics;

  explicit LedgerWorld(pqxx::connection& connection)
  {
    pqxx::work tx(connection);
    for (int i = 0; i < 10; ++i) {
      clinics.push_back(
          tx.exec1("INSERT INTO clinics (name) VALUES ('Metrics clinic " + std::to_string(i) + "') RETURNING id")[0]
              .as<std::string>());
    }
    // Clinic 0 failed four runs in a row and never succeeded (stale); clinic 1 synced an hour ago.
    tx.exec_params("INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled, consecutive_failures) "
                   "VALUES ($1, true, 4)",
                   clinics[0]);
    tx.exec_params("INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled, consecutive_failures, "
                   "last_success_at) VALUES ($1, true, 0, '2026-03-09T11:10:00Z')",
                   clinics[1]);
    tx.commit();
  }

  // A closed run with `done` clinics done (2 consultations staged each) and `failed` clinics failed.
  void add_closed_run(pqxx::connection& connection, const std::string& run, const std::string& status,
                      const char* started, const char* finished, int done, int failed)
  {
    pqxx::work tx(connection);
    tx.exec_params("INSERT INTO sync_runs (run_id, trigger, status, window_start, window_end, started_at, finished_at) "
                   "VALUES ($1, 'scheduled', $2, $3::timestamptz - interval '48 hours', $3, $3, $4)",
                   run, status, started, finished);
    for (int i = 0; i < done + failed; ++i) {
      const bool ok = i < done;
      tx.exec_params("INSERT INTO sync_work_items (run_id, clinic_id, state, error_code, window_start, window_end, "
                     "counts) VALUES ($1, $2, $3, $4, now() - interval '48 hours', now(), $5::jsonb)",
                     run, clinics.at(static_cast<std::size_t>(i)), ok ? "done" : "failed",
                     ok ? std::optional<std::string>() : std::optional<std::string>("idexx_unavailable"),
                     ok ? R"({"consultations_staged": 2, "audited": true})" : "{}");
    }
    // Reconcile's decisions: one in review (appointment-id tier), two unmatched (no tier).
    tx.exec_params("INSERT INTO staging_matches (run_id, clinic_id, neo_consultation_id, decision, tier) "
                   "VALUES ($1, $2, 'c-1', 'needs_review', 2), ($1, $2, 'c-2', 'unmatched', NULL), "
                   "($1, $2, 'c-3', 'unmatched', NULL)",
                   run, clinics[0]);
    tx.commit();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(shared_metrics_pusher)

BOOST_AUTO_TEST_CASE(an_empty_url_turns_pushing_off_and_a_malformed_one_is_a_config_error)
{
  const auto off = shared::metrics::load_push_settings(shared::config::ConfigFile::from_text("{}", "test"));
  BOOST_TEST(off.pushgateway_url.empty());
  BOOST_TEST(off.job == "idexx_sync");
  const auto plain = shared::metrics::load_push_settings(shared::config::ConfigFile::from_text(
      R"({"metrics": {"pushgateway_url": "http://pushgateway.monitoring:9091/", "job": "sync"}})", "test"));
  BOOST_TEST(plain.pushgateway_url == "http://pushgateway.monitoring:9091/");
  BOOST_TEST(plain.job == "sync");
  for (const char* bad : {"ftp://gateway:9091", "gateway:9091", "http://gateway:9091/metrics/job/x"}) {
    const auto text = std::string(R"({"metrics": {"pushgateway_url": ")") + bad + R"("}})";
    BOOST_CHECK_THROW(shared::metrics::load_push_settings(shared::config::ConfigFile::from_text(text, "test")),
                      shared::ConfigError);
  }
}

BOOST_AUTO_TEST_CASE(a_gateway_that_does_not_answer_is_reported_without_throwing)
{
  auto metrics = shared::metrics::empty_run_metrics();
  metrics.status = "completed";
  metrics.started_at = 100;
  metrics.finished_at = 200;
  const shared::metrics::PushSettings settings{.pushgateway_url = "http://127.0.0.1:" +
                                                                   std::to_string(tests::free_loopback_port()),
                                               .job = "idexx_sync"};
  const auto report = shared::metrics::push_run_metrics(settings, metrics);
  BOOST_TEST(report.pushes == 9); // run, extract, reconcile, schedule with PUT; five success POSTs
  BOOST_TEST(report.failures == report.pushes);
  BOOST_TEST(shared::metrics::push_run_start(settings, 100).failures == 1);
}

BOOST_AUTO_TEST_CASE(a_failed_run_and_a_run_start_leave_the_last_success_and_the_other_gauges_in_place)
{
  // Pins the HTTP method: every push must be a POST (prometheus-cpp 1.0.1 sends Push() as POST and
  // PushAdd() as PUT); a PUT would have deleted the names the later pushes do not carry.
  Pushgateway gateway;
  const shared::metrics::PushSettings settings{.pushgateway_url = gateway.url(), .job = "idexx_sync"};
  auto good = shared::metrics::empty_run_metrics();
  good.status = "completed";
  good.started_at = 1000;
  good.finished_at = 1300;
  good.clinics_ok = 10;
  BOOST_TEST(shared::metrics::push_run_metrics(settings, good).failures == 0);
  auto bad = good;
  bad.started_at = 2000;
  bad.finished_at = 2100;
  bad.clinics_ok = 1;
  bad.clinics_failed = 9;
  BOOST_TEST(shared::metrics::push_run_metrics(settings, bad).pushes == 4); // no success timestamps
  BOOST_TEST(shared::metrics::push_run_start(settings, 3000).failures == 0);
  const auto samples = parse_exposition(gateway.metrics());
  BOOST_TEST(value_of(samples, "idexx_sync_last_success_timestamp_seconds", group("run")) == 1300.0);
  BOOST_TEST(value_of(samples, "idexx_sync_stage_last_success_timestamp_seconds", group("schedule")) == 1300.0);
  BOOST_TEST(value_of(samples, "idexx_sync_run_end_timestamp_seconds", group("run")) == 2100.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_clinics", group("run", {{"result", "failed"}})) == 9.0);
  BOOST_TEST(value_of(samples, "idexx_sync_run_start_timestamp_seconds", group("run")) == 3000.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(shared_metrics_push, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(every_pushed_exposition_passes_promtool_check_metrics)
{
  auto connection = database.connect();
  LedgerWorld world(*connection);
  world.add_closed_run(*connection, "idexx-sync-100", "completed_with_failures", "2026-03-09T08:00:00Z",
                       "2026-03-09T08:05:00Z", 9, 1);
  pqxx::read_transaction tx(*connection);
  const auto metrics =
      shared::metrics::read_run_metrics(tx, shared::RunId{"idexx-sync-100"}, shared::parse_iso8601("2026-03-09T12:10:00Z"));
  BOOST_TEST_REQUIRE(metrics.has_value());
  const auto groups = shared::metrics::closer_groups(*metrics);
  BOOST_TEST(groups.size() == 9U);
  for (const auto& pushed : groups) {
    const auto result = tests::run_process(on_path("promtool"), {"check", "metrics"}, {}, pushed.exposition);
    BOOST_TEST(result.exit_code == 0, pushed.method << " " << pushed.stage << ": " << result.out << result.err << "\n"
                                                    << pushed.exposition);
  }
}

BOOST_AUTO_TEST_CASE(a_closed_run_is_read_back_from_a_real_pushgateway_with_its_values_and_labels)
{
  auto connection = database.connect();
  LedgerWorld world(*connection);
  Pushgateway gateway;
  const shared::metrics::PushSettings settings{.pushgateway_url = gateway.url(), .job = "idexx_sync"};

  // The opener's start, then the closer of a run with 1 of 10 clinics failed: a success (10 % is allowed).
  world.add_closed_run(*connection, "idexx-sync-100", "completed_with_failures", "2026-03-09T08:00:00Z",
                       "2026-03-09T08:05:00Z", 9, 1);
  BOOST_TEST(shared::metrics::push_run_start(settings, epoch("2026-03-09T08:00:00Z")).failures == 0);
  const auto now = shared::parse_iso8601("2026-03-09T12:10:00Z");
  shared::metrics::push_closed_run(shared::config::ConfigFile::from_text(
                                       R"({"metrics": {"pushgateway_url": ")" + gateway.url() + R"("}})", "test"),
                                   *connection, shared::RunId{"idexx-sync-100"}, now);
  auto samples = parse_exposition(gateway.metrics());
  const auto end_100 = epoch("2026-03-09T08:05:00Z");
  BOOST_TEST(value_of(samples, "idexx_sync_run_start_timestamp_seconds", group("run")) == epoch("2026-03-09T08:00:00Z"));
  BOOST_TEST(value_of(samples, "idexx_sync_run_end_timestamp_seconds", group("run")) == end_100);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_duration_seconds", group("run")) == 300.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_clinics", group("run", {{"result", "ok"}})) == 9.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_clinics", group("run", {{"result", "failed"}})) == 1.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_clinics", group("run", {{"result", "skipped"}})) == 0.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_success_timestamp_seconds", group("run")) == end_100);
  BOOST_TEST(value_of(samples, "idexx_sync_consecutive_failed_runs", group("run")) == 0.0);
  BOOST_TEST(value_of(samples, "idexx_sync_clinic_failure_streak_max", group("run")) == 4.0);
  BOOST_TEST(value_of(samples, "idexx_sync_clinics_stale", group("run")) == 1.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_consultations_fetched", group("extract")) == 18.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_links",
                      group("reconcile", {{"decision", "needs_review"}, {"tier", "appointment_id"}})) == 1.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_links",
                      group("reconcile", {{"decision", "unmatched"}, {"tier", "none"}})) == 2.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_links",
                      group("reconcile", {{"decision", "auto_linked"}, {"tier", "consultation_id"}})) == 0.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_calls", group("schedule", {{"outcome", "scheduled"}})) == 0.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_calls_skipped", group("schedule", {{"reason", "no_notes"}})) == 0.0);
  for (const char* stage : {"extract", "reconcile", "schedule", "audit"}) {
    BOOST_TEST(value_of(samples, "idexx_sync_stage_last_success_timestamp_seconds", group(stage)) == end_100, stage);
  }
  // Stable grouping keys only: no sample carries a run, pod or clinic label.
  for (const auto& sample : samples) {
    if (sample.name.starts_with("idexx_sync_")) {
      BOOST_TEST(!sample.labels.contains("run_id"));
      BOOST_TEST(!sample.labels.contains("clinic_id"));
      BOOST_TEST(sample.labels.at("instance").empty());
    }
  }

  // The next run fails 2 of 4 clinics: its values replace the last run's, the last success stays.
  world.add_closed_run(*connection, "idexx-sync-101", "completed_with_failures", "2026-03-09T12:00:00Z",
                       "2026-03-09T12:10:00Z", 2, 2);
  shared::metrics::push_closed_run(shared::config::ConfigFile::from_text(
                                       R"({"metrics": {"pushgateway_url": ")" + gateway.url() + R"("}})", "test"),
                                   *connection, shared::RunId{"idexx-sync-101"}, now);
  samples = parse_exposition(gateway.metrics());
  BOOST_TEST(value_of(samples, "idexx_sync_run_end_timestamp_seconds", group("run")) == epoch("2026-03-09T12:10:00Z"));
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_duration_seconds", group("run")) == 600.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_clinics", group("run", {{"result", "failed"}})) == 2.0);
  BOOST_TEST(value_of(samples, "idexx_sync_consecutive_failed_runs", group("run")) == 1.0);
  BOOST_TEST(value_of(samples, "idexx_sync_last_success_timestamp_seconds", group("run")) == end_100);
  BOOST_TEST(value_of(samples, "idexx_sync_stage_last_success_timestamp_seconds", group("audit")) == end_100);
  BOOST_TEST(value_of(samples, "idexx_sync_last_run_consultations_fetched", group("extract")) == 4.0);
  // Every push was accepted: the gateway's failure time is 0 for every group.
  for (const auto& sample : samples) {
    if (sample.name == "push_failure_time_seconds") {
      BOOST_TEST(sample.value == 0.0, sample.labels.at("stage"));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
