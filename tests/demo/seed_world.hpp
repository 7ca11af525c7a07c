#pragma once

#include "tests/fakes/simulated_world.hpp"

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace tests::demo {

// A simulated tenant as the product database knows it.
struct SeededClinic
{
  std::size_t tenant = 0;
  std::string clinic_id;
  std::string user_id;   // the user who connects the clinic to IDEXX Neo (owns its credential and calls)
};

struct SeedOptions
{
  std::string idexx_base_url;     // the simulator's base URL, written into clinics.idexx_base_url
  int night_before_case_percent = 80; // share of visits whose case the product's schedule sync created
  std::string vapi_assistant_id = "11111111-2222-4333-8444-555555555555";
  std::string vapi_phone_number_id = "66666666-7777-4888-8999-000000000000";
};

// Writes the product side of `world` the way the product would have it the night before: one user
// and one clinic per tenant (sync enabled, automatic calls on, VAPI ids set), and a case with the
// schedule sync's conventions (external id, pimsAppointment metadata, patient row) for most visits,
// without notes and without consultation ids. Deterministic: clinic and user ids are UUIDv5 of the
// world's seed and the tenant index. Credentials are not stored here (they go through
// `idexx-sync credentials set` or shared::credentials).
std::vector<SeededClinic> seed_product_world(pqxx::connection& connection, const tests::fakes::World& world,
                                             const SeedOptions& options);

} // namespace tests::demo
