#include "stages/audit/audit_stage.hpp"

#include "shared/app/version.hpp"
#include "shared/audit/audit_chain.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"
#include "shared/metrics/run_metrics.hpp"
#include "shared/posthog/posthog_outbox.hpp"
#include "shared/posthog/posthog_sender.hpp"
#include "shared/runs/run_ledger.hpp"
#include "stages/audit/audit_repository.hpp"

#include <nlohmann/json.hpp>

namespace audit {

namespace {

constexpr int k_staging_retention_days = 7;

struct ClinicAudit
{
  std::int64_t entries_written = 0;
};

// The integer counts of a work item's counts object (anything else there is not for the trail).
nlohmann::json integer_counts(const std::string& counts_json)
{
  const auto counts = nlohmann::json::parse(counts_json);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : counts.items()) {
    if (value.is_number_integer()) {
      out[key] = value;
    }
  }
  return out;
}

// The clinic's PostHog events, in the transaction that audits it: each goes out once, however
// often the run is audited (the uuid is the idempotency key, external-services.md §3.4).
void enqueue_clinic_events(pqxx::work& tx, const shared::RunId& run, const FinishedClinic& clinic,
                           const std::vector<ScheduledCall>& calls, shared::Instant now)
{
  const auto& clinic_id = clinic.clinic_id.value;
  const auto started = clinic.started_at ? shared::parse_iso8601(*clinic.started_at) : now;
  shared::posthog::enqueue(tx, {.event = "sync.started", .natural_key = run.value + "|" + clinic_id,
                                .distinct_id = clinic_id, .occurred_at = started,
                                .properties = {{"run_id", run.value}}});
  auto counts = integer_counts(clinic.counts_json);
  counts["run_id"] = run.value;
  if (clinic.failed) {
    counts["error_code"] = clinic.error_code.value_or("unknown");
    shared::posthog::enqueue(tx, {.event = "sync.failed", .natural_key = run.value + "|" + clinic_id,
                                  .distinct_id = clinic_id, .occurred_at = now, .properties = counts});
    return;
  }
  shared::posthog::enqueue(tx, {.event = "sync.completed", .natural_key = run.value + "|" + clinic_id,
                                .distinct_id = clinic_id, .occurred_at = now, .properties = counts});
  for (const auto& call : calls) {
    if (call.status == "skipped" || call.status == "cancelled" || call.status == "failed") {
      continue;
    }
    const auto version = "v" + std::to_string(call.publish_version);
    shared::posthog::enqueue(tx, {.event = "discharge.scheduled", .natural_key = call.call_id + "|" + version,
                                  .distinct_id = clinic_id, .occurred_at = now,
                                  .properties = {{"run_id", run.value}, {"call_id", call.call_id},
                                                 {"publish_version", call.publish_version}}});
  }
}

ClinicAudit audit_clinic(pqxx::work& tx, AuditRepository& repo, const shared::RunId& run, const FinishedClinic& clinic,
                         const shared::Clock& clock, const std::string& user_agent, bool analytics)
{
  ClinicAudit result;
  const auto append = [&](const std::string& action, const std::string& resource_type,
                          const std::optional<std::string>& resource_id, const std::string& status,
                          const nlohmann::json& details) {
    shared::audit::AuditEntry entry{.user_id = clinic.user_id, .clinic_id = clinic.clinic_id.value,
                                    .sync_session_id = clinic.session_id, .run_id = run.value,
                                    .action_type = action, .resource_type = resource_type,
                                    .resource_id = resource_id, .status = status, .details_json = details.dump(),
                                    .event_key = run.value + "|" + action + "|" + resource_id.value_or("-")};
    if (shared::audit::append_entry(tx, entry, clock.now(), user_agent)) {
      ++result.entries_written;
    }
  };
  const auto count_details = integer_counts(clinic.counts_json);
  append("sync_started", "sync_session", clinic.session_id, "success", nlohmann::json::object());
  if (clinic.credential_id) {
    append("credential_access", "credential", clinic.credential_id, "success", {{"purpose", "idexx_login"}});
  }
  const auto calls = clinic.failed ? std::vector<ScheduledCall>{} : repo.calls(run, clinic.clinic_id);
  if (analytics) {
    enqueue_clinic_events(tx, run, clinic, calls, clock.now());
  }
  if (clinic.failed) {
    append("sync_failed", "sync_session", clinic.session_id, "failure",
           {{"error_code", clinic.error_code.value_or("unknown")}});
    return result;
  }
  if (clinic.session_id) {
    for (const auto& consultation : repo.consultations(clinic.clinic_id, *clinic.session_id)) {
      if (consultation.status == "synced") {
        nlohmann::json details{{"content_hash", consultation.content_hash}};
        if (consultation.case_id) {
          details["case_id"] = *consultation.case_id;
        }
        append("consultation_synced", "consultation", consultation.consultation_id, "success", details);
      } else if (consultation.status == "needs_review") {
        append("consultation_review", "consultation", consultation.consultation_id, "success", nlohmann::json::object());
      }
    }
  }
  for (const auto& call : calls) {
    nlohmann::json details{{"case_id", call.case_id}, {"status", call.status}};
    if (call.reason) {
      details["reason"] = *call.reason;
    }
    const std::string action = call.status == "skipped"     ? "call_skipped"
                               : call.status == "cancelled" ? "call_cancelled"
                                                            : "call_scheduled";
    append(action, "discharge_call", call.call_id, "success", details);
  }
  append("sync_completed", "sync_session", clinic.session_id, "success", count_details);
  return result;
}

} // namespace

shared::app::StageSummary run_audit(shared::app::StageContext& context)
{
  shared::app::StageSummary summary;
  const auto database = shared::db::load_database_config(context.config_file());
  const auto posthog = shared::posthog::load_posthog_config(context.config_file());
  auto connection = shared::db::open_connection(database, "audit");
  shared::runs::RunLedger ledger(*connection, {});
  if (ledger.join(context.run_id()) != shared::runs::Membership::working) {
    shared::logging::info("run.not_open", {{"action", "nothing to audit"}});
    return summary;
  }
  const std::string user_agent = std::string("idexx-sync/") + shared::app::k_version + " (audit)";
  std::int64_t clinics_done = 0;
  std::int64_t clinics_failed = 0;
  std::int64_t entries = 0;
  for (;;) {
    const bool found = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
      AuditRepository repo(tx);
      const auto clinic = repo.next_finished_clinic(context.run_id());
      if (!clinic) {
        return false;
      }
      entries += audit_clinic(tx, repo, context.run_id(), *clinic, context.clock(), user_agent, posthog.enabled())
                     .entries_written;
      repo.finalise_session(*clinic);
      repo.record_clinic_state(context.run_id(), *clinic);
      if (clinic->failed) {
        repo.mark_failure_audited(*clinic);
        ++clinics_failed;
      } else {
        repo.mark_done(*clinic);
        ++clinics_done;
      }
      shared::logging::info("clinic.audited", {{"clinic_id", clinic->clinic_id.value}, {"failed", clinic->failed}});
      return true;
    });
    if (!found) {
      break;
    }
  }
  summary.add("clinics_done", clinics_done);
  summary.add("clinics_failed", clinics_failed);
  summary.add("audit_entries", entries);
  // Every pod sends what is queued, its own clinics' events and any a failed flush left behind; an
  // unreachable PostHog never fails the run.
  if (posthog.enabled()) {
    const auto flushed = shared::posthog::flush_posthog_outbox(*connection, posthog);
    summary.add("posthog_events_sent", flushed.sent);
    summary.add("posthog_events_left", flushed.left);
  }
  // The pod that finds no clinic left in a non-final state closes the run; the others leave it.
  if (const auto status = ledger.try_close(context.run_id())) {
    shared::logging::info("run.closed", {{"status", shared::runs::to_string(*status)}});
    summary.add("run_closed", 1);
    // Metrics (issue 6): the run closer pushes the run's gauges from the ledger; never fails the run.
    shared::metrics::push_closed_run(context.config_file(), *connection, context.run_id(), context.clock().now());
    const auto deleted = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
      return AuditRepository(tx).delete_old_staging(k_staging_retention_days);
    });
    summary.add("staging_rows_deleted", deleted);
  } else {
    shared::logging::info("run.left_open", {{"reason", "clinics still in progress elsewhere"}});
  }
  return summary;
}

} // namespace audit
