#include "stages/dispatch/dispatcher.hpp"

#include "shared/calls/case_call_facts.hpp"
#include "shared/core/errors.hpp"
#include "shared/logging/logger.hpp"
#include "stages/dispatch/dispatch_repository.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <istream>
#include <mutex>
#include <regex>

namespace dispatch {

DispatchConfig load_dispatch_config(const shared::config::ConfigFile& file)
{
  DispatchConfig config;
  config.settings.listen_address = file.text("dispatch.listen_address");
  config.settings.port = static_cast<std::uint16_t>(file.integer("dispatch.port"));
  config.settings.threads = static_cast<int>(file.integer("dispatch.threads"));
  config.webhook_url = file.text("qstash.webhook_url");
  config.current_signing_key = file.secret("qstash.current_signing_key_file");
  config.next_signing_key = file.secret("qstash.next_signing_key_file");
  config.signature_tolerance = file.seconds("dispatch.signature_tolerance_seconds");
  config.database = shared::db::load_database_config(file);
  config.vapi = shared::vapi::load_vapi_config(file);
  return config;
}

namespace {

// Outcomes counted by idexx_sync_dispatch_deliveries_total: a fixed set, no per-call labels.
constexpr std::array k_outcomes{"called", "duplicate", "stale_version", "ineligible", "bad_signature",
                                "bad_payload", "vapi_rejected", "retry_later", "outcome_unknown"};

Answer plain(int status, std::string body)
{
  return Answer{.status = status, .headers = {{"Content-Type", "text/plain"}}, .body = std::move(body)};
}

// A payload that can never succeed: straight to QStash's DLQ, where it is visible.
Answer non_retryable(std::string body)
{
  return Answer{.status = 489,
                .headers = {{"Content-Type", "text/plain"}, {"Upstash-NonRetryable-Error", "true"}},
                .body = std::move(body)};
}

bool is_uuid(const std::string& text)
{
  static const std::regex uuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return std::regex_match(text, uuid);
}

// One request thread's Postgres connection and VAPI client (neither is thread-safe).
struct Worker
{
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<shared::vapi::VapiClient> vapi;
};

} // namespace

struct DispatchServer::Impl
{
  DispatchConfig config;
  shared::Clock clock;
  SignatureVerifier verifier;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* deliveries = nullptr;
  std::mutex mutex;
  std::vector<std::unique_ptr<Worker>> idle;
  std::uint16_t port = 0;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server; // last: stopped before the rest goes

  Impl(DispatchConfig dispatch_config, shared::Clock dispatch_clock)
      : config(std::move(dispatch_config)), clock(dispatch_clock),
        verifier(config.current_signing_key, config.next_signing_key, config.webhook_url, config.signature_tolerance)
  {
    deliveries = &prometheus::BuildCounter()
                      .Name("idexx_sync_dispatch_deliveries_total")
                      .Help("QStash deliveries answered by idexx-sync-dispatch, by outcome")
                      .Register(*registry);
    for (const char* outcome : k_outcomes) {
      deliveries->Add({{"outcome", outcome}}); // every series exists from the start, at 0
    }
  }

  void count(const char* outcome) { deliveries->Add({{"outcome", outcome}}).Increment(); }

  std::unique_ptr<Worker> lease()
  {
    {
      const std::lock_guard lock(mutex);
      if (!idle.empty()) {
        auto worker = std::move(idle.back());
        idle.pop_back();
        return worker;
      }
    }
    auto worker = std::make_unique<Worker>();
    worker->vapi = shared::vapi::make_http_vapi_client(config.vapi);
    return worker;
  }

  void give_back(std::unique_ptr<Worker> worker)
  {
    const std::lock_guard lock(mutex);
    idle.push_back(std::move(worker));
  }

  pqxx::connection& connection(Worker& worker)
  {
    if (!worker.connection || !worker.connection->is_open()) {
      worker.connection = shared::db::open_connection(config.database, "dispatch");
    }
    return *worker.connection;
  }

  Answer retry_later(const char* why)
  {
    count("retry_later");
    return Answer{.status = 503,
                  .headers = {{"Content-Type", "text/plain"},
                              {"Retry-After", std::to_string(config.settings.retry_after.count())}},
                  .body = why};
  }

  Answer deliver(std::optional<std::string_view> signature, const std::string& body);
  Answer place_call(Worker& worker, const std::string& call_id, int version);
};

Answer DispatchServer::Impl::deliver(std::optional<std::string_view> signature, const std::string& body)
{
  // Verified at once: the token lives five minutes (external-services.md 1.9, step 7).
  const auto verification = verifier.verify(signature, body, clock.now());
  if (verification.verdict != SignatureVerdict::valid) {
    count("bad_signature");
    shared::logging::warn("delivery.bad_signature", {{"verdict", to_string(verification.verdict)}});
    return plain(401, std::string("signature ") + to_string(verification.verdict));
  }
  if (verification.next_key) {
    shared::logging::info("delivery.next_signing_key", {{"action", "QStash signs with the next key: rotate the configured keys"}});
  }
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("callId") || !parsed["callId"].is_string() ||
      !is_uuid(parsed["callId"].get<std::string>()) || !parsed.contains("version") ||
      !parsed["version"].is_number_integer() || parsed["version"].get<std::int64_t>() < 1 ||
      parsed["version"].get<std::int64_t>() > 1'000'000) {
    count("bad_payload");
    return non_retryable("expected {\"callId\": \"<uuid>\", \"version\": <n>}");
  }
  const auto call_id = parsed["callId"].get<std::string>();
  const auto version = static_cast<int>(parsed["version"].get<std::int64_t>());
  auto worker = lease();
  try {
    auto answer = place_call(*worker, call_id, version);
    give_back(std::move(worker));
    return answer;
  } catch (const shared::db::DatabaseUnavailable& error) {
    shared::logging::warn("delivery.database_unavailable", {{"call_id", call_id}, {"error", error.what()}});
    return retry_later("database unavailable"); // the worker and its broken connection are dropped
  } catch (const pqxx::broken_connection&) {
    shared::logging::warn("delivery.database_unavailable", {{"call_id", call_id}});
    return retry_later("database unavailable");
  }
}

Answer DispatchServer::Impl::place_call(Worker& worker, const std::string& call_id, int version)
{
  auto& db = connection(worker);
  enum class Step { unknown_call, stale, duplicate, ineligible, claimed };
  std::optional<ClaimedCall> claimed;
  std::optional<shared::calls::RefusalReason> refusal;
  const auto step = shared::db::with_transaction(db, [&](pqxx::work& tx) {
    DispatchRepository repo(tx);
    const auto row = repo.find(call_id);
    if (!row) {
      return Step::unknown_call;
    }
    if (row->publish_version != version) {
      return Step::stale; // a reschedule published a newer version; that one will come
    }
    claimed = repo.claim(call_id, version);
    if (!claimed) {
      return Step::duplicate; // another delivery claimed it, or it is no longer queued
    }
    // Checked again at the moment of calling (lessons 8 and 14): death noted, opt-out, visit
    // cancelled since the call was scheduled. Cancelled in the same transaction as the claim.
    const auto facts = shared::calls::load_case_call_facts(tx, {claimed->case_id});
    if (const auto found = facts.find(claimed->case_id); found != facts.end()) {
      refusal = shared::calls::standing_refusal(found->second);
    }
    if (refusal) {
      repo.cancel(call_id, *refusal);
      return Step::ineligible;
    }
    return Step::claimed;
  });
  switch (step) {
  case Step::unknown_call:
    count("bad_payload");
    shared::logging::warn("delivery.unknown_call", {{"call_id", call_id}});
    return non_retryable("no such call");
  case Step::stale:
    count("stale_version");
    return plain(200, "stale version");
  case Step::duplicate:
    count("duplicate");
    shared::logging::info("delivery.duplicate", {{"call_id", call_id}});
    return plain(200, "already handled");
  case Step::ineligible:
    count("ineligible");
    shared::logging::info("delivery.call_cancelled",
                          {{"call_id", call_id}, {"reason", shared::calls::to_string(*refusal)}});
    return plain(200, std::string("cancelled: ") + std::string(shared::calls::to_string(*refusal)));
  case Step::claimed:
    break;
  }

  shared::vapi::CallRequest request{.call_id = call_id, .case_id = claimed->case_id,
                                    .clinic_id = claimed->clinic_id, .version = version,
                                    .assistant_id = claimed->assistant_id,
                                    .phone_number_id = claimed->phone_number_id,
                                    .customer_number = claimed->customer_phone, .customer_name = {}, .variables = {}};
  const auto variables = nlohmann::json::parse(claimed->dynamic_variables_json, nullptr, false);
  if (variables.is_object()) {
    for (const auto& [name, value] : variables.items()) {
      request.variables[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    request.customer_name = variables.value("owner_name", std::string());
  }
  const auto attempt_start = clock.now();
  auto result = worker.vapi->create_call(shared::vapi::create_call_body(request));
  if (result.outcome == shared::vapi::CreateOutcome::unknown) {
    // The answer was lost: VAPI has no idempotency key, so look for our call id before anything
    // else (external-services.md 2.4).
    try {
      const auto found = worker.vapi->find_call(request.assistant_id, call_id, attempt_start - std::chrono::minutes{1});
      result.outcome = found ? shared::vapi::CreateOutcome::created : shared::vapi::CreateOutcome::not_placed;
      result.vapi_call_id = found.value_or("");
    } catch (const shared::TransientError& error) {
      shared::db::with_transaction(db, [&](pqxx::work& tx) {
        DispatchRepository(tx).mark_outcome_unknown(call_id, "VAPI outcome unknown: " + std::string(error.what()));
      });
      count("outcome_unknown");
      shared::logging::error("delivery.vapi_outcome_unknown", {{"call_id", call_id}});
      return plain(200, "VAPI outcome unknown; left dialing for review");
    }
  }
  switch (result.outcome) {
  case shared::vapi::CreateOutcome::created:
    shared::db::with_transaction(db, [&](pqxx::work& tx) { DispatchRepository(tx).record_vapi_call(call_id, result.vapi_call_id); });
    count("called");
    shared::logging::info("delivery.called", {{"call_id", call_id}, {"vapi_call_id", result.vapi_call_id}});
    return plain(200, "called");
  case shared::vapi::CreateOutcome::rejected:
    shared::db::with_transaction(db, [&](pqxx::work& tx) { DispatchRepository(tx).fail(call_id, result.error); });
    count("vapi_rejected");
    shared::logging::warn("delivery.vapi_rejected", {{"call_id", call_id}, {"error", result.error}});
    return non_retryable("VAPI refused the call");
  case shared::vapi::CreateOutcome::not_placed:
  case shared::vapi::CreateOutcome::unknown:
    break;
  }
  shared::db::with_transaction(db, [&](pqxx::work& tx) { DispatchRepository(tx).release(call_id, result.error); });
  shared::logging::warn("delivery.vapi_unavailable", {{"call_id", call_id}, {"error", result.error}});
  auto answer = retry_later("VAPI placed no call; retry later");
  if (result.retry_after_seconds) {
    answer.headers[1].second = std::to_string(*result.retry_after_seconds);
  }
  return answer;
}

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler
{
public:
  explicit Handler(DispatchServer::Impl& impl) : m_impl(impl) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
  {
    Answer answer;
    try {
      answer = route(request);
    } catch (const std::exception& error) {
      shared::logging::error("delivery.failed", {{"error", error.what()}});
      answer = plain(500, "internal error");
    }
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    for (const auto& [name, value] : answer.headers) {
      if (name == "Content-Type") {
        response.setContentType(value);
      } else {
        response.set(name, value);
      }
    }
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    response.send() << answer.body;
  }

private:
  Answer route(Poco::Net::HTTPServerRequest& request)
  {
    const auto& method = request.getMethod();
    const auto path = request.getURI().substr(0, request.getURI().find('?'));
    if (method == "GET" && path == "/healthz") {
      return plain(200, "ok");
    }
    if (method == "GET" && path == "/readyz") {
      auto worker = m_impl.lease();
      try {
        shared::db::with_transaction(m_impl.connection(*worker), [](pqxx::work& tx) { tx.exec("SELECT 1"); });
        m_impl.give_back(std::move(worker));
        return plain(200, "ready");
      } catch (const std::exception&) {
        return plain(503, "database unavailable");
      }
    }
    if (method == "GET" && path == "/metrics") {
      return Answer{.status = 200, .headers = {{"Content-Type", "text/plain; version=0.0.4"}},
                    .body = prometheus::TextSerializer{}.Serialize(m_impl.registry->Collect())};
    }
    if (method != "POST") {
      return plain(405, "method not allowed");
    }
    // The raw bytes, as received: the signature's body claim is over them (1.9, step 6).
    std::string body;
    constexpr std::streamsize k_max_body = 64 * 1024;
    std::istream& stream = request.stream();
    char buffer[4096];
    while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
      body.append(buffer, static_cast<std::size_t>(stream.gcount()));
      if (static_cast<std::streamsize>(body.size()) > k_max_body) {
        return non_retryable("body too large");
      }
    }
    std::optional<std::string> signature;
    if (request.has("Upstash-Signature")) {
      signature = request.get("Upstash-Signature");
    }
    return m_impl.deliver(signature, body);
  }

  DispatchServer::Impl& m_impl;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory
{
public:
  explicit Factory(DispatchServer::Impl& impl) : m_impl(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
  {
    return new Handler(m_impl);
  }

private:
  DispatchServer::Impl& m_impl;
};

} // namespace

DispatchServer::DispatchServer(DispatchConfig config, shared::Clock clock)
    : m_impl(std::make_unique<Impl>(std::move(config), clock))
{
  const auto& settings = m_impl->config.settings;
  try {
    const Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(settings.listen_address, settings.port), 64);
    m_impl->port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams; // owned by the server
    params->setMaxThreads(settings.threads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    m_impl->pool = std::make_unique<Poco::ThreadPool>(2, settings.threads + 2);
    m_impl->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*m_impl), *m_impl->pool, socket, params);
    m_impl->server->start();
  } catch (const Poco::Exception& error) {
    throw shared::ConfigError("dispatch.listen_address/dispatch.port: cannot listen on " + settings.listen_address +
                              ":" + std::to_string(settings.port) + ": " + error.displayText());
  }
}

DispatchServer::~DispatchServer()
{
  if (m_impl->server) {
    m_impl->server->stopAll(true);
    m_impl->server.reset();
  }
  if (m_impl->pool) {
    m_impl->pool->joinAll();
  }
}

std::uint16_t DispatchServer::port() const
{
  return m_impl->port;
}

Answer DispatchServer::deliver(std::optional<std::string_view> signature, const std::string& body)
{
  return m_impl->deliver(signature, body);
}

} // namespace dispatch
