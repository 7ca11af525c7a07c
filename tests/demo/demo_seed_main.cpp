// idexx-sync-demo-seed: writes the product side of the simulator's world into the demo database
// (tests and ./ci/demo only; never shipped). Prints one line per clinic on stdout:
// <clinic_id> <user_id> <tenant index>. No password or username is printed.
// --store-credentials CONFIG also stores every clinic's IDEXX Neo login in one transaction with the
// key ring of CONFIG (ci/bench-extract: no process and no real login per clinic).
#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"
#include "shared/credentials/credential_store.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"
#include "tests/demo/seed_world.hpp"
#include "tests/fakes/window_visits.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
  std::string uri_file;
  std::string base_url;
  std::uint64_t seed = 1;
  std::string now;
  int clinics = 3;
  int appointments = 30;
  int window_consultations = 0;
  std::string credentials_config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--database-uri-file") {
      uri_file = value;
    } else if (flag == "--idexx-base-url") {
      base_url = value;
    } else if (flag == "--seed") {
      seed = std::stoull(value);
    } else if (flag == "--now") {
      now = value;
    } else if (flag == "--clinics") {
      clinics = std::stoi(value);
    } else if (flag == "--appointments") {
      appointments = std::stoi(value);
    } else if (flag == "--window-consultations") {
      window_consultations = std::stoi(value);
    } else if (flag == "--store-credentials") {
      credentials_config = value;
    } else {
      std::cerr << "idexx-sync-demo-seed: unknown flag " << flag << "\n";
      return 64;
    }
  }
  if (uri_file.empty() || base_url.empty() || now.empty()) {
    std::cerr << "usage: idexx-sync-demo-seed --database-uri-file F --idexx-base-url URL --now ISO --seed N "
                 "--clinics N --appointments N [--window-consultations N] [--store-credentials CONFIG]\n";
    return 64;
  }
  try {
    const auto instant = std::chrono::floor<std::chrono::seconds>(shared::parse_iso8601(now));
    // The same generator and arguments as the simulator's: the same world.
    auto world = tests::fakes::generate_world(seed, instant, clinics, appointments);
    tests::fakes::add_window_visits(world, window_consultations);
    auto connection = shared::db::open_connection(
        shared::db::DatabaseConfig{.conninfo = shared::config::read_secret_file(uri_file, "--database-uri-file"),
                                   .connect_timeout = std::chrono::seconds{10}},
        "demo.seed");
    tests::demo::SeedOptions options;
    options.idexx_base_url = base_url;
    const auto seeded = tests::demo::seed_product_world(*connection, world, options);
    if (!credentials_config.empty()) {
      shared::crypto::KeyRing key_ring(
          shared::crypto::load_key_ring_config(shared::config::ConfigFile::load(credentials_config)));
      shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
        for (const auto& clinic : seeded) {
          const auto& tenant = world.tenants[clinic.tenant];
          shared::credentials::store_credential(
              tx, key_ring,
              {.user_id = clinic.user_id, .clinic_id = clinic.clinic_id, .username = shared::Secret(tenant.username),
               .password = shared::Secret(tenant.password), .company_id = tenant.company_id,
               .validation_status = "valid"});
        }
      });
    }
    for (const auto& clinic : seeded) {
      std::cout << clinic.clinic_id << " " << clinic.user_id << " " << clinic.tenant << "\n";
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "idexx-sync-demo-seed: " << error.what() << "\n";
    return 1;
  }
}
