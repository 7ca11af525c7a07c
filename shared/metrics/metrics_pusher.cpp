#include "shared/logging/logger.hpp"
#include "shared/logging/redaction.hpp"
#include "shared/metrics/run_metrics.hpp"

#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <memory>

namespace shared::metrics {

namespace {

// Every push is a POST: it replaces, in its group, only the metric names it carries. A PUT would replace the
// whole group and so delete the success timestamps a failed run does not carry (operations.md 3.2); the
// closer always carries every other name of its groups, so nothing stale survives a POST.
struct Group
{
  std::string stage;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  // One gauge family, one sample per label set. Every group that carries a name gives it the same help,
  // because the gateway rejects a name whose type or help differs between groups.
  void set(const std::string& name, const std::string& help, const prometheus::Labels& labels, double value)
  {
    prometheus::BuildGauge().Name(name).Help(help).Register(*registry).Add(labels).Set(value);
  }
};

constexpr const char* k_stages[] = {"extract", "reconcile", "schedule", "audit"};

const std::string k_start_help = "Start of the newest run (Unix seconds).";

std::vector<Group> build_groups(const RunMetrics& m)
{
  std::vector<Group> groups;
  Group run{.stage = "run"};
  run.set("idexx_sync_run_start_timestamp_seconds", k_start_help, {}, m.started_at);
  if (m.finished_at) {
    run.set("idexx_sync_run_end_timestamp_seconds", "End of the last closed run (Unix seconds).", {}, *m.finished_at);
    run.set("idexx_sync_last_run_duration_seconds", "Wall-clock duration of the last closed run.", {},
            *m.finished_at - m.started_at);
  }
  const std::string clinics_help = "Clinics of the last run by result.";
  run.set("idexx_sync_last_run_clinics", clinics_help, {{"result", "ok"}}, static_cast<double>(m.clinics_ok));
  run.set("idexx_sync_last_run_clinics", clinics_help, {{"result", "failed"}}, static_cast<double>(m.clinics_failed));
  run.set("idexx_sync_last_run_clinics", clinics_help, {{"result", "skipped"}}, static_cast<double>(m.clinics_skipped));
  run.set("idexx_sync_consecutive_failed_runs", "Newest closed runs that failed in a row.", {},
          static_cast<double>(m.consecutive_failed_runs));
  run.set("idexx_sync_clinic_failure_streak_max", "Longest current streak of failed syncs of one clinic.", {},
          static_cast<double>(m.clinic_failure_streak_max));
  run.set("idexx_sync_clinics_stale", "Enabled clinics without a successful sync in 24 hours.", {},
          static_cast<double>(m.clinics_stale));
  groups.push_back(std::move(run));

  // Each stage group carries its stage's duration in the last run, when that stage claimed anything.
  const auto set_duration = [&m](Group& group) {
    if (const auto found = m.stage_durations.find(group.stage); found != m.stage_durations.end()) {
      group.set("idexx_sync_last_run_stage_duration_seconds",
                "From the stage's first claim to its last release of a clinic in the last run.", {}, found->second);
    }
  };

  Group extract{.stage = "extract"};
  extract.set("idexx_sync_last_run_consultations_fetched", "Consultations extract staged in the last run.", {},
              static_cast<double>(m.consultations_fetched));
  set_duration(extract);
  groups.push_back(std::move(extract));

  Group reconcile{.stage = "reconcile"};
  for (const auto& [key, count] : m.links) {
    reconcile.set("idexx_sync_last_run_links", "Consultations of the last run by link decision and tier.",
                  {{"decision", key.first}, {"tier", key.second}}, static_cast<double>(count));
  }
  set_duration(reconcile);
  groups.push_back(std::move(reconcile));

  Group schedule{.stage = "schedule"};
  for (const auto& [outcome, count] : m.calls) {
    schedule.set("idexx_sync_last_run_calls", "Discharge calls of the last run by outcome.", {{"outcome", outcome}},
                 static_cast<double>(count));
  }
  for (const auto& [reason, count] : m.calls_skipped) {
    schedule.set("idexx_sync_last_run_calls_skipped", "Skipped discharge calls of the last run by reason.",
                 {{"reason", reason}}, static_cast<double>(count));
  }
  set_duration(schedule);
  groups.push_back(std::move(schedule));

  // The success timestamps, from their own registries, only when the run succeeded.
  if (m.succeeded() && m.finished_at) {
    Group success{.stage = "run"};
    success.set("idexx_sync_last_success_timestamp_seconds", "End of the last successful run (Unix seconds).", {},
                *m.finished_at);
    groups.push_back(std::move(success));
    for (const auto* stage : k_stages) {
      Group stage_success{.stage = stage};
      stage_success.set("idexx_sync_stage_last_success_timestamp_seconds",
                        "End of the last run in which this stage succeeded (Unix seconds).", {}, *m.finished_at);
      groups.push_back(std::move(stage_success));
    }
  }
  return groups;
}

// http(s)://host[:port] as prometheus-cpp wants it: the host with its scheme, and the port apart.
std::pair<std::string, std::string> host_and_port(const std::string& url)
{
  auto base = url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  const auto authority = base.find("://") + 3;
  const auto bracket = base.find(']', authority); // [::1]:9091
  const auto colon = base.find(':', bracket == std::string::npos ? authority : bracket);
  if (colon == std::string::npos) {
    return {base, base.starts_with("https://") ? "443" : "80"};
  }
  return {base.substr(0, colon), base.substr(colon + 1)};
}

PushReport push_groups(const PushSettings& settings, const std::vector<Group>& groups)
{
  PushReport report;
  if (settings.pushgateway_url.empty()) {
    return report;
  }
  const auto [host, port] = host_and_port(settings.pushgateway_url);
  for (const auto& group : groups) {
    prometheus::Gateway gateway(host, port, settings.job, {{"stage", group.stage}});
    gateway.RegisterCollectable(group.registry);
    // Debian's prometheus-cpp 1.0.1 sends Push() as POST and PushAdd() as PUT, the other way round from
    // toolchain.md 3.5 (checked against a real gateway; the integration test pins the POST semantics).
    // Neither throws: it returns the HTTP status, or a negative CURLcode when the gateway was not
    // reached (-7: could not connect).
    const int status = gateway.Push();
    ++report.pushes;
    if (status < 200 || status > 299) {
      ++report.failures;
      logging::warn("metrics.push_failed", {{"group", group.stage},
                                            {"status", status},
                                            {"pushgateway", logging::redact_url(settings.pushgateway_url)}});
    }
  }
  return report;
}

} // namespace

std::vector<PushedGroup> closer_groups(const RunMetrics& metrics)
{
  std::vector<PushedGroup> out;
  for (const auto& group : build_groups(metrics)) {
    out.push_back({group.stage, "POST",
                   prometheus::TextSerializer{}.Serialize(group.registry->Collect())});
  }
  return out;
}

PushReport push_run_metrics(const PushSettings& settings, const RunMetrics& metrics)
{
  try {
    return push_groups(settings, build_groups(metrics));
  } catch (const std::exception& error) { // a registry error is a bug here, but never a failed run
    logging::warn("metrics.push_failed", {{"reason", error.what()}});
    return {.pushes = 0, .failures = 1};
  }
}

PushReport push_run_start(const PushSettings& settings, double started_at)
{
  try {
    Group start{.stage = "run"};
    start.set("idexx_sync_run_start_timestamp_seconds", k_start_help, {}, started_at);
    std::vector<Group> groups;
    groups.push_back(std::move(start));
    return push_groups(settings, groups);
  } catch (const std::exception& error) {
    logging::warn("metrics.push_failed", {{"reason", error.what()}});
    return {.pushes = 0, .failures = 1};
  }
}

} // namespace shared::metrics
