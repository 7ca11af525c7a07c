#include "shared/config/config_schema.hpp"

#include <vector>

namespace shared::config {

namespace {

KeySpec text(std::string_view path, std::optional<std::string_view> fallback, std::string_view help,
             std::vector<std::string_view> allowed = {})
{
  return KeySpec{.path = path, .kind = KeyKind::string, .default_text = fallback, .default_integer = {},
                 .default_boolean = {}, .allowed = std::move(allowed), .help = help};
}

KeySpec number(std::string_view path, std::int64_t fallback, std::int64_t min, std::int64_t max,
               std::string_view help)
{
  return KeySpec{.path = path, .kind = KeyKind::integer, .default_text = {}, .default_integer = fallback,
                 .default_boolean = {}, .min = min, .max = max, .help = help};
}

KeySpec flag(std::string_view path, bool fallback, std::string_view help)
{
  return KeySpec{.path = path, .kind = KeyKind::boolean, .default_text = {}, .default_integer = {},
                 .default_boolean = fallback, .help = help};
}

const std::vector<KeySpec>& table()
{
  static const std::vector<KeySpec> keys{
      text("database.uri_file", std::nullopt, "file holding the libpq connection URI or key=value string"),
      number("database.connect_timeout_seconds", 10, 1, 300, "libpq connect_timeout"),

      text("logging.level", "info", "minimum level written to stderr", {"debug", "info", "warn", "error"}),

      text("run.cronjob_name", "idexx-sync", "a run id <cronjob_name>-<digits> is a scheduled run, any other manual"),
      number("run.abandon_after_seconds", 1800, 10, 86400, "an open run without heartbeat this long is failed by the next Job"),
      number("run.lease_seconds", 300, 2, 3600, "how long a claimed clinic stays with its worker without a heartbeat"),
      number("run.heartbeat_seconds", 60, 1, 1800, "how often a worker renews its leases and the run heartbeat"),
      number("run.max_attempts", 3, 1, 20, "claims of one clinic per run before it is failed"),
      number("run.max_wait_seconds", 3300, 0, 14400, "how long a stage waits for clinics under other workers' live leases"),
      number("run.poll_interval_ms", 500, 10, 60000, "pause between looks at the work queue while waiting"),

      text("tls.ca_file", "", "CA bundle for outbound HTTPS; empty means the system trust store"),

      text("credential_keys.directory", std::nullopt, "directory of key files, one per key id (a mounted Secret)"),
      text("credential_keys.current_key_id", std::nullopt, "key id new credentials are encrypted with"),
      number("credential_keys.pbkdf2_iterations", 600000, 1, 10000000, "PBKDF2-HMAC-SHA256 iterations for v1 keys"),

      text("idexx.default_base_url", "https://us.idexxneo.com", "base URL for clinics whose idexx_base_url is NULL"),
      text("idexx.user_agent",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
           "User-Agent sent to IDEXX Neo"),
      number("idexx.connect_timeout_seconds", 10, 1, 300, "TCP and TLS connect timeout"),
      number("idexx.request_timeout_seconds", 30, 1, 600, "whole-request timeout"),
      number("idexx.clinic_deadline_seconds", 300, 1, 7200, "time budget of one clinic's extract"),
      number("idexx.max_attempts", 4, 1, 20, "attempts per request on 5xx, timeouts and 429"),
      number("idexx.retry_base_delay_ms", 1000, 0, 60000, "first retry delay; doubles each attempt, plus 0-30 % jitter"),
      number("idexx.retry_max_delay_ms", 10000, 0, 600000, "cap of one retry delay"),
      number("idexx.retry_after_cap_seconds", 60, 0, 3600, "cap on a Retry-After wait"),
      number("idexx.max_relogins", 5, 0, 100, "re-logins after session expiry per clinic run"),
      number("idexx.rate_per_second", 20, 1, 100000, "token-bucket rate per IDEXX host"),
      number("idexx.burst", 40, 1, 100000, "token-bucket burst per IDEXX host"),
      flag("idexx.search_enabled", true, "also page through /consultations/search (walk-ins)"),

      number("extract.window_hours", 48, 1, 168, "how far back each run looks"),
      number("extract.overlap_hours", 2, 0, 48, "overlap before the last successful window end"),
      number("extract.max_lookback_days", 14, 1, 60, "cap on the catch-up window; older gaps need a backfill"),
      number("extract.threads", 4, 1, 256, "clinics worked at once in one pod"),

      flag("reconcile.create_missing_cases", true, "create a case for an appointment that has none"),
      number("reconcile.link_threshold_bits", 8, 1, 60,
             "tier 3 links a pair at or above this Fellegi-Sunter total (bits, prior included)"),
      number("reconcile.threads", 4, 1, 256, "clinics reconciled at once in one pod"),
      number("reconcile.margin_bits", 5, 0, 30, "tier 3 links only when the best beats the runner-up by this much"),

      flag("schedule.require_notes", true, "a call needs notes or a discharge summary"),
      number("schedule.min_lead_minutes", 2, 0, 1440, "a due time in the past moves at least this far ahead"),

      text("qstash.base_url", "https://qstash-us-east-1.upstash.io", "QStash regional base URL"),
      text("qstash.token_file", std::nullopt, "file holding the QStash token"),
      text("qstash.current_signing_key_file", std::nullopt, "file holding the current signing key (dispatcher)"),
      text("qstash.next_signing_key_file", std::nullopt, "file holding the next signing key (dispatcher)"),
      text("qstash.destination_mode", "webhook", "webhook: QStash calls our dispatcher; vapi: QStash calls VAPI", {"webhook", "vapi"}),
      text("qstash.webhook_url", std::nullopt, "public URL of idexx-sync-dispatch; also the expected JWT sub"),
      number("qstash.retries", 3, 0, 20, "Upstash-Retries on each published call (webhook mode; vapi mode sends 0)"),
      number("qstash.batch_size", 100, 1, 1000, "messages per POST /v2/batch (1: one publish per call)"),
      number("qstash.request_timeout_seconds", 15, 1, 300, "timeout of one QStash API request"),

      text("vapi.base_url", "https://api.vapi.ai", "VAPI base URL"),
      text("vapi.private_key_file", std::nullopt, "file holding the VAPI private key"),
      text("vapi.assistant_id", "", "assistant for clinics without outbound_assistant_id"),
      text("vapi.phone_number_id", "", "caller number for clinics without outbound_phone_number_id"),
      number("vapi.max_concurrent_calls", 10, 1, 1000, "call starts per minute per VAPI account"),
      number("vapi.request_timeout_seconds", 15, 1, 300, "timeout of one VAPI request"),

      text("posthog.host", "https://us.i.posthog.com", "PostHog ingestion host"),
      text("posthog.project_api_key_file", "", "file holding the project key; empty disables PostHog"),

      text("metrics.pushgateway_url", "", "Pushgateway base URL; empty disables pushing"),
      text("metrics.job", "idexx_sync", "job label of the pushed groups"),

      text("dispatch.listen_address", "0.0.0.0", "address idexx-sync-dispatch listens on"),
      number("dispatch.port", 8080, 0, 65535, "port idexx-sync-dispatch listens on (0: any free port)"),
      number("dispatch.threads", 8, 1, 256, "request threads of idexx-sync-dispatch"),
      number("dispatch.signature_tolerance_seconds", 30, 0, 600, "clock tolerance on the QStash JWT"),
  };
  return keys;
}

} // namespace

std::span<const KeySpec> all_keys()
{
  return table();
}

const KeySpec* find_key(std::string_view path)
{
  for (const auto& key : table()) {
    if (key.path == path) {
      return &key;
    }
  }
  return nullptr;
}

} // namespace shared::config
