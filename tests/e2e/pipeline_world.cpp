#include "tests/e2e/pipeline_world.hpp"

#include "shared/core/clock.hpp"
#include "shared/credentials/credential_store.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <unistd.h>

namespace tests {

namespace {

void write_file(const std::filesystem::path& path, const std::string& content)
{
  std::ofstream(path) << content;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

} // namespace

std::string binary_path(const std::string& binary)
{
  const std::string root = IDEXX_SYNC_BINARY_DIR;
  if (binary == "idexx-sync") {
    return root + "/stages/admin/idexx-sync";
  }
  return root + "/stages/" + binary.substr(std::string("idexx-sync-").size()) + "/" + binary;
}

PipelineWorld::PipelineWorld(std::uint64_t seed, int clinic_count, int appointments,
                             const PipelineWorldOptions& options)
{
  static int counter = 0;
  directory = std::filesystem::temp_directory_path() /
              ("idexx-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(directory / "keys");
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  now_iso = shared::format_iso8601(now);
  world = fakes::generate_world(seed, now, clinic_count, appointments);
  simulator = std::make_unique<fakes::IdexxNeoSimulator>(world, options.simulator);
  fakes::FakeQstashOptions qstash_options;
  qstash_options.token = qstash_token;
  qstash = std::make_unique<fakes::FakeQstash>(qstash_options);
  fakes::FakePosthogOptions posthog_options;
  posthog_options.api_key = posthog_key;
  posthog = std::make_unique<fakes::FakePosthog>(posthog_options);

  write_file(directory / "database-uri", database.conninfo() + "\n");
  write_file(directory / "qstash-token", qstash_token + "\n");
  write_file(directory / "posthog-key", posthog_key + "\n");
  write_file(directory / "keys" / "e2e-1", key_secret + "\n");
  const std::string ca = std::string(IDEXX_SYNC_TEST_CA_DIR) + "/ca.pem";
  config_file = directory / "config.json";
  write_file(config_file, R"({
  "database": {"uri_file": ")" + (directory / "database-uri").string() + R"("},
  "tls": {"ca_file": ")" + ca + R"("},
  "credential_keys": {"directory": ")" + (directory / "keys").string() + R"(", "current_key_id": "e2e-1", "pbkdf2_iterations": 1000},
  "logging": {"level": "debug"},
  "run": {"heartbeat_seconds": 2, "lease_seconds": 30, "max_wait_seconds": 30, "poll_interval_ms": 50},
  "idexx": {"retry_base_delay_ms": 10, "retry_max_delay_ms": 50)" +
                                (options.extra_idexx_keys.empty() ? "" : ", " + options.extra_idexx_keys) + R"(},
  "extract": {"threads": 3},
  "qstash": {"base_url": ")" + qstash->base_url() + R"(", "token_file": ")" + (directory / "qstash-token").string() +
                              R"(", "webhook_url": "https://dispatch.e2e.test/qstash/execute-call"},
  "posthog": {"host": ")" + posthog->base_url() + R"(", "project_api_key_file": ")" +
                              (directory / "posthog-key").string() + R"("}
})");

  auto connection = database.connect();
  demo::SeedOptions seed_options;
  seed_options.idexx_base_url = simulator->base_url();
  clinics = demo::seed_product_world(*connection, world, seed_options);
  shared::crypto::KeyRing key_ring(
      shared::crypto::KeyRingConfig{.directory = directory / "keys", .current_key_id = "e2e-1", .pbkdf2_iterations = 1000});
  shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    for (std::size_t i = 0; i < clinics.size(); ++i) {
      const auto& clinic = clinics[i];
      const auto& tenant = world.tenants[clinic.tenant];
      const bool wrong = std::find(options.wrong_password_clinics.begin(), options.wrong_password_clinics.end(), i) !=
                         options.wrong_password_clinics.end();
      shared::credentials::store_credential(
          tx, key_ring,
          {.user_id = clinic.user_id, .clinic_id = clinic.clinic_id, .username = shared::Secret(tenant.username),
           .password = shared::Secret(wrong ? tenant.password + "-outdated" : tenant.password),
           .company_id = tenant.company_id, .validation_status = "valid"});
    }
  });
}

PipelineWorld::~PipelineWorld()
{
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
}

ProcessResult PipelineWorld::run_stage(const std::string& binary, const std::string& run_id) const
{
  return run_process(binary_path(binary), {"--config", config_file.string(), "--run-id", run_id, "--now", now_iso});
}

std::vector<ProcessResult> PipelineWorld::run_pipeline(const std::string& run_id) const
{
  std::vector<ProcessResult> results;
  for (const char* stage : {"idexx-sync-extract", "idexx-sync-reconcile", "idexx-sync-schedule", "idexx-sync-audit"}) {
    results.push_back(run_stage(stage, run_id));
    BOOST_REQUIRE_MESSAGE(results.back().exit_code == 0,
                          stage << " exited " << results.back().exit_code << ":\n" << results.back().err);
  }
  return results;
}

std::size_t PipelineWorld::simulator_count_for(const std::string& run_id) const
{
  return simulator_count_for(run_id, "");
}

std::size_t PipelineWorld::simulator_count_for(const std::string& run_id, const std::string& only_clinic) const
{
  auto connection = database.connect();
  pqxx::read_transaction tx(*connection);
  std::size_t total = 0;
  for (const auto& row : tx.exec_params(
           "SELECT clinic_id, extract(epoch FROM window_start)::bigint, extract(epoch FROM window_end)::bigint "
           "FROM idexx_sync_sessions WHERE run_id = $1 AND ($2::text = '' OR clinic_id::text = $2::text)",
           run_id, only_clinic)) {
    const auto clinic_id = row[0].as<std::string>();
    for (const auto& clinic : clinics) {
      if (clinic.clinic_id == clinic_id) {
        total += simulator->consultations_in_window(
            clinic.tenant, fakes::SysSeconds{std::chrono::seconds{row[1].as<std::int64_t>()}},
            fakes::SysSeconds{std::chrono::seconds{row[2].as<std::int64_t>()}});
      }
    }
  }
  return total;
}

} // namespace tests
