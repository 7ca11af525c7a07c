#pragma once

#include "shared/config/config_file.hpp"
#include "shared/core/secret.hpp"
#include "shared/qstash/qstash_publisher.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace shared::qstash {

struct QstashConfig
{
  std::string base_url;                    // "qstash.base_url"
  Secret token;                            // "qstash.token_file"
  std::string ca_file;                     // "tls.ca_file"
  std::chrono::seconds timeout{15};        // "qstash.request_timeout_seconds"
  int max_attempts = 4;                    // 5xx/timeouts: 0.5 s, 1 s, 2 s, 4 s (external-services.md 1.11)
  std::chrono::milliseconds base_delay{500};
};

// Reads qstash.base_url, qstash.token_file, tls.ca_file and qstash.request_timeout_seconds.
QstashConfig load_qstash_config(const config::ConfigFile& file);

std::unique_ptr<QstashPublisher> make_http_qstash_publisher(QstashConfig config);

} // namespace shared::qstash
