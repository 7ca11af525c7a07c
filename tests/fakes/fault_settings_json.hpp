#pragma once

#include "tests/fakes/simulated_world.hpp"

#include <nlohmann/json.hpp>

namespace tests::fakes {

// FaultSettings from a JSON object whose keys are the member names, e.g.
// {"http500_probability": 0.05, "expire_session_every_n_requests": 25, "expiry_style": "unauthorized",
//  "latency_ms": 20}. Members left out keep their defaults. Throws std::invalid_argument naming the
// first unknown key or a value of the wrong type.
FaultSettings fault_settings_from_json(const nlohmann::json& object);

} // namespace tests::fakes
