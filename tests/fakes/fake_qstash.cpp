#include "tests/fakes/fake_qstash.hpp"

#include "shared/crypto/hashing.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tests::fakes {

namespace {

using nlohmann::json;

constexpr const char* k_bad_scheme =
    "invalid destination url: endpoint has invalid scheme, add http:// or https://";
constexpr std::string_view k_publish_prefix = "/v2/publish/";
constexpr std::string_view k_messages_prefix = "/v2/messages/";
constexpr std::string_view k_forward_prefix = "upstash-forward-";

std::string lower(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

FakeResponse json_response(int status, const json& body)
{
  return FakeResponse{status, {{"Content-Type", "application/json"}}, body.dump()};
}

FakeResponse error_response(int status, const std::string& text)
{
  return json_response(status, json{{"error", text}});
}

std::uint64_t splitmix64(std::uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

std::string hex64(std::uint64_t value)
{
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[value & 15U];
    value >>= 4U;
  }
  return out;
}

// Digits only, no sign, fits an int64.
std::optional<std::int64_t> parse_unsigned(std::string_view text)
{
  if (text.empty() || text.size() > 18)
    return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// `50s`, `10h`, `1d10h30m`: one or more <number><unit>, units s m h d.
std::optional<std::int64_t> parse_delay(std::string_view text)
{
  if (text.empty())
    return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      ++i;
    if (i == start || i >= text.size())
      return std::nullopt;
    const auto number = parse_unsigned(text.substr(start, i - start));
    if (!number || *number > 1'000'000'000)
      return std::nullopt;
    switch (text[i]) {
    case 's':
      total += *number;
      break;
    case 'm':
      total += *number * 60;
      break;
    case 'h':
      total += *number * 3600;
      break;
    case 'd':
      total += *number * 86400;
      break;
    default:
      return std::nullopt;
    }
    ++i;
  }
  return total;
}

std::string sha256_bytes(std::string_view data)
{
  const auto hex = shared::crypto::sha256_hex(data);
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

void initialize_ssl_once()
{
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

// What one publish (single or batch item) asks for, headers already split out.
struct PublishInput
{
  std::string destination;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct PublishOutcome
{
  int status = 200;
  json body;
};

} // namespace

const char* to_string(QstashMessageState state)
{
  switch (state) {
  case QstashMessageState::pending:
    return "pending";
  case QstashMessageState::cancelled:
    return "cancelled";
  case QstashMessageState::delivered:
    return "delivered";
  case QstashMessageState::failed:
    return "failed";
  }
  return "unknown";
}

std::string upstash_signature(const std::string& signing_key, const std::string& sub,
                              const std::string& body, std::int64_t iat, const std::string& jti,
                              std::int64_t nbf, std::optional<std::int64_t> exp, bool pad_body)
{
  auto body_claim = shared::crypto::base64url_encode(sha256_bytes(body));
  if (pad_body) {
    while (body_claim.size() % 4 != 0)
      body_claim += '=';
  }
  // Built by hand: the claim order is part of the wire format (and of the test vector).
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const std::string claims = "{\"iss\":\"Upstash\",\"sub\":" + json(sub).dump() +
                             ",\"exp\":" + std::to_string(exp.value_or(iat + 300)) +
                             ",\"nbf\":" + std::to_string(nbf) + ",\"iat\":" + std::to_string(iat) +
                             ",\"jti\":" + json(jti).dump() +
                             ",\"body\":" + json(body_claim).dump() + "}";
  const auto signing_input =
      shared::crypto::base64url_encode(header) + "." + shared::crypto::base64url_encode(claims);
  return signing_input + "." +
         shared::crypto::base64url_encode(shared::crypto::hmac_sha256(signing_key, signing_input));
}

struct FakeQstash::State
{
  FakeQstashOptions options;
  mutable std::mutex mutex;
  FakeClock fake_clock;
  std::vector<QstashMessage> messages;
  std::map<std::string, std::size_t> index; // id -> position in `messages`
  struct DedupEntry
  {
    std::string message_id;
    std::int64_t first_seen = 0;
  };
  std::map<std::string, DedupEntry> dedup; // "id:<dedup id>" or "content:<sha256>"
  std::vector<FakeRequest> publish_log;
  std::size_t bulk_cancels = 0;
  std::uint64_t id_counter = 0;
  std::uint64_t jwt_counter = 0;
  int fail_count = 0;
  int fail_status = 500;
  std::chrono::milliseconds publish_answer_delay{0};
  std::size_t deliver_twice = 0;
  RateLimitStyle fail_style = RateLimitStyle::daily;
  std::size_t published = 0;
  std::size_t deduplicated = 0;
  std::size_t rejected = 0;
  std::size_t unauthorized = 0;
  std::size_t injected = 0;
  std::size_t cancelled = 0;

  explicit State(FakeQstashOptions o) : options(std::move(o)) {}

  // Caller holds the mutex.
  std::chrono::sys_seconds clock() const { return fake_clock.now(); }
  std::int64_t unix_now() const { return clock().time_since_epoch().count(); }

  std::string next_message_id()
  {
    ++id_counter;
    const auto a = splitmix64(options.seed ^ (id_counter * 0x2545f4914f6cdd1dULL));
    const auto b = splitmix64(a ^ options.seed);
    return "msg_" + hex64(a) + hex64(b);
  }

  bool authorised(const FakeRequest& request) const
  {
    const auto auth = request.header("Authorization");
    return auth && !options.token.empty() && *auth == "Bearer " + options.token;
  }

  // Caller holds the mutex. True (and the response set) when an injected failure answers.
  std::optional<FakeResponse> injected_failure()
  {
    if (fail_count <= 0)
      return std::nullopt;
    --fail_count;
    ++injected;
    if (fail_status != 429) {
      return error_response(fail_status, "injected failure " + std::to_string(fail_status));
    }
    auto response = error_response(429, "Too many requests");
    const auto now = unix_now();
    if (fail_style == RateLimitStyle::daily) {
      const auto midnight = (now / 86400 + 1) * 86400;
      response.headers.emplace_back("RateLimit-Limit", "1000");
      response.headers.emplace_back("RateLimit-Remaining", "0");
      response.headers.emplace_back("RateLimit-Reset", std::to_string(midnight));
    } else {
      response.headers.emplace_back("Burst-RateLimit-Limit", "100");
      response.headers.emplace_back("Burst-RateLimit-Remaining", "0");
      response.headers.emplace_back("Burst-RateLimit-Reset", std::to_string(now + 1));
    }
    return response;
  }

  // Caller holds the mutex. Validates and stores one message (or finds its duplicate).
  PublishOutcome publish(const PublishInput& input)
  {
    const auto fail = [this](const std::string& text) {
      ++rejected;
      return PublishOutcome{400, json{{"error", text}}};
    };
    const auto& destination = input.destination;
    const bool http = destination.rfind("http://", 0) == 0;
    const bool https = destination.rfind("https://", 0) == 0;
    if (!http && !https)
      return fail(k_bad_scheme);
    if (destination.size() <= (https ? 8U : 7U) || destination[https ? 8U : 7U] == '/')
      return fail("invalid destination url: missing host");

    const auto now = unix_now();
    QstashMessage message;
    message.destination = destination;
    message.body = input.body;
    message.created_at = now;
    message.not_before = now;
    std::optional<std::int64_t> not_before;
    std::optional<std::int64_t> delay;
    for (const auto& [name, raw_value] : input.headers) {
      const auto key = lower(name);
      const auto value = trim(raw_value);
      if (key == "authorization")
        continue;
      message.headers.emplace_back(name, raw_value);
      if (key == "content-type") {
        message.content_type = value;
      } else if (key == "upstash-not-before") {
        not_before = parse_unsigned(value);
        if (!not_before)
          return fail("invalid Upstash-Not-Before header: " + value);
      } else if (key == "upstash-delay") {
        delay = parse_delay(value);
        if (!delay)
          return fail("invalid Upstash-Delay header: " + value);
      } else if (key == "upstash-retries") {
        const auto retries = parse_unsigned(value);
        if (!retries || *retries > 100)
          return fail("invalid Upstash-Retries header: " + value);
        message.retries = static_cast<int>(*retries);
      } else if (key == "upstash-deduplication-id") {
        if (value.empty())
          return fail("invalid Upstash-Deduplication-Id header: empty");
        message.dedup_id = value;
      } else if (key == "upstash-content-based-deduplication") {
        if (value != "true" && value != "false")
          return fail("invalid Upstash-Content-Based-Deduplication header: " + value);
        message.content_based_dedup = value == "true";
      } else if (key == "upstash-label") {
        message.label = value;
      } else if (key == "upstash-method") {
        static const std::vector<std::string> methods{"GET", "POST", "PUT", "PATCH", "DELETE"};
        if (std::find(methods.begin(), methods.end(), value) == methods.end())
          return fail("invalid Upstash-Method header: " + value);
        message.method = value;
      } else if (key.size() > k_forward_prefix.size() && key.rfind(k_forward_prefix, 0) == 0) {
        message.forward_headers.emplace_back(name.substr(k_forward_prefix.size()), raw_value);
      }
    }
    if (not_before) {
      message.not_before = *not_before;
    } else if (delay) {
      message.not_before = now + *delay;
    }
    if (message.not_before - now > options.max_delay.count()) {
      return fail("invalid delay: not before is more than " +
                  std::to_string(options.max_delay.count()) + " seconds in the future");
    }
    if (input.body.size() > options.max_body) {
      ++rejected;
      return PublishOutcome{options.oversize_status,
                            json{{"error", "message size exceeds the limit of " +
                                               std::to_string(options.max_body) + " bytes"}}};
    }

    std::vector<std::string> keys;
    if (!message.dedup_id.empty())
      keys.push_back("id:" + message.dedup_id);
    if (message.content_based_dedup) {
      auto forwards = message.forward_headers;
      for (auto& entry : forwards)
        entry.first = lower(entry.first);
      std::sort(forwards.begin(), forwards.end());
      std::string material = destination + '\n' + message.content_type + '\n';
      for (const auto& [name, value] : forwards)
        material += name + ':' + value + '\n';
      material += input.body;
      keys.push_back("content:" + shared::crypto::sha256_hex(material));
    }
    for (const auto& key : keys) {
      const auto it = dedup.find(key);
      if (it != dedup.end() && now < it->second.first_seen + options.dedup_window.count()) {
        ++deduplicated;
        return PublishOutcome{202,
                              json{{"messageId", it->second.message_id}, {"deduplicated", true}}};
      }
    }
    message.id = next_message_id();
    for (const auto& key : keys)
      dedup[key] = DedupEntry{message.id, now};
    index[message.id] = messages.size();
    messages.push_back(message);
    ++published;
    return PublishOutcome{200, json{{"messageId", message.id}}};
  }

  FakeResponse publish_single(const FakeRequest& request, const std::string& path)
  {
    PublishInput input;
    input.destination = path.substr(k_publish_prefix.size());
    input.headers = request.headers;
    input.body = request.body;
    const std::lock_guard lock(mutex);
    if (auto failure = injected_failure())
      return *failure;
    const auto outcome = publish(input);
    return json_response(outcome.status, outcome.body);
  }

  FakeResponse publish_batch(const FakeRequest& request)
  {
    json items;
    try {
      items = json::parse(request.body);
    } catch (const json::exception&) {
      return error_response(400, "invalid request body: not JSON");
    }
    if (!items.is_array())
      return error_response(400, "invalid request body: expected an array");
    std::vector<std::optional<PublishInput>> inputs;
    for (const auto& item : items) {
      if (!item.is_object() || !item.contains("destination") || !item["destination"].is_string()) {
        inputs.emplace_back(std::nullopt);
        continue;
      }
      PublishInput input;
      input.destination = item["destination"].get<std::string>();
      bool ok = true;
      if (item.contains("headers")) {
        if (!item["headers"].is_object()) {
          ok = false;
        } else {
          for (const auto& [name, value] : item["headers"].items()) {
            if (!value.is_string()) {
              ok = false;
              break;
            }
            input.headers.emplace_back(name, value.get<std::string>());
          }
        }
      }
      if (item.contains("body")) {
        if (item["body"].is_string())
          input.body = item["body"].get<std::string>();
        else
          ok = false;
      }
      inputs.emplace_back(ok ? std::optional<PublishInput>(std::move(input)) : std::nullopt);
    }
    const std::lock_guard lock(mutex);
    if (auto failure = injected_failure())
      return *failure;
    json out = json::array();
    for (const auto& input : inputs) {
      if (!input) {
        ++rejected;
        out.push_back(
            json{{"error", "invalid batch item: destination (string) is required; "
                           "headers must map strings to strings; body must be a string"}});
        continue;
      }
      const auto outcome = publish(*input);
      out.push_back(outcome.body);
    }
    return json_response(200, out);
  }

  // Caller holds the mutex.
  json message_object(const QstashMessage& m) const
  {
    json header = json::object();
    for (const auto& [name, value] : m.headers)
      header[name].push_back(value);
    json labels = json::array();
    std::size_t pos = 0;
    while (!m.label.empty() && pos <= m.label.size()) {
      auto end = m.label.find(',', pos);
      if (end == std::string::npos)
        end = m.label.size();
      const auto label = trim(std::string_view(m.label).substr(pos, end - pos));
      if (!label.empty())
        labels.push_back(label);
      pos = end + 1;
    }
    return json{{"messageId", m.id},
                {"url", m.destination},
                {"method", m.method},
                {"header", header},
                {"body", m.body},
                {"maxRetries", m.retries},
                {"notBefore", m.not_before * 1000},
                {"createdAt", m.created_at * 1000},
                {"callerIP", "127.0.0.1"},
                {"labels", labels}};
  }

  FakeResponse messages_api(const FakeRequest& request, const std::string& path)
  {
    const std::lock_guard lock(mutex);
    const auto id = path.substr(k_messages_prefix.size());
    const auto it = index.find(id);
    const bool pending =
        it != index.end() && messages[it->second].state == QstashMessageState::pending;
    if (request.method == "GET") {
      if (!pending)
        return error_response(404, "message " + id + " not found");
      return json_response(200, message_object(messages[it->second]));
    }
    if (request.method == "DELETE") {
      if (!pending)
        return error_response(404, "message " + id + " not found");
      messages[it->second].state = QstashMessageState::cancelled;
      ++cancelled;
      return FakeResponse{options.cancel_status, {}, {}};
    }
    return error_response(405, "method not allowed");
  }

  // Secrets stay out: forwarded header values (an Authorization among them) are never listed.
  json fake_message_list() const
  {
    json list = json::array();
    for (const auto& m : messages) {
      json forward_names = json::array();
      for (const auto& entry : m.forward_headers)
        forward_names.push_back(entry.first);
      json deliveries = json::array();
      for (const auto& d : m.deliveries)
        deliveries.push_back(json{{"at", d.at}, {"status", d.status}, {"error", d.error}});
      list.push_back(json{{"messageId", m.id},
                          {"destination", m.destination},
                          {"method", m.method},
                          {"contentType", m.content_type},
                          {"bodyBytes", m.body.size()},
                          {"bodySha256", shared::crypto::sha256_hex(m.body)},
                          {"forwardHeaderNames", forward_names},
                          {"notBefore", m.not_before},
                          {"createdAt", m.created_at},
                          {"retries", m.retries},
                          {"label", m.label},
                          {"deduplicationId", m.dedup_id},
                          {"state", to_string(m.state)},
                          {"deliveries", deliveries}});
    }
    return list;
  }

  FakeResponse control(const FakeRequest& request, const std::string& path);

  FakeResponse handle(const FakeRequest& request, FakeQstash& owner)
  {
    const auto path = request.path();
    if (path.rfind("/_fake/", 0) == 0) {
      if (path == "/_fake/deliver" && request.method == "POST") {
        return json_response(200, json{{"attempts", owner.deliver_due()}});
      }
      return control(request, path);
    }
    const bool is_publish =
        request.method == "POST" && (path.rfind(k_publish_prefix, 0) == 0 || path == "/v2/batch");
    const bool is_bulk = request.method == "DELETE" && path == "/v2/messages";
    {
      const std::lock_guard lock(mutex);
      if (is_publish)
        publish_log.push_back(request);
      if (is_bulk)
        ++bulk_cancels;
      if (!authorised(request)) {
        ++unauthorized;
        return error_response(401, "unauthorized: invalid or missing token");
      }
    }
    if (is_publish) {
      auto answer = path == "/v2/batch" ? publish_batch(request) : publish_single(request, path);
      std::chrono::milliseconds delay{0};
      {
        const std::lock_guard lock(mutex);
        delay = publish_answer_delay;
      }
      // Stored, not yet answered: a publisher killed now has published without knowing it.
      std::this_thread::sleep_for(delay);
      return answer;
    }
    if (is_bulk)
      return json_response(200, json{{"cancelled", 0}});
    if (path.rfind(k_messages_prefix, 0) == 0 && path.size() > k_messages_prefix.size())
      return messages_api(request, path);
    return error_response(404, "not found: " + request.method + " " + path);
  }
};

FakeResponse FakeQstash::State::control(const FakeRequest& request, const std::string& path)
{
  const std::lock_guard lock(mutex);
  if (path == "/_fake/messages" && request.method == "GET")
    return json_response(200, fake_message_list());
  if (path == "/_fake/stats" && request.method == "GET") {
    std::size_t pending = 0;
    for (const auto& m : messages)
      pending += m.state == QstashMessageState::pending ? 1U : 0U;
    return json_response(
        200, json{{"now", unix_now()},
                  {"clockStopped", fake_clock.is_stopped()},
                  {"published", published},
                  {"deduplicated", deduplicated},
                  {"rejected", rejected},
                  {"unauthorized", unauthorized},
                  {"injectedFailures", injected},
                  {"cancelled", cancelled},
                  {"pending", pending},
                  {"messages", messages.size()},
                  {"publishRequests", publish_log.size()},
                  {"bulkCancelRequests", bulk_cancels},
                  {"signingKey", options.current_signing_key.empty() ? "unset" : "set"}});
  }
  if (path == "/_fake/advance" && request.method == "POST") {
    const auto query = request.raw_query();
    const auto seconds = query.rfind("seconds=", 0) == 0
                             ? parse_unsigned(std::string_view(query).substr(8))
                             : std::nullopt;
    if (!seconds)
      return error_response(400, "want ?seconds=N");
    fake_clock.advance(std::chrono::seconds(*seconds));
    return json_response(200, json{{"now", unix_now()}});
  }
  return error_response(404, "unknown fake control endpoint");
}

FakeQstash::FakeQstash(FakeQstashOptions options)
    : m_state(std::make_unique<State>(std::move(options)))
{
  auto* state = m_state.get();
  m_server = std::make_unique<FakeHttpServer>(
      [state, this](const FakeRequest& request) { return state->handle(request, *this); },
      m_state->options.server);
}

FakeQstash::~FakeQstash() { m_server.reset(); }

std::string FakeQstash::base_url() const { return m_server->base_url(); }

const FakeHttpServer& FakeQstash::server() const { return *m_server; }

std::chrono::sys_seconds FakeQstash::now() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->clock();
}

void FakeQstash::set_now(std::chrono::sys_seconds now)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fake_clock.set(now);
}

void FakeQstash::run_from(std::chrono::sys_seconds start)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fake_clock.run_from(start);
}

void FakeQstash::advance(std::chrono::seconds by)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fake_clock.advance(by);
}

void FakeQstash::delay_publish_answers(std::chrono::milliseconds delay)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->publish_answer_delay = delay;
}

void FakeQstash::deliver_twice_next(std::size_t count)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->deliver_twice = count;
}

void FakeQstash::fail_next(int count, int status, RateLimitStyle style)
{
  const std::lock_guard lock(m_state->mutex);
  m_state->fail_count = count;
  m_state->fail_status = status;
  m_state->fail_style = style;
}

std::vector<QstashMessage> FakeQstash::messages() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->messages;
}

std::optional<QstashMessage> FakeQstash::message(const std::string& id) const
{
  const std::lock_guard lock(m_state->mutex);
  const auto it = m_state->index.find(id);
  if (it == m_state->index.end())
    return std::nullopt;
  return m_state->messages[it->second];
}

std::vector<FakeRequest> FakeQstash::publish_requests() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->publish_log;
}

std::size_t FakeQstash::bulk_cancel_requests() const
{
  const std::lock_guard lock(m_state->mutex);
  return m_state->bulk_cancels;
}

namespace {

struct Attempt
{
  int status = 0;
  std::string error;
  bool non_retryable = false;
};

Attempt post_to(const QstashMessage& message,
                const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& ca_file)
{
  Attempt attempt;
  try {
    const Poco::URI uri(message.destination);
    // The request target is the destination's own path and query, byte for byte.
    const auto scheme_end = message.destination.find("://") + 3;
    const auto path_start = message.destination.find_first_of("/?", scheme_end);
    std::string target =
        path_start == std::string::npos ? "/" : message.destination.substr(path_start);
    if (!target.empty() && target[0] == '?')
      target = "/" + target;
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      initialize_ssl_once();
      const Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_CLIENT_USE, "", "", ca_file, Poco::Net::Context::VERIFY_RELAXED);
      session =
          std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(message.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers)
      request.add(name, value);
    request.setContentLength(static_cast<std::streamsize>(message.body.size()));
    session->sendRequest(request) << message.body;
    Poco::Net::HTTPResponse response;
    auto& stream = session->receiveResponse(response);
    std::string ignored;
    Poco::StreamCopier::copyToString(stream, ignored);
    attempt.status = static_cast<int>(response.getStatus());
    attempt.non_retryable =
        attempt.status == 489 && lower(response.get("Upstash-NonRetryable-Error", "")) == "true";
  } catch (const Poco::Exception& error) {
    attempt.error = error.displayText();
  } catch (const std::exception& error) {
    attempt.error = error.what();
  }
  return attempt;
}

} // namespace

std::size_t FakeQstash::deliver_due()
{
  struct Job
  {
    QstashMessage message;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  std::vector<Job> jobs;
  std::string ca_file;
  {
    const std::lock_guard lock(m_state->mutex);
    const auto now = m_state->unix_now();
    ca_file =
        m_state->options.ca_file.empty() ? test_ca_dir() + "/ca.pem" : m_state->options.ca_file;
    for (const auto& m : m_state->messages) {
      if (m.state != QstashMessageState::pending || m.not_before > now)
        continue;
      Job job{m, {}};
      if (!m.content_type.empty())
        job.headers.emplace_back("Content-Type", m.content_type);
      for (const auto& entry : m.forward_headers)
        job.headers.push_back(entry);
      job.headers.emplace_back("User-Agent", "Upstash-QStash");
      job.headers.emplace_back("Upstash-Message-Id", m.id);
      job.headers.emplace_back("Upstash-Retried", std::to_string(m.deliveries.size()));
      job.headers.emplace_back("Upstash-Caller-Ip", "127.0.0.1");
      job.headers.emplace_back("upstash-region", m_state->options.region);
      if (!m_state->options.current_signing_key.empty()) {
        ++m_state->jwt_counter;
        const auto jti = "jwt_" + hex64(splitmix64(m_state->options.seed ^
                                                   (m_state->jwt_counter * 0x9e3779b97f4a7c15ULL)));
        job.headers.emplace_back("Upstash-Signature",
                                 upstash_signature(m_state->options.current_signing_key,
                                                   m.destination, m.body, now, jti));
      }
      jobs.push_back(std::move(job));
    }
  }
  for (const auto& job : jobs) {
    const auto attempt = post_to(job.message, job.headers, ca_file);
    bool again = false;
    {
      const std::lock_guard lock(m_state->mutex);
      again = attempt.status >= 200 && attempt.status < 300 && m_state->deliver_twice > 0;
      if (again) {
        --m_state->deliver_twice;
      }
    }
    if (again) {
      // At-least-once (external-services.md 1.7): the same message once more after a 2xx, as
      // when a QStash node dies before recording the outcome.
      const auto repeat = post_to(job.message, job.headers, ca_file);
      const std::lock_guard lock(m_state->mutex);
      if (const auto it = m_state->index.find(job.message.id); it != m_state->index.end()) {
        m_state->messages[it->second].deliveries.push_back(
            QstashDelivery{m_state->unix_now(), repeat.status, repeat.error});
      }
    }
    const std::lock_guard lock(m_state->mutex);
    const auto it = m_state->index.find(job.message.id);
    if (it == m_state->index.end())
      continue;
    auto& m = m_state->messages[it->second];
    const auto now = m_state->unix_now();
    m.deliveries.push_back(QstashDelivery{now, attempt.status, attempt.error});
    if (m.state != QstashMessageState::pending)
      continue; // cancelled while in flight: the delivery happened anyway
    if (attempt.status >= 200 && attempt.status < 300) {
      m.state = QstashMessageState::delivered;
    } else if (attempt.non_retryable || static_cast<int>(m.deliveries.size()) > m.retries) {
      m.state = QstashMessageState::failed;
    } else {
      const auto n = static_cast<double>(m.deliveries.size());
      m.not_before = now + static_cast<std::int64_t>(std::min(86400.0, std::exp(2.5 * n)));
    }
  }
  return jobs.size();
}

} // namespace tests::fakes
