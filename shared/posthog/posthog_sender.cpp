#include "shared/posthog/posthog_sender.hpp"

#include "shared/db/connection.hpp"
#include "shared/http/http_client.hpp"
#include "shared/logging/logger.hpp"

#include <nlohmann/json.hpp>

#include <thread>
#include <vector>

namespace shared::posthog {

namespace {

// A batch PostHog refused this often is left for an operator (last_error says why) instead of
// blocking the rows behind it on every run.
constexpr int k_max_attempts_per_row = 20;

constexpr db::Query k_select_unsent{"posthog.select_unsent", R"sql(
  SELECT id, uuid::text, event, distinct_id,
         to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), properties::text
    FROM posthog_outbox
   WHERE sent_at IS NULL AND attempts < $2
   ORDER BY id
   LIMIT $1
     FOR UPDATE SKIP LOCKED)sql"};

constexpr db::Query k_mark_sent{"posthog.mark_sent", R"sql(
  UPDATE posthog_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL
   WHERE id = ANY($1::bigint[]))sql"};

constexpr db::Query k_mark_failed{"posthog.mark_failed", R"sql(
  UPDATE posthog_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[]))sql"};

constexpr db::Query k_count_left{"posthog.count_unsent",
                                 "SELECT count(*) FROM posthog_outbox WHERE sent_at IS NULL"};

struct Batch
{
  std::vector<std::string> ids;
  std::string body;
};

// The request body, written from the stored rows so that a retry sends the same bytes: the
// properties are the jsonb's own text and the timestamp the stored one.
Batch batch_of(const pqxx::result& rows, const Secret& key)
{
  Batch batch;
  batch.body = R"({"api_key":)" + nlohmann::json(key.reveal()).dump() + R"(,"batch":[)";
  for (const auto& row : rows) {
    if (!batch.ids.empty()) {
      batch.body += ',';
    }
    batch.ids.push_back(row[0].as<std::string>());
    const nlohmann::json head{{"uuid", row[1].as<std::string>()},
                              {"event", row[2].as<std::string>()},
                              {"distinct_id", row[3].as<std::string>()},
                              {"timestamp", row[4].as<std::string>()}};
    auto text = head.dump();
    text.pop_back();
    batch.body += text + R"(,"properties":)" + row[5].as<std::string>() + "}";
  }
  batch.body += "]}";
  return batch;
}

bool worth_retrying(int status)
{
  return status == 408 || status == 429 || status >= 500;
}

// One batch, with retries on 408, 429, 5xx and transport errors. std::nullopt on success, else why.
std::optional<std::string> send(http::HttpClient& client, const PosthogConfig& config, const std::string& body,
                                const Sleeper& sleeper)
{
  http::HttpRequest request;
  request.method = "POST";
  request.url = config.host + "/batch/";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  std::string error;
  for (int attempt = 1; attempt <= config.max_attempts; ++attempt) {
    try {
      const auto response = client.send(request);
      if (response.status >= 200 && response.status < 300) {
        return std::nullopt; // the body is version-dependent: never parsed (§3.3)
      }
      error = "HTTP " + std::to_string(response.status);
      if (!worth_retrying(response.status)) {
        return error;
      }
    } catch (const TransientError&) {
      error = "unreachable";
    } catch (const http::TlsVerificationError&) {
      return "tls_verification_failed";
    }
    if (attempt < config.max_attempts) {
      sleeper(config.base_delay * (1 << (attempt - 1)));
    }
  }
  return error;
}

} // namespace

PosthogConfig load_posthog_config(const config::ConfigFile& file)
{
  PosthogConfig config;
  config.host = file.text("posthog.host");
  while (!config.host.empty() && (config.host.back() == '/' || config.host.back() == ' ')) {
    config.host.pop_back();
  }
  try {
    (void)http::parse_url(config.host);
  } catch (const ConfigError& error) {
    throw ConfigError(std::string("posthog.host: ") + error.what());
  }
  if (!file.text("posthog.project_api_key_file").empty()) {
    config.key = file.secret("posthog.project_api_key_file");
  }
  config.ca_file = file.text("tls.ca_file");
  return config;
}

FlushReport flush_posthog_outbox(pqxx::connection& connection, const PosthogConfig& config, const Sleeper& sleeper)
{
  FlushReport report;
  if (!config.enabled()) {
    return report;
  }
  const Sleeper wait = sleeper ? sleeper : [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
  http::HttpClient client(http::HttpClientConfig{
      .ca_file = config.ca_file,
      .connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout),
      .request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout),
      .user_agent = "idexx-sync"});
  for (;;) {
    const auto sent = db::with_transaction(connection, [&](pqxx::work& tx) -> std::int64_t {
      const auto rows = db::run(tx, k_select_unsent, static_cast<std::int64_t>(config.batch_size), k_max_attempts_per_row);
      if (rows.empty()) {
        return 0;
      }
      const auto batch = batch_of(rows, *config.key);
      if (const auto error = send(client, config, batch.body, wait)) {
        db::run(tx, k_mark_failed, db::sql_array(batch.ids), *error);
        report.error = error;
        return 0;
      }
      db::run(tx, k_mark_sent, db::sql_array(batch.ids));
      return static_cast<std::int64_t>(batch.ids.size());
    });
    report.sent += sent;
    if (sent == 0) {
      break;
    }
  }
  report.left = db::with_transaction(connection, [](pqxx::work& tx) {
    return db::run(tx, k_count_left)[0][0].as<std::int64_t>();
  });
  if (report.error) {
    logging::warn("posthog.flush_stopped", {{"host", http::parse_url(config.host).host},
                                            {"error", *report.error},
                                            {"sent", report.sent},
                                            {"left", report.left}});
  } else {
    logging::info("posthog.flushed", {{"sent", report.sent}, {"left", report.left}});
  }
  return report;
}

} // namespace shared::posthog
