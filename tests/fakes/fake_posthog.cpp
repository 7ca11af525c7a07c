#include "tests/fakes/fake_posthog.hpp"

#include "shared/core/clock.hpp"
#include "shared/core/errors.hpp"

#include <map>
#include <mutex>
#include <tuple>

namespace tests::fakes {

namespace {

using nlohmann::json;

constexpr std::size_t k_batch_limit = 20U * 1024 * 1024;
constexpr std::size_t k_single_limit = 2U * 1024 * 1024;
constexpr std::size_t k_event_limit = 1024U * 1024;

FakeResponse answer(int status, const std::string& code, const std::string& error)
{
  return FakeResponse{status,
                      {{"Content-Type", "application/json"}},
                      json{{"status", status}, {"code", code}, {"error", error}}.dump()};
}

std::string strip_slash(std::string path)
{
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

bool valid_timestamp(const json& value)
{
  if (!value.is_string()) {
    return false;
  }
  try {
    (void)shared::parse_iso8601(value.get<std::string>());
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

struct FakePosthog::State
{
  FakePosthogOptions options;
  mutable std::mutex mutex;
  std::vector<CapturedEvent> received;
  std::size_t requests = 0;

  FakeResponse handle(const FakeRequest& request)
  {
    {
      const std::lock_guard lock(mutex);
      ++requests;
    }
    const auto path = strip_slash(request.path());
    const bool batch_route = path == "/batch";
    if (!batch_route && path != "/i/v0/e" && path != "/e" && path != "/capture") {
      return answer(404, "not_found", "no such route");
    }
    if (request.method != "POST") {
      return answer(405, "method_not_allowed", "POST only");
    }
    if (request.body.size() > (batch_route ? k_batch_limit : k_single_limit)) {
      return answer(413, "payload_too_large", "body too large");
    }
    json body;
    try {
      body = json::parse(request.body);
    } catch (const json::exception&) {
      return answer(400, "invalid_payload", "body is not JSON");
    }
    if (!body.is_object() || !body.contains("api_key") || !body["api_key"].is_string()) {
      return answer(401, "no_token", "missing api_key");
    }
    if (body["api_key"].get<std::string>() != options.api_key) {
      return options.unknown_key_is_403 ? answer(403, "ingest_key_unknown", "unknown api_key")
                                        : answer(401, "ingest_key_unknown", "unknown api_key");
    }
    json events = json::array();
    if (batch_route) {
      if (!body.contains("batch") || !body["batch"].is_array() || body["batch"].empty()) {
        return answer(400, "empty_batch", "batch must be a non-empty array");
      }
      events = body["batch"];
    } else {
      events.push_back(body);
    }
    std::vector<CapturedEvent> accepted;
    for (const auto& event : events) {
      if (!event.is_object() || !event.contains("event") || !event["event"].is_string() ||
          event["event"].get<std::string>().empty()) {
        return answer(400, "missing_event_name", "an event has no name");
      }
      const bool has_distinct = (event.contains("distinct_id") && event["distinct_id"].is_string()) ||
                                (event.contains("properties") && event["properties"].contains("distinct_id"));
      if (!has_distinct) {
        return answer(400, "missing_distinct_id", "an event has no distinct_id");
      }
      if (event.contains("timestamp") && !valid_timestamp(event["timestamp"])) {
        return answer(400, "invalid_timestamp", "an event has an unparsable timestamp");
      }
      if (event.dump().size() > k_event_limit) {
        return answer(413, "event_too_large", "an event is over 1 MB");
      }
      accepted.push_back(CapturedEvent{event.value("uuid", ""), event["event"].get<std::string>(),
                                       event.value("distinct_id", ""), event.value("timestamp", ""),
                                       event.value("properties", json::object())});
    }
    const std::lock_guard lock(mutex);
    received.insert(received.end(), accepted.begin(), accepted.end());
    return FakeResponse{200, {{"Content-Type", "application/json"}}, R"({"status": 1})"};
  }
};

FakePosthog::FakePosthog(FakePosthogOptions options) : m_state(std::make_unique<State>())
{
  m_state->options = std::move(options);
  auto* state = m_state.get();
  m_server = std::make_unique<FakeHttpServer>([state](const FakeRequest& request) { return state->handle(request); },
                                              m_state->options.server);
}

FakePosthog::~FakePosthog() { m_server.reset(); }

std::string FakePosthog::base_url() const { return m_server->base_url(); }

std::vector<CapturedEvent> FakePosthog::received() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->received;
}

std::vector<CapturedEvent> FakePosthog::deduplicated() const
{
  const std::lock_guard lock(m_state->mutex);
  // ReplacingMergeTree's key, in effect: (uuid, event, distinct_id, UTC date); the later copy wins.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, CapturedEvent> kept;
  for (const auto& event : m_state->received) {
    kept[{event.uuid, event.event, event.distinct_id, event.timestamp.substr(0, 10)}] = event;
  }
  std::vector<CapturedEvent> out;
  for (auto& [key, event] : kept) {
    out.push_back(std::move(event));
  }
  return out;
}

std::size_t FakePosthog::requests() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->requests;
}

void FakePosthog::fail_next(int count, int status) { m_server->fail_next(count, status); }

} // namespace tests::fakes
