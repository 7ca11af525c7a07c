#include "shared/vapi/vapi_client.hpp"

#include "shared/http/http_client.hpp"
#include "shared/logging/logger.hpp"

#include <nlohmann/json.hpp>

namespace shared::vapi {

VapiConfig load_vapi_config(const config::ConfigFile& file)
{
  VapiConfig config;
  config.base_url = file.text("vapi.base_url");
  while (!config.base_url.empty() && (config.base_url.back() == '/' || config.base_url.back() == ' ')) {
    config.base_url.pop_back();
  }
  (void)http::parse_url(config.base_url); // a malformed URL is a configuration error, at start
  config.private_key = file.secret("vapi.private_key_file");
  config.ca_file = file.text("tls.ca_file");
  config.timeout = file.seconds("vapi.request_timeout_seconds");
  return config;
}

std::string create_call_body(const CallRequest& request)
{
  nlohmann::json variables = nlohmann::json::object();
  for (const auto& [name, value] : request.variables) {
    variables[name] = value;
  }
  nlohmann::json customer{{"number", request.customer_number}};
  if (!request.customer_name.empty()) {
    // VAPI caps names at 40 characters; cut on a UTF-8 character boundary.
    std::size_t cut = std::min<std::size_t>(request.customer_name.size(), 40);
    while (cut > 0 && cut < request.customer_name.size() &&
           (static_cast<unsigned char>(request.customer_name[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    customer["name"] = request.customer_name.substr(0, cut);
  }
  const nlohmann::json body{
      {"assistantId", request.assistant_id},
      {"phoneNumberId", request.phone_number_id},
      {"name", "discharge " + request.call_id.substr(0, 8)},
      {"customer", customer},
      {"assistantOverrides",
       {{"variableValues", variables},
        {"metadata", {{"callId", request.call_id}, {"caseId", request.case_id}, {"clinicId", request.clinic_id},
                      {"version", request.version}}}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// VAPI's 400 body: {"message": [..] or "..", "error", "statusCode"}.
std::string error_text(const std::string& body)
{
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message")) {
    const auto& message = parsed["message"];
    if (message.is_string()) {
      return message.get<std::string>().substr(0, 300);
    }
    if (message.is_array()) {
      std::string joined;
      for (const auto& item : message) {
        if (item.is_string()) {
          joined += (joined.empty() ? "" : "; ") + item.get<std::string>();
        }
      }
      return joined.substr(0, 300);
    }
  }
  return body.substr(0, 200);
}

std::optional<int> seconds_header(const http::HttpResponse& response, std::string_view name)
{
  const auto value = response.header(name);
  if (!value || value->empty() || value->find_first_not_of("0123456789") != std::string::npos || value->size() > 6) {
    return std::nullopt;
  }
  return std::stoi(*value);
}

class HttpVapiClient : public VapiClient
{
public:
  explicit HttpVapiClient(const VapiConfig& config)
      : m_config(config),
        m_client(http::HttpClientConfig{
            .ca_file = config.ca_file,
            .connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout),
            .request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout),
            .user_agent = "idexx-sync"})
  {
  }

  CreateResult create_call(const std::string& body) override
  {
    http::HttpRequest request{.method = "POST", .url = m_config.base_url + "/call",
                              .headers = {{"Authorization", "Bearer " + m_config.private_key.reveal()},
                                          {"Content-Type", "application/json"}},
                              .body = body, .timeout = std::nullopt};
    http::HttpResponse response;
    try {
      response = m_client.send(request);
    } catch (const TransientError& error) {
      // The client cannot tell a refused connection from a timeout after sending: both are
      // treated as "maybe placed", and the caller looks the call up before any retry.
      return CreateResult{.outcome = CreateOutcome::unknown, .vapi_call_id = {}, .error = error.what(),
                          .retry_after_seconds = std::nullopt};
    }
    if (response.status == 201 || response.status == 200) {
      const auto parsed = nlohmann::json::parse(response.body, nullptr, false);
      if (parsed.is_object() && parsed.contains("id") && parsed["id"].is_string()) {
        return CreateResult{.outcome = CreateOutcome::created, .vapi_call_id = parsed["id"].get<std::string>(),
                            .error = {}, .retry_after_seconds = std::nullopt};
      }
      return CreateResult{.outcome = CreateOutcome::unknown, .vapi_call_id = {},
                          .error = "VAPI answered " + std::to_string(response.status) + " without a call id",
                          .retry_after_seconds = std::nullopt};
    }
    const auto text = error_text(response.body);
    if (response.status == 400 && text.find("Concurrency") == std::string::npos) {
      return CreateResult{.outcome = CreateOutcome::rejected, .vapi_call_id = {},
                          .error = "VAPI refused the call (400): " + text, .retry_after_seconds = std::nullopt};
    }
    if (response.status == 401 || response.status == 403) {
      // A wrong key places no call; retrying later lets an operator fix the Secret meanwhile.
      return CreateResult{.outcome = CreateOutcome::not_placed, .vapi_call_id = {},
                          .error = "VAPI refused the private key (" + std::to_string(response.status) + ")",
                          .retry_after_seconds = std::nullopt};
    }
    return CreateResult{.outcome = CreateOutcome::not_placed, .vapi_call_id = {},
                        .error = "VAPI answered " + std::to_string(response.status) + ": " + text,
                        .retry_after_seconds = seconds_header(response, "Retry-After")};
  }

  std::optional<std::string> find_call(const std::string& assistant_id, const std::string& call_id,
                                       Instant since) override
  {
    http::HttpRequest request{.method = "GET",
                              .url = m_config.base_url + "/call?assistantId=" + assistant_id +
                                     "&createdAtGt=" + format_iso8601(since) + "&limit=1000",
                              .headers = {{"Authorization", "Bearer " + m_config.private_key.reveal()}},
                              .body = {}, .timeout = std::nullopt};
    const auto response = m_client.send(request);
    if (response.status != 200) {
      throw TransientError("VAPI call lookup answered " + std::to_string(response.status));
    }
    const auto parsed = nlohmann::json::parse(response.body, nullptr, false);
    if (!parsed.is_array()) {
      throw TransientError("VAPI call lookup answered something other than a list");
    }
    for (const auto& call : parsed) {
      const auto metadata = call.value("/assistantOverrides/metadata"_json_pointer, nlohmann::json::object());
      if (metadata.is_object() && metadata.value("callId", std::string()) == call_id && call.contains("id") &&
          call["id"].is_string()) {
        return call["id"].get<std::string>();
      }
    }
    return std::nullopt;
  }

private:
  VapiConfig m_config;
  http::HttpClient m_client;
};

} // namespace

std::unique_ptr<VapiClient> make_http_vapi_client(const VapiConfig& config)
{
  return std::make_unique<HttpVapiClient>(config);
}

} // namespace shared::vapi
