#include "stages/reconcile/reconcile_stage.hpp"

#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"
#include "shared/runs/clinic_counts.hpp"
#include "shared/runs/clinic_loop.hpp"
#include "shared/runs/run_ledger.hpp"
#include "stages/reconcile/reconcile_repository.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace reconcile {

namespace {

struct ClinicTally
{
  std::int64_t linked = 0;
  std::int64_t cases_updated = 0;
  std::int64_t cases_created = 0;
  std::int64_t needs_review = 0;
  std::int64_t unmatched = 0;
  std::int64_t failed = 0;
};

ClinicTally reconcile_clinic(ReconcileRepository& repo, const shared::RunId& run, const shared::ClinicId& clinic,
                              bool create_missing_cases, const std::string& fetched_at)
{
  ClinicTally counts;
  const auto session = repo.session_id(run, clinic);
  const auto appointments = repo.staged_appointments(run, clinic);
  std::map<std::string, const StagedAppointment*> by_appointment;
  for (const auto& appointment : appointments) {
    by_appointment.emplace(appointment.appointment_id, &appointment);
  }
  std::set<std::string> linked_cases;
  std::set<std::string> covered_appointments;
  std::set<std::string> updated_cases;

  for (const auto& staged : repo.staged_consultations(run, clinic)) {
    const auto& content = staged.content;
    if (content.appointment_id) {
      covered_appointments.insert(*content.appointment_id);
    }
    if (staged.fetch_error) {
      // A consultation whose details could not be fetched is failed and retried next run; it never
      // reads as "no notes" (data-model.md, lesson 1).
      const nlohmann::json metadata{{"error", *staged.fetch_error}};
      repo.record_status(clinic, session, content.consultation_id, content.appointment_id, std::nullopt, "failed", "",
                         metadata.dump());
      ++counts.failed;
      continue;
    }
    const auto by_consultation = repo.cases_by_consultation_id(clinic, content.consultation_id);
    const auto by_appointment_id = content.appointment_id && by_consultation.empty()
                                       ? repo.cases_by_appointment_id(clinic, *content.appointment_id)
                                       : std::vector<std::string>{};
    auto decision = decide_link(by_consultation, by_appointment_id);
    const StagedAppointment* appointment = nullptr;
    if (content.appointment_id) {
      if (const auto found = by_appointment.find(*content.appointment_id); found != by_appointment.end()) {
        appointment = found->second;
      }
    }
    if (decision.outcome == LinkOutcome::unmatched && create_missing_cases && appointment != nullptr &&
        !appointment->is_block && !appointment->patient_name.empty()) {
      bool created = false;
      decision = {.outcome = LinkOutcome::linked, .case_id = repo.ensure_case_for(clinic, *appointment, created),
                  .tier = LinkTier::created, .candidates = {}};
      counts.cases_created += created ? 1 : 0;
    }
    // One case takes at most one consultation per visit: a second claimant goes to review.
    if (decision.outcome == LinkOutcome::linked && linked_cases.contains(*decision.case_id)) {
      decision = {.outcome = LinkOutcome::needs_review, .case_id = std::nullopt, .tier = decision.tier,
                  .candidates = {*decision.case_id}};
    }
    repo.record_match(run, clinic, content.consultation_id, decision);
    if (decision.outcome != LinkOutcome::linked) {
      const bool review = decision.outcome == LinkOutcome::needs_review;
      const nlohmann::json metadata{{"review", {{"candidates", decision.candidates}}}};
      repo.record_status(clinic, session, content.consultation_id, content.appointment_id, std::nullopt,
                         review ? "needs_review" : "unmatched", content.content_hash, metadata.dump());
      ++(review ? counts.needs_review : counts.unmatched);
      continue;
    }
    const auto& case_id = *decision.case_id;
    linked_cases.insert(case_id);
    bool changed = repo.merge_notes(case_id, content, fetched_at);
    if (appointment != nullptr) {
      changed = repo.refresh_from_calendar(case_id, *appointment) || changed;
    }
    if (changed) {
      updated_cases.insert(case_id);
    }
    const nlohmann::json metadata{{"tier", to_string(*decision.tier)}};
    repo.record_status(clinic, session, content.consultation_id, content.appointment_id, case_id, "synced",
                       content.content_hash, metadata.dump());
    ++counts.linked;
  }

  // Visits without a consultation yet: their case follows the calendar, or is created so the
  // night-before schedule and the notes sync are one system.
  for (const auto& appointment : appointments) {
    if (covered_appointments.contains(appointment.appointment_id) || appointment.is_block ||
        appointment.patient_name.empty()) {
      continue;
    }
    const auto cases = repo.cases_by_appointment_id(clinic, appointment.appointment_id);
    if (cases.size() == 1) {
      if (repo.refresh_from_calendar(cases.front(), appointment)) {
        updated_cases.insert(cases.front());
      }
    } else if (cases.empty() && create_missing_cases) {
      bool created = false;
      const auto case_id = repo.ensure_case_for(clinic, appointment, created);
      counts.cases_created += created ? 1 : 0;
      // The new case follows its visit's status at once, so the next run has nothing to write.
      repo.refresh_from_calendar(case_id, appointment);
    }
  }
  counts.cases_updated = static_cast<std::int64_t>(updated_cases.size());
  return counts;
}

} // namespace

shared::app::StageSummary run_reconcile(shared::app::StageContext& context)
{
  const auto& config = context.config_file();
  const auto database = shared::db::load_database_config(config);
  const bool create_missing_cases = config.boolean("reconcile.create_missing_cases");
  const auto settings = shared::runs::load_loop_settings(config);
  shared::app::StageSummary summary;
  {
    auto connection = shared::db::open_connection(database, "reconcile.ledger");
    shared::runs::RunLedger ledger(*connection, {});
    if (ledger.join(context.run_id()) != shared::runs::Membership::working) {
      shared::logging::info("run.not_open", {{"action", "nothing to reconcile"}});
      return summary;
    }
  }
  const auto fetched_at = shared::format_iso8601(context.clock().now());
  shared::runs::CountTotals totals;
  const auto result = shared::runs::run_clinic_loop(
      database, context.run_id(), context.worker_id(), "reconcile", shared::runs::k_reconcile_states, settings,
      [&](pqxx::connection& connection, shared::runs::WorkQueue& queue, const shared::runs::WorkItem& item) {
        const auto counts = shared::db::with_transaction(connection, [&](pqxx::work& tx) {
          ReconcileRepository repo(tx);
          const auto clinic = reconcile_clinic(repo, item.run_id, item.clinic_id, create_missing_cases, fetched_at);
          const shared::runs::ClinicCounts clinic_counts{{"consultations_linked", clinic.linked},
                                                  {"cases_updated", clinic.cases_updated},
                                                  {"cases_created", clinic.cases_created},
                                                  {"consultations_in_review", clinic.needs_review},
                                                  {"consultations_unmatched", clinic.unmatched},
                                                  {"consultations_failed", clinic.failed}};
          queue.add_counts(tx, item, shared::runs::counts_json(clinic_counts));
          queue.advance(tx, item, shared::runs::k_reconcile_states);
          return clinic_counts;
        });
        totals.add(counts);
        shared::runs::log_clinic_counts("clinic.reconciled", item.clinic_id, counts);
      });
  summary.add("clinics_reconciled", result.succeeded);
  summary.add("clinics_failed", result.failed);
  totals.report(summary);
  return summary;
}

} // namespace reconcile
