#pragma once

#include "shared/core/errors.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shared::qstash {

// One message to publish (external-services.md 1.2).
struct PublishRequest
{
  std::string destination;       // full URL, appended raw after /v2/publish/
  std::string body;
  std::string content_type = "application/json";
  std::int64_t not_before_unix = 0; // Upstash-Not-Before, unix seconds UTC
  std::string deduplication_id;  // call-<uuid>-v<n>
  std::string label;             // the same, for recovery through the logs
  int retries = 3;               // Upstash-Retries
  std::vector<std::pair<std::string, std::string>> forward_headers; // sent as Upstash-Forward-<Name>
  std::string redact_fields;     // Upstash-Redact-Fields, e.g. "body, headers"; empty = none
};

struct PublishResult
{
  std::string message_id;
  bool deduplicated = false;     // 202 or "deduplicated": the id is the existing message's
};

// QStash refused this message for good (400 or another 4xx except 401 and 429): retrying the same
// payload cannot help; the call is marked failed with this text.
class PublishRejected : public Error
{
public:
  using Error::Error;
};

// The daily quota is used up (a 429 with RateLimit-* headers): stop publishing for this run; rows
// stay pending_publish.
class QuotaExhausted : public TransientError
{
public:
  using TransientError::TransientError;
};

// Publishes to QStash. Throws PublishRejected, QuotaExhausted, ConfigError on 401 (a wrong token or
// region stops the stage), TransientError when 5xx, burst 429s or timeouts persist after retries.
class QstashPublisher
{
public:
  virtual ~QstashPublisher() = default;
  virtual PublishResult publish(const PublishRequest& request) = 0;
  // Publishes many messages in one POST /v2/batch (external-services.md 1.4). One entry per
  // request, in order: the result, or std::nullopt when QStash answered that item without a
  // messageId (the caller publishes that one alone to learn why). Throws as publish() does for the
  // request as a whole; every item carries its deduplication id, so the whole batch may be re-sent.
  virtual std::vector<std::optional<PublishResult>> publish_batch(const std::vector<PublishRequest>& requests) = 0;
  // Cancels a pending message. True when it was cancelled (200/202), false when QStash no longer has
  // it (404: delivered, cancelled or unknown).
  virtual bool cancel(const std::string& message_id) = 0;
};

} // namespace shared::qstash
