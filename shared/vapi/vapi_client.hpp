#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/secret.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace shared::vapi {

struct VapiConfig
{
  std::string base_url;                // "vapi.base_url"
  Secret private_key;                  // "vapi.private_key_file"
  std::string ca_file;                 // "tls.ca_file"
  std::chrono::seconds timeout{15};    // "vapi.request_timeout_seconds"
};

// Reads vapi.base_url, vapi.private_key_file, tls.ca_file and vapi.request_timeout_seconds.
VapiConfig load_vapi_config(const config::ConfigFile& file);

// One outbound discharge call (external-services.md 2.2). Only schema fields are ever sent: VAPI
// rejects any unknown property with 400.
struct CallRequest
{
  std::string call_id;                 // our scheduled_discharge_calls.id
  std::string case_id;
  std::string clinic_id;
  int version = 1;                     // publish_version
  std::string assistant_id;
  std::string phone_number_id;
  std::string customer_number;         // E.164
  std::string customer_name;           // cut to 40 characters
  std::map<std::string, std::string> variables; // assistantOverrides.variableValues, strings only
};

// The POST /call body: assistantId, phoneNumberId, name ("discharge <first 8 of call id>"),
// customer {number, name?}, assistantOverrides {variableValues, metadata {callId, caseId, clinicId,
// version}}. Opaque ids only in metadata.
std::string create_call_body(const CallRequest& request);

enum class CreateOutcome {
  created,      // 201: `vapi_call_id` is set
  rejected,     // 400 for the request itself: retrying cannot help
  not_placed,   // 429, 5xx, "Over Concurrency Limit", connection refused: certainly no call; retry later
  unknown,      // timeout or reset after the request was sent: look the call up before retrying
};

struct CreateResult
{
  CreateOutcome outcome = CreateOutcome::unknown;
  std::string vapi_call_id;
  std::string error;                   // short, no secrets, no phone numbers
  std::optional<int> retry_after_seconds;
};

// POST /call and GET /call over HTTPS with the private key. One thread at a time per instance.
class VapiClient
{
public:
  virtual ~VapiClient() = default;
  virtual CreateResult create_call(const std::string& body) = 0;
  // The VAPI id of a call created since `since` for `assistant_id` whose
  // assistantOverrides.metadata.callId is `call_id`; std::nullopt when there is none. Throws
  // TransientError when VAPI cannot be asked.
  virtual std::optional<std::string> find_call(const std::string& assistant_id, const std::string& call_id,
                                               Instant since) = 0;
};

std::unique_ptr<VapiClient> make_http_vapi_client(const VapiConfig& config);

} // namespace shared::vapi
