#include "shared/metrics/run_metrics.hpp"

#include "shared/core/errors.hpp"
#include "shared/logging/logger.hpp"
#include "shared/logging/redaction.hpp"

namespace shared::metrics {

namespace {

// The catalogue's label values (operations.md 3.3); the skip reasons are schedule's SkipReason enum.
constexpr const char* k_decisions[] = {"auto_linked", "needs_review", "unmatched"};
constexpr const char* k_tiers[] = {"consultation_id", "appointment_id", "probabilistic", "none"};
constexpr const char* k_outcomes[] = {"scheduled", "skipped", "cancelled", "failed"};
constexpr const char* k_skip_reasons[] = {"not_finished", "no_notes",    "phone_invalid",   "opted_out",
                                          "calls_disabled", "no_show",   "cancelled",       "euthanasia_or_death",
                                          "too_old",      "call_exists", "vapi_not_configured", "needs_review",
                                          "other"};

} // namespace

PushSettings load_push_settings(const config::ConfigFile& file)
{
  PushSettings settings{.pushgateway_url = file.text("metrics.pushgateway_url"), .job = file.text("metrics.job")};
  const auto& url = settings.pushgateway_url;
  if (!url.empty()) {
    const auto scheme_end = url.find("://");
    const auto scheme = scheme_end == std::string::npos ? std::string() : url.substr(0, scheme_end);
    const auto rest = scheme_end == std::string::npos ? std::string() : url.substr(scheme_end + 3);
    const auto trimmed = !rest.empty() && rest.back() == '/' ? rest.substr(0, rest.size() - 1) : rest;
    if ((scheme != "http" && scheme != "https") || trimmed.empty() || trimmed.find_first_of("/?#@") != std::string::npos) {
      throw ConfigError("metrics.pushgateway_url: expected http(s)://host[:port], got " + logging::redact_url(url));
    }
  }
  if (settings.job.empty() || settings.job.find('/') != std::string::npos) {
    throw ConfigError("metrics.job: expected a non-empty name without '/'");
  }
  return settings;
}

RunMetrics empty_run_metrics()
{
  RunMetrics metrics;
  for (const auto* decision : k_decisions) {
    for (const auto* tier : k_tiers) {
      metrics.links[{decision, tier}] = 0;
    }
  }
  for (const auto* outcome : k_outcomes) {
    metrics.calls[outcome] = 0;
  }
  for (const auto* reason : k_skip_reasons) {
    metrics.calls_skipped[reason] = 0;
  }
  return metrics;
}

double RunMetrics::clinic_failure_ratio() const
{
  const auto total = clinics_ok + clinics_failed + clinics_skipped;
  return total == 0 ? 0.0 : static_cast<double>(clinics_failed) / static_cast<double>(total);
}

bool RunMetrics::succeeded() const
{
  // The success threshold is the alert's (operations.md 5.2): more than 10 % failed clinics is a failed run.
  return (status == "completed" || status == "completed_with_failures") && clinic_failure_ratio() <= 0.10;
}

void push_closed_run(const config::ConfigFile& file, pqxx::connection& connection, const RunId& run, Instant now)
{
  try {
    const auto settings = load_push_settings(file);
    if (settings.pushgateway_url.empty()) {
      return;
    }
    pqxx::read_transaction tx(connection);
    const auto metrics = read_run_metrics(tx, run, now);
    tx.commit();
    if (!metrics) {
      logging::warn("metrics.push_failed", {{"reason", "run not found in sync_runs"}});
      return;
    }
    const auto report = push_run_metrics(settings, *metrics);
    logging::info("metrics.pushed", {{"pushes", report.pushes}, {"failures", report.failures},
                                     {"succeeded", metrics->succeeded()}});
  } catch (const std::exception& error) {
    logging::warn("metrics.push_failed", {{"reason", error.what()}});
  }
}

void push_opened_run(const config::ConfigFile& file, pqxx::connection& connection, const RunId& run)
{
  const auto settings = load_push_settings(file); // a ConfigError stops the opener with exit 78
  if (settings.pushgateway_url.empty()) {
    return;
  }
  try {
    pqxx::read_transaction tx(connection);
    const auto started_at = read_run_start(tx, run);
    tx.commit();
    if (started_at) {
      push_run_start(settings, *started_at);
    }
  } catch (const std::exception& error) {
    logging::warn("metrics.push_failed", {{"reason", error.what()}});
  }
}

} // namespace shared::metrics
