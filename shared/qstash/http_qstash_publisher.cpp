#include "shared/qstash/http_qstash_publisher.hpp"

#include "shared/http/http_client.hpp"
#include "shared/logging/logger.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <thread>

namespace shared::qstash {

QstashConfig load_qstash_config(const config::ConfigFile& file)
{
  QstashConfig config;
  config.base_url = file.text("qstash.base_url");
  while (!config.base_url.empty() && (config.base_url.back() == '/' || config.base_url.back() == ' ')) {
    config.base_url.pop_back();
  }
  config.token = file.secret("qstash.token_file");
  config.ca_file = file.text("tls.ca_file");
  config.timeout = file.seconds("qstash.request_timeout_seconds");
  return config;
}

namespace {

class HttpQstashPublisher : public QstashPublisher
{
public:
  explicit HttpQstashPublisher(QstashConfig config)
      : m_config(std::move(config)),
        m_client(http::HttpClientConfig{.ca_file = m_config.ca_file,
                                        .connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(m_config.timeout),
                                        .request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(m_config.timeout),
                                        .user_agent = "idexx-sync"})
  {
    (void)http::parse_url(m_config.base_url); // a malformed base URL is a configuration error, at start
  }

  PublishResult publish(const PublishRequest& request) override
  {
    http::HttpRequest http_request;
    http_request.method = "POST";
    // The destination is appended as-is: a URI class would re-encode it or collapse `//`.
    http_request.url = m_config.base_url + "/v2/publish/" + request.destination;
    http_request.headers = {{"Authorization", "Bearer " + m_config.token.reveal()}};
    for (auto& header : message_headers(request)) {
      http_request.headers.push_back(std::move(header));
    }
    http_request.body = request.body;
    const auto response = send_with_retries(http_request);
    const auto parsed = nlohmann::json::parse(response.body, nullptr, false);
    const auto result = publish_result(parsed, response.status == 202);
    if (!result) {
      throw TransientError("QStash answered " + std::to_string(response.status) + " without a messageId");
    }
    return *result;
  }

  std::vector<std::optional<PublishResult>> publish_batch(const std::vector<PublishRequest>& requests) override
  {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& request : requests) {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : message_headers(request)) {
        headers[name] = value;
      }
      items.push_back({{"destination", request.destination}, {"headers", headers}, {"body", request.body}});
    }
    http::HttpRequest http_request;
    http_request.method = "POST";
    http_request.url = m_config.base_url + "/v2/batch";
    http_request.headers = {{"Authorization", "Bearer " + m_config.token.reveal()},
                            {"Content-Type", "application/json"}};
    http_request.body = items.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const auto response = send_with_retries(http_request);
    const auto parsed = nlohmann::json::parse(response.body, nullptr, false);
    if (!parsed.is_array() || parsed.size() != requests.size()) {
      throw TransientError("QStash answered the batch with " + std::to_string(response.status) +
                           " and no array of the batch's size");
    }
    std::vector<std::optional<PublishResult>> out;
    for (const auto& item : parsed) {
      out.push_back(publish_result(item, false));
    }
    return out;
  }

  bool cancel(const std::string& message_id) override
  {
    http::HttpRequest http_request;
    http_request.method = "DELETE";
    http_request.url = m_config.base_url + "/v2/messages/" + message_id;
    http_request.headers = {{"Authorization", "Bearer " + m_config.token.reveal()}};
    const auto response = send_with_retries(http_request);
    return response.status != 404;
  }

private:
  http::HttpResponse send_with_retries(const http::HttpRequest& request)
  {
    std::mt19937 jitter(std::random_device{}());
    for (int attempt = 1;; ++attempt) {
      std::string failure;
      try {
        auto response = m_client.send(request);
        if (response.status >= 200 && response.status < 300) {
          return response;
        }
        if (response.status == 404 && request.method == "DELETE") {
          return response;
        }
        if (response.status == 401) {
          throw ConfigError("qstash.token_file: QStash refused the token (401); check the token and qstash.base_url's region");
        }
        if (response.status == 429 && response.header("RateLimit-Limit")) {
          throw QuotaExhausted("QStash daily quota used up (429)");
        }
        if (response.status != 429 && response.status < 500) {
          throw PublishRejected("QStash refused the message (" + std::to_string(response.status) + "): " +
                                error_text(response.body));
        }
        failure = "QStash answered " + std::to_string(response.status);
      } catch (const TransientError& error) {
        if (dynamic_cast<const QuotaExhausted*>(&error) != nullptr) {
          throw;
        }
        failure = error.what();
      }
      if (attempt >= m_config.max_attempts) {
        throw TransientError(failure + " after " + std::to_string(attempt) + " attempts");
      }
      auto delay = m_config.base_delay * (1 << (attempt - 1));
      delay += std::chrono::milliseconds(std::uniform_int_distribution<long>(0, delay.count() * 3 / 10)(jitter));
      logging::warn("qstash.retry", {{"attempt", attempt}, {"reason", failure}, {"delay_ms", delay.count()}});
      std::this_thread::sleep_for(delay);
    }
  }

  // The publish headers of one message, as a single publish sends them and a batch item carries them.
  static http::Headers message_headers(const PublishRequest& request)
  {
    http::Headers headers{{"Content-Type", request.content_type},
                          {"Upstash-Not-Before", std::to_string(request.not_before_unix)},
                          {"Upstash-Deduplication-Id", request.deduplication_id},
                          {"Upstash-Retries", std::to_string(request.retries)}};
    if (!request.label.empty()) {
      headers.emplace_back("Upstash-Label", request.label);
    }
    if (!request.redact_fields.empty()) {
      headers.emplace_back("Upstash-Redact-Fields", request.redact_fields);
    }
    for (const auto& [name, value] : request.forward_headers) {
      headers.emplace_back("Upstash-Forward-" + name, value);
    }
    return headers;
  }

  static std::optional<PublishResult> publish_result(const nlohmann::json& parsed, bool status_says_duplicate)
  {
    if (!parsed.is_object() || !parsed.contains("messageId") || !parsed["messageId"].is_string()) {
      return std::nullopt;
    }
    const auto deduplicated = parsed.contains("deduplicated") && parsed["deduplicated"].is_boolean() &&
                              parsed["deduplicated"].get<bool>();
    return PublishResult{.message_id = parsed["messageId"].get<std::string>(),
                         .deduplicated = status_says_duplicate || deduplicated};
  }

  static std::string error_text(const std::string& body)
  {
    const auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
      return parsed["error"].get<std::string>().substr(0, 200);
    }
    return body.substr(0, 200);
  }

  QstashConfig m_config;
  http::HttpClient m_client;
};

} // namespace

std::unique_ptr<QstashPublisher> make_http_qstash_publisher(QstashConfig config)
{
  return std::make_unique<HttpQstashPublisher>(std::move(config));
}

} // namespace shared::qstash
