// idexx-sync-fakes: the fakes as one process for ./ci/demo (architecture.md, Decision 13). Test
// code only; never installed. Runs the IDEXX Neo simulator, and fake QStash / fake VAPI when their
// secret files are given. Tokens, keys and passwords are never printed (the world file holds the
// simulator's passwords, mode 0600).
#include "shared/core/clock.hpp"
#include "shared/core/errors.hpp"
#include "shared/core/exit_codes.hpp"
#include "tests/fakes/fake_qstash.hpp"
#include "tests/fakes/fake_vapi.hpp"
#include "tests/fakes/fault_settings_json.hpp"
#include "tests/fakes/idexx_neo_simulator.hpp"
#include "tests/fakes/simulated_world.hpp"
#include "tests/fakes/window_visits.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr const char* k_usage =
    "usage: idexx-sync-fakes [--seed N] [--now ISO-8601] [--clinics N] [--appointments N]\n"
    "                        [--port P] [--cert-dir DIR] [--world-file PATH]\n"
    "                        [--window-consultations N] [--threads N] [--faults JSON]\n"
    "                        [--qstash-token-file FILE [--qstash-signing-key-file FILE]]\n"
    "                        [--vapi-key-file FILE [--vapi-call-seconds N]]\n"
    "Starts the IDEXX Neo simulator on https://127.0.0.1:P (0 = any free port) and writes\n"
    "the tenants (with passwords) to --world-file (mode 0600). --qstash-token-file starts\n"
    "fake QStash with that token (--qstash-signing-key-file: the key deliveries are signed\n"
    "with); --vapi-key-file starts fake VAPI with that private key; both on any free port,\n"
    "their clocks ticking from --now. --window-consultations adds N visits with a consultation\n"
    "per clinic inside the 48 hours before --now (benchmarks); --threads sets the simulator's\n"
    "request threads (default 32). --faults sets every tenant's fault knobs from a JSON object\n"
    "of FaultSettings member names, e.g. '{\"http500_probability\": 0.05, \"pagination_drift\": 1,\n"
    "\"connection_reset_probability\": 0.01, \"expire_session_every_n_requests\": 25}'. Prints 'IDEXX <base_url>', then 'QSTASH <base_url>'\n"
    "and 'VAPI <base_url>' when enabled, then 'READY', and runs until SIGTERM/SIGINT.\n";

struct Options
{
  std::uint64_t seed = 1;
  std::optional<shared::Instant> now;
  int clinics = 3;
  int appointments = 30;
  int window_consultations = 0; // extra visits per clinic inside the last 48 h (add_window_visits)
  int server_threads = 32;      // the IDEXX Neo simulator's request threads
  std::uint16_t port = 0;
  std::string cert_dir = tests::fakes::test_ca_dir();
  std::string world_file;
  std::string qstash_token_file;       // empty = no fake QStash
  std::string qstash_signing_key_file; // optional
  std::string vapi_key_file;           // empty = no fake VAPI
  int vapi_call_seconds = 180;         // how long a fake call holds a VAPI slot
  std::optional<tests::fakes::FaultSettings> faults; // every tenant's, from --faults
};

long long number_arg(const std::string& flag, const std::string& value, long long low,
                     long long high)
{
  try {
    std::size_t used = 0;
    const auto parsed = std::stoll(value, &used);
    if (used == value.size() && parsed >= low && parsed <= high) {
      return parsed;
    }
  } catch (const std::exception&) {
  }
  throw shared::UsageError(flag + " wants a number from " + std::to_string(low) + " to " +
                           std::to_string(high));
}

std::optional<Options> parse(int argc, char** argv)
{
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << k_usage;
      return std::nullopt;
    }
    if (i + 1 >= argc) {
      throw shared::UsageError("unknown flag or missing value: " + flag);
    }
    const std::string value = argv[++i];
    if (flag == "--seed") {
      options.seed = static_cast<std::uint64_t>(
          number_arg(flag, value, 0, std::numeric_limits<long long>::max()));
    } else if (flag == "--now") {
      try {
        options.now = shared::parse_iso8601(value);
      } catch (const shared::DataError&) {
        throw shared::UsageError("--now wants an ISO-8601 instant such as 2026-03-09T14:30:00Z");
      }
    } else if (flag == "--clinics") {
      options.clinics = static_cast<int>(number_arg(flag, value, 0, 10000));
    } else if (flag == "--appointments") {
      options.appointments = static_cast<int>(number_arg(flag, value, 0, 100000));
    } else if (flag == "--window-consultations") {
      options.window_consultations = static_cast<int>(number_arg(flag, value, 0, 5000));
    } else if (flag == "--threads") {
      options.server_threads = static_cast<int>(number_arg(flag, value, 1, 1024));
    } else if (flag == "--port") {
      options.port = static_cast<std::uint16_t>(number_arg(flag, value, 0, 65535));
    } else if (flag == "--cert-dir") {
      options.cert_dir = value;
    } else if (flag == "--world-file") {
      options.world_file = value;
    } else if (flag == "--qstash-token-file") {
      options.qstash_token_file = value;
    } else if (flag == "--qstash-signing-key-file") {
      options.qstash_signing_key_file = value;
    } else if (flag == "--vapi-key-file") {
      options.vapi_key_file = value;
    } else if (flag == "--faults") {
      try {
        options.faults = tests::fakes::fault_settings_from_json(nlohmann::json::parse(value));
      } catch (const nlohmann::json::exception&) {
        throw shared::UsageError("--faults wants a JSON object");
      } catch (const std::invalid_argument& error) {
        throw shared::UsageError(std::string("--faults: ") + error.what());
      }
    } else if (flag == "--vapi-call-seconds") {
      options.vapi_call_seconds = static_cast<int>(number_arg(flag, value, 1, 86400));
    } else {
      throw shared::UsageError("unknown flag: " + flag);
    }
  }
  if (!options.qstash_signing_key_file.empty() && options.qstash_token_file.empty()) {
    throw shared::UsageError("--qstash-signing-key-file needs --qstash-token-file");
  }
  return options;
}

// A secret file's content with one trailing newline (LF or CRLF) stripped. The error names the
// file, never the content.
std::string read_secret_file(const std::string& flag, const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw shared::ConfigError(flag + ": cannot read " + path);
  }
  std::ostringstream content;
  content << in.rdbuf();
  auto secret = content.str();
  if (!secret.empty() && secret.back() == '\n') {
    secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') {
      secret.pop_back();
    }
  }
  if (secret.empty()) {
    throw shared::ConfigError(flag + ": " + path + " is empty");
  }
  return secret;
}

// Written to a temporary file created 0600 and renamed, so a reader never sees half a file and the
// passwords are never readable by others.
void write_private_file(const std::string& path, const std::string& content)
{
  const auto temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw shared::ConfigError("cannot write the world file " + temporary);
  }
  ::fchmod(fd, 0600);
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      throw shared::ConfigError("cannot write the world file " + temporary);
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::filesystem::rename(temporary, path);
}

std::string world_json(const tests::fakes::World& world, const std::string& base_url)
{
  nlohmann::json tenants = nlohmann::json::array();
  for (const auto& t : world.tenants) {
    tenants.push_back({{"company_id", t.company_id},
                       {"username", t.username},
                       {"password", t.password},
                       {"timezone", t.timezone},
                       {"clinic_name", t.clinic_name},
                       {"base_url", base_url}});
  }
  return nlohmann::json{{"seed", world.seed},
                        {"now", shared::format_iso8601(shared::Instant{world.now})},
                        {"idexx_base_url", base_url},
                        {"tenants", tenants}}
             .dump(2) +
         "\n";
}

// Every fake of the process; each keeps its server alive until the process ends.
struct RunningFakes
{
  std::unique_ptr<tests::fakes::IdexxNeoSimulator> idexx;
  std::unique_ptr<tests::fakes::FakeQstash> qstash; // null unless --qstash-token-file
  std::unique_ptr<tests::fakes::FakeVapi> vapi;     // null unless --vapi-key-file
};

RunningFakes start_fakes(const Options& options)
{
  RunningFakes fakes;
  const auto now = options.now.value_or(shared::Clock{}.now());
  auto world =
      tests::fakes::generate_world(options.seed, std::chrono::floor<std::chrono::seconds>(now),
                                   options.clinics, options.appointments);
  tests::fakes::add_window_visits(world, options.window_consultations);
  tests::fakes::SimulatorSettings settings;
  settings.server.port = options.port;
  settings.server.max_threads = options.server_threads;
  settings.server.cert_dir = options.cert_dir;
  fakes.idexx = std::make_unique<tests::fakes::IdexxNeoSimulator>(std::move(world), settings);
  if (options.faults) {
    for (std::size_t tenant = 0; tenant < static_cast<std::size_t>(options.clinics); ++tenant) {
      fakes.idexx->set_faults(tenant, *options.faults);
    }
  }
  if (!options.qstash_token_file.empty()) {
    tests::fakes::FakeQstashOptions qstash;
    qstash.token = read_secret_file("--qstash-token-file", options.qstash_token_file);
    if (!options.qstash_signing_key_file.empty()) {
      qstash.current_signing_key =
          read_secret_file("--qstash-signing-key-file", options.qstash_signing_key_file);
    }
    qstash.seed = options.seed;
    qstash.server.cert_dir = options.cert_dir;
    qstash.ca_file = options.cert_dir + "/ca.pem";
    fakes.qstash = std::make_unique<tests::fakes::FakeQstash>(std::move(qstash));
    if (options.now) {
      // Ticks from the pipeline's --now, so Not-Before and the plan's max delay agree, and VAPI's
      // call slots free up as real seconds pass. POST /_fake/advance moves either clock.
      fakes.qstash->run_from(std::chrono::floor<std::chrono::seconds>(*options.now));
    }
  }
  if (!options.vapi_key_file.empty()) {
    tests::fakes::FakeVapiOptions vapi;
    vapi.private_key = read_secret_file("--vapi-key-file", options.vapi_key_file);
    vapi.seed = options.seed;
    vapi.call_duration = std::chrono::seconds(options.vapi_call_seconds);
    vapi.server.cert_dir = options.cert_dir;
    fakes.vapi = std::make_unique<tests::fakes::FakeVapi>(std::move(vapi));
    if (options.now) {
      fakes.vapi->run_from(std::chrono::floor<std::chrono::seconds>(*options.now));
    }
  }
  return fakes;
}

} // namespace

int main(int argc, char** argv)
{
  try {
    const auto options = parse(argc, argv);
    if (!options) {
      return shared::exit_ok;
    }
    // Block the stop signals before any server thread exists, so only sigwait below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const auto fakes = start_fakes(*options);
    const auto base_url = fakes.idexx->base_url();
    if (!options->world_file.empty()) {
      write_private_file(options->world_file, world_json(fakes.idexx->world(), base_url));
    }
    // The stdout protocol (ci/demo reads it): one line per running fake, then READY.
    std::cout << "IDEXX " << base_url << "\n";
    if (fakes.qstash) {
      std::cout << "QSTASH " << fakes.qstash->base_url() << "\n";
    }
    if (fakes.vapi) {
      std::cout << "VAPI " << fakes.vapi->base_url() << "\n";
    }
    std::cout << "READY" << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    std::cerr << "idexx-sync-fakes: stopping on signal " << received << "\n";
    return shared::exit_ok;
  } catch (const shared::UsageError& error) {
    std::cerr << "idexx-sync-fakes: " << error.what() << "\n" << k_usage;
    return shared::exit_usage;
  } catch (const std::exception& error) {
    std::cerr << "idexx-sync-fakes: " << error.what() << "\n";
    return shared::exit_code_for(error);
  }
}
