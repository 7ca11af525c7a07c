#include "tests/e2e/pipeline_world.hpp"
#include "tests/support/loopback_server.hpp"

#include <Poco/URI.h>
#include <nlohmann/json.hpp>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace {

using tests::free_loopback_port;
using tests::http_get;
using tests::LoopbackServer;

nlohmann::json read_json(const std::filesystem::path& file)
{
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

void write_text(const std::filesystem::path& file, const std::string& text)
{
  std::ofstream out(file);
  out << text;
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_metrics)

BOOST_AUTO_TEST_CASE(every_dashboard_query_returns_data_after_a_run_pushed_through_a_real_pushgateway_and_prometheus)
{
  const std::filesystem::path source_dir = IDEXX_SYNC_SOURCE_DIR;
  const auto dashboard = read_json(source_dir / "helm/idexx-sync/dashboards/idexx-sync.json");

  tests::PipelineWorld world(7, 3, 30);
  const int gateway_port = free_loopback_port();
  // Debian's build persists to /var/lib/prometheus/pushgateway.data unless told otherwise.
  LoopbackServer gateway({"prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(gateway_port),
                          "--persistence.file="},
                         gateway_port);
  const auto prometheus_dir = world.directory / "prometheus";
  std::filesystem::create_directories(prometheus_dir / "data");
  write_text(prometheus_dir / "prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                                "scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n"
                                                "    static_configs:\n      - targets: ['127.0.0.1:" +
                                                    std::to_string(gateway_port) + "']\n");
  const int prometheus_port = free_loopback_port();
  LoopbackServer prometheus({"prometheus", "--config.file=" + (prometheus_dir / "prometheus.yml").string(),
                             "--storage.tsdb.path=" + (prometheus_dir / "data").string(),
                             "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                            prometheus_port);

  // The world's config, pointed at the gateway through the production key (plain http: Decision 20).
  auto config = read_json(world.config_file);
  config["metrics"] = {{"pushgateway_url", "http://127.0.0.1:" + std::to_string(gateway_port)}};
  write_text(world.config_file, config.dump(2));
  world.run_pipeline("idexx-sync-29000001");

  std::vector<std::string> expressions;
  std::vector<std::string> sql;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      if (target.contains("expr")) {
        expressions.push_back(target.at("expr").get<std::string>());
      } else if (target.contains("rawSql")) {
        sql.push_back(target.at("rawSql").get<std::string>());
      }
    }
  }
  BOOST_TEST_REQUIRE(expressions.size() >= 10U);

  // The first scrape comes 5-10 s after Prometheus starts (toolchain.md 6): poll each query.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const auto& expression : expressions) {
    Poco::URI uri("/api/v1/query");
    uri.addQueryParameter("query", expression);
    std::string last_answer;
    bool has_data = false;
    while (!has_data && std::chrono::steady_clock::now() < deadline) {
      if (const auto answer = http_get(prometheus_port, uri.getPathAndQuery())) {
        last_answer = *answer;
        const auto body = nlohmann::json::parse(*answer);
        has_data = body.at("status") == "success" && !body.at("data").at("result").empty();
      }
      if (!has_data) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
    BOOST_TEST(has_data, "no data for " << expression << ": " << last_answer);
  }
  // The result the run closer pushed, as Prometheus sees it: every clinic synced, no instance label.
  Poco::URI clinics("/api/v1/query");
  clinics.addQueryParameter("query", R"(idexx_sync_last_run_clinics{job="idexx_sync",stage="run",result="ok"})");
  const auto answer = nlohmann::json::parse(http_get(prometheus_port, clinics.getPathAndQuery()).value_or("{}"));
  BOOST_TEST_REQUIRE(answer.at("data").at("result").size() == 1U);
  const auto& sample = answer.at("data").at("result")[0];
  BOOST_TEST(sample.at("value")[1].get<std::string>() == "3");
  BOOST_TEST(!sample.at("metric").contains("instance"));

  // The PostgreSQL panel's query runs against the pipeline's schema.
  BOOST_TEST_REQUIRE(!sql.empty());
  auto connection = world.database.connect();
  for (const auto& query : sql) {
    pqxx::read_transaction tx(*connection);
    BOOST_CHECK_NO_THROW(tx.exec(query));
  }
}

BOOST_AUTO_TEST_SUITE_END()
