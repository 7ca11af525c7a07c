#pragma once

#include "tests/fakes/simulated_world.hpp"

// Extra load for benchmarks (ci/bench-extract): visits that all lie inside the last 48 hours, so a
// world can hold a known number of consultations per clinic in extract's default window.
namespace tests::fakes {

// Appends `per_clinic` finalized visits to every tenant of `world`, each with a consultation,
// spread evenly from 46 h to 1 h before `world.now`. Their clinical content (notes of 1-3 KB,
// lines, patient, client) is copied from the tenant's own consultations in turn; ids continue after
// the tenant's highest. Deterministic, draws no random numbers: the rest of the world is unchanged.
// Throws std::invalid_argument for a negative count.
void add_window_visits(World& world, int per_clinic);

} // namespace tests::fakes
