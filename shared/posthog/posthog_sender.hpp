#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/secret.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

// Sends the PostHog outbox to the capture API's /batch/ route (external-services.md §3).
namespace shared::posthog {

struct PosthogConfig
{
  std::string host;           // "posthog.host", without a trailing slash
  std::optional<Secret> key;  // "posthog.project_api_key_file"; none = PostHog off
  std::string ca_file;        // "tls.ca_file"
  std::chrono::seconds timeout{10};
  int max_attempts = 3;       // 408, 429, 5xx and transport errors: 1 s, then 2 s
  std::chrono::milliseconds base_delay{1000};
  std::size_t batch_size = 500; // events per request: far below the 20 MB body limit

  [[nodiscard]] bool enabled() const { return key.has_value(); }
};

// Reads posthog.host, posthog.project_api_key_file (empty: PostHog off) and tls.ca_file. Throws
// ConfigError naming the key when the host is not an http(s) URL or the key file cannot be read.
PosthogConfig load_posthog_config(const config::ConfigFile& file);

struct FlushReport
{
  std::int64_t sent = 0;
  std::int64_t left = 0;           // unsent rows after the flush
  std::optional<std::string> error; // why it stopped early, e.g. "HTTP 503"; never the key
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

// Sends every unsent outbox row, oldest first, in batches; each batch is locked (SKIP LOCKED, so two
// pods never send one row twice at once) while it is sent and marked sent when PostHog answered 2xx.
// PostHog being unreachable or refusing never throws: the rows stay for the next run and the report
// says why. Database errors do throw.
FlushReport flush_posthog_outbox(pqxx::connection& connection, const PosthogConfig& config,
                                 const Sleeper& sleeper = {});

} // namespace shared::posthog
