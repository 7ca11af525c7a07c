#include "tests/e2e/pipeline_world.hpp"

#include "shared/core/clock.hpp"
#include "shared/credentials/credential_store.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"

#include <boost/test/unit_test.hpp>

#include "shared/http/http_client.hpp"

#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <thread>
#include <fstream>
#include <unistd.h>

namespace tests {

namespace {

void write_file(const std::filesystem::path& path, const std::string& content)
{
  std::ofstream(path) << content;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// A port nobody listens on right now (the dispatcher binds it a moment later).
std::uint16_t free_loopback_port()
{
  const Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  return socket.address().port();
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
  std::string chain_keys;
  std::string webhook_url = "https://dispatch.e2e.test/qstash/execute-call";
  if (options.call_chain) {
    qstash_options.current_signing_key = signing_key;
    qstash_options.next_signing_key = next_signing_key;
    // Calls shorter than a minute: ten starts a minute then never exceed VAPI's ten slots.
    vapi = std::make_unique<fakes::FakeVapi>(fakes::FakeVapiOptions{
        .private_key = vapi_key, .concurrency = 10, .mode = fakes::VapiConcurrencyMode::reject,
        .call_duration = std::chrono::seconds{45}, .assistant_ids = {}, .phone_number_ids = {}, .seed = seed,
        .server = {}});
    dispatch_port = free_loopback_port();
    webhook_url = "http://127.0.0.1:" + std::to_string(dispatch_port) + "/qstash/execute-call";
    write_file(directory / "signing-current", signing_key + "\n");
    write_file(directory / "signing-next", next_signing_key + "\n");
    write_file(directory / "vapi-key", vapi_key + "\n");
    chain_keys = R"(,
  "vapi": {"base_url": ")" + vapi->base_url() + R"(", "private_key_file": ")" + (directory / "vapi-key").string() + R"("},
  "dispatch": {"listen_address": "127.0.0.1", "port": )" + std::to_string(dispatch_port) + R"(, "threads": 4})";
  }
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
  "run": {"heartbeat_seconds": 1, "lease_seconds": )" + std::to_string(options.lease_seconds) +
                                R"(, "max_wait_seconds": 30, "poll_interval_ms": 50},
  "idexx": {"retry_base_delay_ms": 10, "retry_max_delay_ms": 50)" +
                                (options.extra_idexx_keys.empty() ? "" : ", " + options.extra_idexx_keys) + R"(},
  "extract": {"threads": 3},
  "qstash": {"base_url": ")" + qstash->base_url() + R"(", "token_file": ")" + (directory / "qstash-token").string() +
                              R"(", "webhook_url": ")" + webhook_url + R"(", "batch_size": )" +
                              std::to_string(options.qstash_batch_size) +
                              (options.call_chain ? R"(, "current_signing_key_file": ")" +
                                                        (directory / "signing-current").string() +
                                                        R"(", "next_signing_key_file": ")" +
                                                        (directory / "signing-next").string() + R"(")"
                                                  : std::string()) +
                              R"(})" + chain_keys + R"(,
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

void PipelineWorld::start_dispatcher()
{
  dispatcher = std::make_unique<BackgroundProcess>(binary_path("idexx-sync-dispatch"),
                                                   std::vector<std::string>{"--config", config_file.string()},
                                                   (directory / "dispatch.log").string());
  shared::http::HttpClient client{shared::http::HttpClientConfig{}};
  for (int attempt = 0; attempt < 200; ++attempt) {
    BOOST_REQUIRE_MESSAGE(dispatcher->running(), "idexx-sync-dispatch exited:\n" << dispatcher_log());
    try {
      const auto response = client.send(shared::http::HttpRequest{
          .method = "GET", .url = "http://127.0.0.1:" + std::to_string(dispatch_port) + "/healthz", .headers = {},
          .body = {}, .timeout = std::chrono::milliseconds{500}});
      if (response.status == 200) {
        return;
      }
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  BOOST_FAIL("idexx-sync-dispatch did not answer /healthz:\n" << dispatcher_log());
}

std::string PipelineWorld::dispatcher_log() const
{
  std::ifstream in(directory / "dispatch.log");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

PipelineWorld::~PipelineWorld()
{
  dispatcher.reset(); // SIGTERM before the directory with its config goes
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
