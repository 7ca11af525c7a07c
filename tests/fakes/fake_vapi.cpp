#include "tests/fakes/fake_vapi.hpp"

#include "shared/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>
#include <regex>
#include <set>

namespace tests::fakes {

namespace {

using nlohmann::json;

const std::set<std::string> k_top_level_keys{
    "assistantId",   "assistantVersion", "assistantOverrides",
    "phoneNumberId", "customer",         "name",
    "schedulePlan",  "squadId",          "squad",
    "workflowId",    "workflow",         "transport",
    "customerId",    "assistant",        "phoneNumber"};
const std::set<std::string> k_customer_keys{
    "number",    "numberE164CheckEnabled", "name", "email", "externalId",
    "extension", "assistantOverrides"};
const std::set<std::string> k_override_keys{
    "variableValues",   "metadata",           "voicemailDetection",
    "voicemailMessage", "maxDurationSeconds", "firstMessage",
    "firstMessageMode", "endCallMessage",     "server"};
const std::set<std::string> k_first_message_modes{
    "assistant-speaks-first", "assistant-speaks-first-with-model-generated-message",
    "assistant-waits-for-user"};

FakeResponse json_response(int status, const json& body)
{
  return FakeResponse{status, {{"Content-Type", "application/json; charset=utf-8"}}, body.dump()};
}

const char* reason_phrase(int status)
{
  switch (status) {
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 404:
    return "Not Found";
  case 429:
    return "Too Many Requests";
  case 500:
    return "Internal Server Error";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return "Error";
  }
}

// VAPI's (NestJS) error shape: `message` is a list for validation errors, a string otherwise.
FakeResponse vapi_error(int status, const json& message)
{
  return json_response(
      status, json{{"message", message}, {"error", reason_phrase(status)}, {"statusCode", status}});
}

std::uint64_t splitmix64(std::uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// A version-4-shaped UUID from two seeded words.
std::string seeded_uuid(std::uint64_t seed, std::uint64_t counter)
{
  auto high = splitmix64(seed ^ (counter * 0xd1b54a32d192ed03ULL));
  auto low = splitmix64(high ^ seed ^ 0x632be59bd9b4e019ULL);
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (const auto word : {high, low}) {
    for (int shift = 60; shift >= 0; shift -= 4)
      hex += digits[(word >> static_cast<unsigned>(shift)) & 15U];
  }
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// `2026-03-09T14:30:00.000Z`, as VAPI writes its timestamps.
std::string iso_ms(std::chrono::sys_seconds at)
{
  const auto text = shared::format_iso8601(shared::Instant{at}); // …:00.000000Z
  return text.substr(0, text.size() - 4) + "Z";
}



bool string_within(const json& value, std::size_t max)
{
  return value.is_string() && value.get_ref<const std::string&>().size() <= max;
}

// Caller gives the path prefix ("assistantOverrides." or "customer.assistantOverrides.").
void validate_overrides(const json& overrides, const std::string& prefix,
                        std::vector<std::string>& errors)
{
  const auto name = prefix.substr(0, prefix.size() - 1);
  if (!overrides.is_object()) {
    errors.push_back(name + " must be an object");
    return;
  }
  for (const auto& [key, value] : overrides.items()) {
    if (!k_override_keys.contains(key)) {
      errors.push_back("property " + prefix + key + " should not exist");
      continue;
    }
    if ((key == "variableValues" || key == "metadata" || key == "server" ||
         key == "voicemailDetection") &&
        !value.is_object()) {
      errors.push_back(prefix + key + " must be an object");
    } else if ((key == "voicemailMessage" || key == "endCallMessage") &&
               !string_within(value, 1000)) {
      errors.push_back(prefix + key + " must be a string shorter than or equal to 1000 characters");
    } else if (key == "firstMessage" && !value.is_string()) {
      errors.push_back(prefix + key + " must be a string");
    } else if (key == "firstMessageMode" &&
               (!value.is_string() || !k_first_message_modes.contains(value.get<std::string>()))) {
      errors.push_back(prefix + key +
                       " must be one of the following values: assistant-speaks-first, "
                       "assistant-speaks-first-with-model-generated-message, "
                       "assistant-waits-for-user");
    } else if (key == "maxDurationSeconds") {
      if (!value.is_number()) {
        errors.push_back(prefix + key + " must be a number");
      } else if (value.get<double>() < 10) {
        errors.push_back(prefix + key + " must not be less than 10");
      } else if (value.get<double>() > 43200) {
        errors.push_back(prefix + key + " must not be greater than 43200");
      }
    }
  }
}

void validate_customer(const json& customer, std::vector<std::string>& errors)
{
  if (!customer.is_object()) {
    errors.push_back("customer must be an object");
    return;
  }
  for (const auto& [key, value] : customer.items()) {
    if (!k_customer_keys.contains(key))
      errors.push_back("property customer." + key + " should not exist");
  }
  bool e164 = true;
  if (customer.contains("numberE164CheckEnabled")) {
    const auto& flag = customer["numberE164CheckEnabled"];
    if (!flag.is_boolean())
      errors.push_back("customer.numberE164CheckEnabled must be a boolean value");
    else
      e164 = flag.get<bool>();
  }
  if (customer.contains("number")) {
    static const std::regex e164_pattern(R"(^\+[1-9][0-9]{7,14}$)");
    static const std::regex sip_pattern(R"(^\+?[a-zA-Z0-9]+$)");
    const auto& number = customer["number"];
    if (!number.is_string()) {
      errors.push_back("customer.number must be a string");
    } else {
      const auto& text = number.get_ref<const std::string&>();
      if (text.size() < 3 || text.size() > 40)
        errors.push_back("customer.number must be longer than or equal to 3 and shorter than or "
                         "equal to 40 characters");
      else if (!std::regex_match(text, e164 ? e164_pattern : sip_pattern))
        errors.push_back(e164 ? "customer.number must be a valid phone number in the E.164 format "
                                "(a '+', the country code and the number, e.g. +14155551234)"
                              : "customer.number must contain only letters and digits");
    }
  }
  for (const auto& [key, max] : {std::pair<const char*, std::size_t>{"name", 40},
                                 {"email", 40},
                                 {"externalId", 40},
                                 {"extension", 10}}) {
    if (customer.contains(key) && !string_within(customer[key], max)) {
      errors.push_back(std::string("customer.") + key + " must be shorter than or equal to " +
                       std::to_string(max) + " characters");
    }
  }
  if (customer.contains("assistantOverrides"))
    validate_overrides(customer["assistantOverrides"], "customer.assistantOverrides.", errors);
}

} // namespace

struct FakeVapi::State
{
  FakeVapiOptions options;
  mutable std::mutex mutex;
  FakeClock fake_clock;
  std::vector<VapiCall> calls;
  std::vector<json> call_requests; // parallel to `calls`: the validated body
  std::uint64_t counter = 0;
  std::string org_id;
  int fail_count = 0;
  int fail_status = 500;
  std::optional<int> fail_retry_after;
  std::size_t peak = 0;
  std::size_t rejections = 0;
  std::size_t invalid = 0;
  std::size_t unauthorized = 0;

  explicit State(FakeVapiOptions o)
      : options(std::move(o)), org_id(seeded_uuid(options.seed, 0xffffffffULL))
  {
  }

  // Caller holds the mutex.
  std::chrono::sys_seconds clock() const { return fake_clock.now(); }

  // Caller holds the mutex. Calls holding a slot at `t`.
  std::size_t occupancy(std::chrono::sys_seconds t) const
  {
    return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const auto& c) {
      return c.starts_at <= t && t < c.ends_at;
    }));
  }

  // Caller holds the mutex. Most calls at once during [from, to).
  std::size_t max_occupancy(std::chrono::sys_seconds from, std::chrono::sys_seconds to) const
  {
    auto most = occupancy(from);
    for (const auto& c : calls) {
      if (c.starts_at > from && c.starts_at < to)
        most = std::max(most, occupancy(c.starts_at));
    }
    return most;
  }

  bool authorised(const FakeRequest& request) const
  {
    const auto auth = request.header("Authorization");
    return auth && !options.private_key.empty() && *auth == "Bearer " + options.private_key;
  }

  // Caller holds the mutex.
  json call_object(std::size_t i, const json& limits) const
  {
    const auto& call = calls[i];
    const auto& body = call_requests[i];
    const auto now = clock();
    json out{{"id", call.id},
             {"orgId", org_id},
             {"createdAt", iso_ms(call.created_at)},
             {"updatedAt",
              iso_ms(std::min(now, call.ends_at) < call.created_at ? call.created_at
                                                                   : std::min(now, call.ends_at))},
             {"type", "outboundPhoneCall"},
             {"phoneCallProvider", "twilio"},
             {"phoneCallProviderId", "CA" + call.id.substr(0, 8) + call.id.substr(24)},
             {"monitor",
              {{"listenUrl", "wss://fake-vapi.invalid/" + call.id + "/listen"},
               {"controlUrl", "https://fake-vapi.invalid/" + call.id + "/control"}}}};
    for (const auto* key : {"assistantId", "assistantVersion", "phoneNumberId", "customer",
                            "assistantOverrides", "name", "customerId", "squadId", "workflowId"}) {
      if (body.contains(key))
        out[key] = body[key];
    }
    if (now < call.starts_at) {
      out["status"] = "queued";
    } else if (now < call.ends_at) {
      out["status"] = "in-progress";
      out["startedAt"] = iso_ms(call.starts_at);
    } else {
      out["status"] = "ended";
      out["startedAt"] = iso_ms(call.starts_at);
      out["endedAt"] = iso_ms(call.ends_at);
      out["endedReason"] = "customer-ended-call";
    }
    if (!limits.is_null())
      out["subscriptionLimits"] = limits;
    return out;
  }

  FakeResponse create_call(const FakeRequest& request)
  {
    json body;
    try {
      body = json::parse(request.body);
    } catch (const json::exception&) {
      const std::lock_guard lock(mutex);
      ++invalid;
      return vapi_error(400, "Unexpected token in JSON body");
    }
    std::vector<std::string> errors;
    if (!body.is_object()) {
      errors.push_back("the request body must be a JSON object");
    } else {
      for (const auto& [key, value] : body.items()) {
        if (!k_top_level_keys.contains(key))
          errors.push_back("property " + key + " should not exist");
      }
      if (body.contains("name") && !string_within(body["name"], 40))
        errors.push_back("name must be shorter than or equal to 40 characters");
      if (body.contains("customer"))
        validate_customer(body["customer"], errors);
      if (body.contains("assistantOverrides"))
        validate_overrides(body["assistantOverrides"], "assistantOverrides.", errors);
      const auto known = [](const std::vector<std::string>& ids, const json& value) {
        return value.is_string() &&
               (ids.empty() ||
                std::find(ids.begin(), ids.end(), value.get<std::string>()) != ids.end());
      };
      if (body.contains("assistantId") && !known(options.assistant_ids, body["assistantId"]))
        errors.push_back("Couldn't Find Assistant");
      if (body.contains("phoneNumberId") && !known(options.phone_number_ids, body["phoneNumberId"]))
        errors.push_back("Couldn't Find Phone Number");
      if (errors.empty()) {
        if (!body.contains("assistantId") && !body.contains("assistant") &&
            !body.contains("squadId") && !body.contains("squad") && !body.contains("workflowId") &&
            !body.contains("workflow"))
          errors.push_back("Need Either `assistant`, `assistantId`, `squad`, `squadId`, "
                           "`workflow` Or `workflowId`.");
        if (!body.contains("phoneNumberId") && !body.contains("phoneNumber"))
          errors.push_back("Need Either `phoneNumberId` Or `phoneNumber`.");
        if (!body.contains("customer") && !body.contains("customerId"))
          errors.push_back("Need Either `customer` Or `customerId`.");
      }
    }
    const std::lock_guard lock(mutex);
    if (fail_count > 0) {
      --fail_count;
      auto response =
          vapi_error(fail_status, fail_status == 429 ? "Rate limit exceeded" : "Injected failure");
      if (fail_status == 429 && fail_retry_after)
        response.headers.emplace_back("Retry-After", std::to_string(*fail_retry_after));
      return response;
    }
    if (!errors.empty()) {
      ++invalid;
      return vapi_error(400, errors);
    }
    const auto now = clock();
    const auto limit = static_cast<std::size_t>(std::max(options.concurrency, 0));
    auto starts = now;
    bool blocked = false;
    if (max_occupancy(now, now + options.call_duration) >= limit) {
      if (options.mode == VapiConcurrencyMode::reject) {
        ++rejections;
        return vapi_error(400, "Over Concurrency Limit");
      }
      blocked = true;
      std::vector<std::chrono::sys_seconds> candidates;
      for (const auto& c : calls) {
        if (c.ends_at > now)
          candidates.push_back(c.ends_at);
      }
      std::sort(candidates.begin(), candidates.end());
      for (const auto t : candidates) {
        if (max_occupancy(t, t + options.call_duration) < limit) {
          starts = t;
          break;
        }
      }
    }
    VapiCall call;
    call.id = seeded_uuid(options.seed, ++counter);
    if (body.contains("customer") && body["customer"].contains("number"))
      call.customer_number = body["customer"]["number"].get<std::string>();
    if (body.contains("name"))
      call.name = body["name"].get<std::string>();
    call.request_body = request.body;
    call.created_at = now;
    call.starts_at = starts;
    call.ends_at = starts + options.call_duration;
    call.concurrency_blocked = blocked;
    calls.push_back(call);
    call_requests.push_back(body);
    peak = std::max(peak, max_occupancy(call.starts_at, call.ends_at));
    const auto busy = occupancy(now);
    const json limits{{"concurrencyBlocked", blocked},
                      {"concurrencyLimit", options.concurrency},
                      {"remainingConcurrentCalls", busy >= limit ? 0U : limit - busy}};
    auto out = call_object(calls.size() - 1, limits);
    // A fresh outbound call always answers `queued` (external-services.md 2.3).
    out["status"] = "queued";
    out.erase("startedAt");
    return json_response(201, out);
  }

  // GET /call?assistantId=&phoneNumberId=&id=&createdAtGt=&createdAtGe=&createdAtLt=&createdAtLe=
  // &limit= (default 100, at most 1000), oldest first.
  FakeResponse list_calls(const FakeRequest& request)
  {
    std::map<std::string, std::string> params;
    const auto query = request.raw_query();
    std::size_t pos = 0;
    while (pos < query.size()) {
      auto end = query.find('&', pos);
      if (end == std::string::npos)
        end = query.size();
      const auto part = query.substr(pos, end - pos);
      const auto eq = part.find('=');
      if (eq != std::string::npos)
        params[part.substr(0, eq)] = percent_decode(part.substr(eq + 1));
      pos = end + 1;
    }
    std::map<std::string, std::chrono::sys_seconds> bounds;
    for (const auto* key : {"createdAtGt", "createdAtGe", "createdAtLt", "createdAtLe"}) {
      if (const auto it = params.find(key); it != params.end()) {
        try {
          bounds[key] = std::chrono::floor<std::chrono::seconds>(shared::parse_iso8601(it->second));
        } catch (const std::exception&) {
          return vapi_error(
              400, json::array({std::string(key) + " must be a valid ISO 8601 date string"}));
        }
      }
    }
    std::size_t limit = 100;
    if (const auto it = params.find("limit"); it != params.end()) {
      const auto& text = it->second;
      if (text.empty() || text.size() > 4 ||
          !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoul(text) > 1000)
        return vapi_error(400, json::array({"limit must not be greater than 1000"}));
      limit = std::stoul(text);
    }
    const auto matches = [&](std::size_t i) {
      const auto& call = calls[i];
      const auto& body = call_requests[i];
      for (const auto* key : {"assistantId", "phoneNumberId"}) {
        if (params.contains(key) && body.value(key, std::string{}) != params[key])
          return false;
      }
      if (params.contains("id") && call.id != params["id"])
        return false;
      const auto at = call.created_at;
      return !(bounds.contains("createdAtGt") && !(at > bounds["createdAtGt"])) &&
             !(bounds.contains("createdAtGe") && !(at >= bounds["createdAtGe"])) &&
             !(bounds.contains("createdAtLt") && !(at < bounds["createdAtLt"])) &&
             !(bounds.contains("createdAtLe") && !(at <= bounds["createdAtLe"]));
    };
    const std::lock_guard lock(mutex);
    json out = json::array();
    for (std::size_t i = 0; i < calls.size() && out.size() < limit; ++i) {
      if (matches(i))
        out.push_back(call_object(i, json()));
    }
    return json_response(200, out);
  }

  FakeResponse get_call(const std::string& id)
  {
    const std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].id == id)
        return json_response(200, call_object(i, json()));
    }
    return vapi_error(404, "Call Not Found");
  }

  // Caller holds the mutex.
  json fake_calls() const
  {
    json per_number = json::object();
    json list = json::array();
    for (const auto& c : calls) {
      if (!c.customer_number.empty())
        per_number[c.customer_number] = per_number.value(c.customer_number, 0) + 1;
      list.push_back(json{{"id", c.id},
                          {"customerNumber", c.customer_number},
                          {"name", c.name},
                          {"createdAt", iso_ms(c.created_at)},
                          {"startsAt", iso_ms(c.starts_at)},
                          {"endsAt", iso_ms(c.ends_at)},
                          {"concurrencyBlocked", c.concurrency_blocked}});
    }
    return json{{"total", calls.size()},
                {"perNumber", per_number},
                {"peakConcurrent", peak},
                {"concurrencyRejections", rejections},
                {"invalidRequests", invalid},
                {"unauthorized", unauthorized},
                {"calls", list}};
  }

  FakeResponse handle(const FakeRequest& request)
  {
    const auto path = request.path();
    if (path == "/_fake/calls" && request.method == "GET") {
      const std::lock_guard lock(mutex);
      return json_response(200, fake_calls());
    }
    if (path == "/_fake/advance" && request.method == "POST") {
      const auto query = request.raw_query();
      std::int64_t seconds = -1;
      if (query.rfind("seconds=", 0) == 0 && query.size() > 8 && query.size() < 18 &&
          std::all_of(query.begin() + 8, query.end(), [](char c) { return c >= '0' && c <= '9'; }))
        seconds = std::stoll(query.substr(8));
      if (seconds < 0)
        return vapi_error(400, "want ?seconds=N");
      const std::lock_guard lock(mutex);
      fake_clock.advance(std::chrono::seconds(seconds));
      return json_response(200, json{{"now", iso_ms(clock())}});
    }
    if (path.rfind("/_fake/", 0) == 0)
      return vapi_error(404, "unknown fake control endpoint");
    if (!authorised(request)) {
      const std::lock_guard lock(mutex);
      ++unauthorized;
      return vapi_error(401, "Invalid Key. Hot tip, make sure you're using the private key.");
    }
    if (path == "/call" && request.method == "POST")
      return create_call(request);
    if (path == "/call" && request.method == "GET")
      return list_calls(request);
    if (path.rfind("/call/", 0) == 0 && request.method == "GET")
      return get_call(path.substr(6));
    return vapi_error(404, "Cannot " + request.method + " " + path);
  }
};

FakeVapi::FakeVapi(FakeVapiOptions options) : m_state(std::make_unique<State>(std::move(options)))
{
  auto* state = m_state.get();
  m_server = std::make_unique<FakeHttpServer>(
      [state](const FakeRequest& request) { return state->handle(request); },
      m_state->options.server);
}

FakeVapi::~FakeVapi() { m_server.reset(); }

std::string FakeVapi::base_url() const { return m_server->base_url(); }

const FakeHttpServer& FakeVapi::server() const { return *m_server; }

std::chrono::sys_seconds FakeVapi::now() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->clock();
}

void FakeVapi::set_now(std::chrono::sys_seconds now)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fake_clock.set(now);
}

void FakeVapi::run_from(std::chrono::sys_seconds start)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fake_clock.run_from(start);
}

void FakeVapi::advance(std::chrono::seconds by)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fake_clock.advance(by);
}

void FakeVapi::fail_next(int count, int status, std::optional<int> retry_after)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fail_count = count;
  m_state->fail_status = status;
  m_state->fail_retry_after = retry_after;
}

std::vector<VapiCall> FakeVapi::calls() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->calls;
}

std::size_t FakeVapi::total_calls() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->calls.size();
}

std::map<std::string, std::size_t> FakeVapi::calls_per_number() const
{
  const std::lock_guard lock(m_state->mutex);
  std::map<std::string, std::size_t> out;
  for (const auto& c : m_state->calls) {
    if (!c.customer_number.empty())
      ++out[c.customer_number];
  }
  return out;
}

std::size_t FakeVapi::calls_to(const std::string& number) const
{
  const auto per_number = calls_per_number();
  const auto it = per_number.find(number);
  return it == per_number.end() ? 0U : it->second;
}

std::size_t FakeVapi::peak_concurrent() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->peak;
}

std::size_t FakeVapi::concurrency_rejections() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->rejections;
}

} // namespace tests::fakes
