#include "stages/audit/audit_stage.hpp"

#include "shared/app/version.hpp"
#include "shared/audit/audit_chain.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"
#include "shared/metrics/run_metrics.hpp"
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

ClinicAudit audit_clinic(pqxx::work& tx, AuditRepository& repo, const shared::RunId& run, const FinishedClinic& clinic,
                         const shared::Clock& clock, const std::string& user_agent)
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
  const auto counts = nlohmann::json::parse(clinic.counts_json);
  nlohmann::json count_details = nlohmann::json::object();
  for (const auto& [key, value] : counts.items()) {
    if (value.is_number_integer()) {
      count_details[key] = value;
    }
  }
  append("sync_started", "sync_session", clinic.session_id, "success", nlohmann::json::object());
  if (clinic.credential_id) {
    append("credential_access", "credential", clinic.credential_id, "success", {{"purpose", "idexx_login"}});
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
  for (const auto& call : repo.calls(run, clinic.clinic_id)) {
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
      entries += audit_clinic(tx, repo, context.run_id(), *clinic, context.clock(), user_agent).entries_written;
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
