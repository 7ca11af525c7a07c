#pragma once

#include "tests/demo/seed_world.hpp"
#include "tests/fakes/fake_posthog.hpp"
#include "tests/fakes/fake_qstash.hpp"
#include "tests/fakes/fake_vapi.hpp"
#include "tests/fakes/idexx_neo_simulator.hpp"
#include "tests/support/process_runner.hpp"
#include "tests/support/temp_database.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace tests {

// Knobs for one PipelineWorld (all default to the plain world full_sync_test uses).
struct PipelineWorldOptions
{
  // More members of the config's "idexx" object, as JSON text without braces, e.g.
  // R"("max_relogins": 20, "retry_after_cap_seconds": 0)". Keys other than retry_base_delay_ms and
  // retry_max_delay_ms (which are always set).
  std::string extra_idexx_keys;
  // Indices into `clinics` whose stored password differs from the simulator's.
  std::vector<std::size_t> wrong_password_clinics;
  // Simulator-wide settings (login form variants, refused-login variant).
  tests::fakes::SimulatorSettings simulator;
  // The whole call chain: fake QStash signs its deliveries, a fake VAPI runs, and the config points
  // qstash.webhook_url at an idexx-sync-dispatch on a free loopback port (start_dispatcher()).
  bool call_chain = false;
  int qstash_batch_size = 100;
  int lease_seconds = 30;
};

// Everything an end-to-end run needs: a migrated database, the simulator, fake QStash and PostHog on
// loopback, a seeded product world with stored credentials, secret files and the config file the
// binaries read, pointing at the fakes through the production keys.
class PipelineWorld
{
public:
  PipelineWorld(std::uint64_t seed, int clinics, int appointments,
                const PipelineWorldOptions& options = {});
  ~PipelineWorld();
  PipelineWorld(const PipelineWorld&) = delete;
  PipelineWorld& operator=(const PipelineWorld&) = delete;

  // Runs `binary` (e.g. "idexx-sync-extract") with --config, --run-id and --now.
  ProcessResult run_stage(const std::string& binary, const std::string& run_id) const;
  // Runs the four stages in the chart's order; fails the test when one does not exit 0.
  std::vector<ProcessResult> run_pipeline(const std::string& run_id) const;
  // Starts idexx-sync-dispatch (call_chain worlds) and waits until it answers /healthz.
  void start_dispatcher();
  // The dispatcher's log (JSON lines).
  [[nodiscard]] std::string dispatcher_log() const;
  // The simulator's count of consultations inside each session window of `run_id`.
  std::size_t simulator_count_for(const std::string& run_id) const;
  // The same for one clinic (its session windows of `run_id`).
  std::size_t simulator_count_for(const std::string& run_id, const std::string& clinic_id) const;

  TempDatabase database;
  fakes::World world;
  std::unique_ptr<fakes::IdexxNeoSimulator> simulator;
  std::unique_ptr<fakes::FakeQstash> qstash;
  std::unique_ptr<fakes::FakePosthog> posthog;
  std::unique_ptr<fakes::FakeVapi> vapi;              // call_chain worlds
  std::unique_ptr<BackgroundProcess> dispatcher;      // after start_dispatcher()
  std::uint16_t dispatch_port = 0;
  std::vector<demo::SeededClinic> clinics;
  std::filesystem::path directory;
  std::filesystem::path config_file;
  std::string now_iso;
  std::string qstash_token = "qstash-e2e-token-7f1c";
  std::string posthog_key = "phc_e2e_project_key_5d2a91";
  std::string key_secret = "e2e-key-material-that-is-longer-than-32-bytes";
  std::string vapi_key = "vapi-e2e-private-key-2b9d";
  std::string signing_key = "sig_e2e_current";
  std::string next_signing_key = "sig_e2e_next";
};

// Where the build put `binary`.
std::string binary_path(const std::string& binary);

} // namespace tests
