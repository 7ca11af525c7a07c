#include "stages/reconcile/reconcile_stage.hpp"

#include "shared/core/clinic_time.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"
#include "shared/runs/clinic_counts.hpp"
#include "shared/runs/clinic_loop.hpp"
#include "shared/runs/run_ledger.hpp"
#include "stages/reconcile/reconcile_repository.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
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

// The cases of one clinic the run may link, indexed by the ids they carry.
struct CaseIndex
{
  std::vector<CandidateCase> cases;
  std::map<std::string, std::vector<std::size_t>> by_consultation;
  std::map<std::string, std::vector<std::size_t>> by_appointment;

  [[nodiscard]] std::vector<std::string> ids(const std::map<std::string, std::vector<std::size_t>>& index,
                                             const std::optional<std::string>& key) const
  {
    std::vector<std::string> out;
    if (key) {
      if (const auto found = index.find(*key); found != index.end()) {
        for (const auto i : found->second) {
          out.push_back(cases[i].record.id);
        }
      }
    }
    return out;
  }
};

std::string iso(shared::Instant instant) { return shared::format_iso8601(instant); }

VisitRecord visit_of(const StagedAppointment& appointment)
{
  return VisitRecord{.id = appointment.appointment_id, .pet_name = appointment.patient_name,
                     .owner_name = appointment.client_name, .phone = appointment.phone_raw,
                     .provider = appointment.provider, .patient_id = appointment.patient_id,
                     .client_id = appointment.client_id, .appointment_id = appointment.appointment_id,
                     .species = std::nullopt, .start = shared::parse_iso8601(appointment.start_at),
                     .local_date = std::nullopt};
}

// A tier-3 decision in the stage's vocabulary, with the candidates' case ids and scores.
LinkDecision link_decision_of(const MatchDecision& match, const std::vector<const CandidateCase*>& pool)
{
  LinkDecision decision;
  decision.tier = LinkTier::probabilistic;
  decision.reason = match.reason;
  if (!match.candidates.empty()) {
    decision.score = match.score;
  }
  for (const auto& candidate : match.candidates) {
    const auto& case_id = pool[candidate.case_index]->record.id;
    decision.candidates.push_back(case_id);
    decision.scored.emplace_back(case_id, candidate.score);
  }
  if (match.outcome == MatchOutcome::linked) {
    decision.outcome = LinkOutcome::linked;
    decision.case_id = pool[*match.case_index]->record.id;
    decision.scored.clear(); // a link keeps its total; the per-field weights are for review
  } else if (match.outcome == MatchOutcome::needs_review) {
    decision.outcome = LinkOutcome::needs_review;
  } else {
    decision.tier.reset();
  }
  return decision;
}

ClinicTally reconcile_clinic(ReconcileRepository& repo, const shared::RunId& run, const shared::ClinicId& clinic,
                             bool create_missing_cases, const std::string& fetched_at, const LinkageParams& params)
{
  ClinicTally counts;
  const auto session = repo.session_id(run, clinic);
  const auto profile = repo.clinic_profile(clinic);
  const shared::ClinicZone zone(profile.timezone);
  const auto region = shared::idexx::phone_region_for(profile.timezone);
  const auto clinic_e164 = shared::idexx::normalise_phone(profile.phone, region).value_or("");
  const auto appointments = repo.staged_appointments(run, clinic);
  auto staged = repo.staged_consultations(run, clinic);

  // One statement loads every case the run's consultations and visits may belong to.
  std::vector<std::string> consultation_ids;
  std::vector<std::string> appointment_ids;
  std::optional<shared::Instant> earliest;
  std::optional<shared::Instant> latest;
  const auto widen = [&](shared::Instant instant) {
    earliest = earliest ? std::min(*earliest, instant) : instant;
    latest = latest ? std::max(*latest, instant) : instant;
  };
  std::set<std::string> covered_appointments;
  for (auto& consultation : staged) {
    consultation_ids.push_back(consultation.content.consultation_id);
    if (consultation.content.appointment_id) {
      appointment_ids.push_back(*consultation.content.appointment_id);
      covered_appointments.insert(*consultation.content.appointment_id);
    }
    if (consultation.visit.start) {
      consultation.visit.local_date = std::chrono::sys_days(zone.local_date(*consultation.visit.start));
      widen(*consultation.visit.start);
    }
  }
  for (const auto& appointment : appointments) {
    appointment_ids.push_back(appointment.appointment_id);
    widen(shared::parse_iso8601(appointment.start_at));
  }
  // The blocks reach 7 local days (rule B); one more day on either side covers any zone offset.
  const auto slack = std::chrono::days(8);
  const auto from = earliest ? iso(*earliest - slack) : iso(shared::Instant{});
  const auto to = latest ? iso(*latest + slack) : iso(shared::Instant{});
  CaseIndex index{.cases = repo.candidate_cases(clinic, consultation_ids, appointment_ids, from, to), .by_consultation = {},
                  .by_appointment = {}};
  for (std::size_t i = 0; i < index.cases.size(); ++i) {
    auto& record = index.cases[i].record;
    if (record.start) {
      record.local_date = std::chrono::sys_days(zone.local_date(*record.start));
    }
    for (const auto& id : index.cases[i].consultation_ids) {
      index.by_consultation[id].push_back(i);
    }
    for (const auto& id : index.cases[i].appointment_ids) {
      index.by_appointment[id].push_back(i);
    }
  }

  // Tiers 1 and 2 first: whatever they link leaves the pool for tier 3.
  std::vector<LinkDecision> decisions(staged.size());
  std::set<std::string> claimed;
  for (std::size_t i = 0; i < staged.size(); ++i) {
    const auto& content = staged[i].content;
    if (staged[i].fetch_error) {
      continue;
    }
    const auto by_consultation = index.ids(index.by_consultation, content.consultation_id);
    const auto by_appointment_id =
        by_consultation.empty() ? index.ids(index.by_appointment, content.appointment_id) : std::vector<std::string>{};
    decisions[i] = decide_link(by_consultation, by_appointment_id);
    claimed.insert(decisions[i].candidates.begin(), decisions[i].candidates.end());
    if (decisions[i].case_id) {
      claimed.insert(*decisions[i].case_id);
    }
  }
  // Visits without a consultation yet whose case carries their appointment id.
  std::vector<const StagedAppointment*> uncovered;
  std::map<const StagedAppointment*, std::vector<std::string>> uncovered_by_id;
  for (const auto& appointment : appointments) {
    const bool has_consultation = covered_appointments.contains(appointment.appointment_id) ||
                                  (appointment.consultation_id &&
                                   std::find(consultation_ids.begin(), consultation_ids.end(),
                                             *appointment.consultation_id) != consultation_ids.end());
    if (has_consultation || appointment.is_block || appointment.patient_name.empty()) {
      continue;
    }
    uncovered.push_back(&appointment);
    const auto cases = index.ids(index.by_appointment, appointment.appointment_id);
    claimed.insert(cases.begin(), cases.end());
    uncovered_by_id.emplace(&appointment, cases);
  }

  // Tier 3 over what is left: consultations no id linked, and visits without a case by id, against
  // cases that carry no consultation id and were not claimed by an id.
  std::vector<const CandidateCase*> pool;
  for (const auto& candidate : index.cases) {
    if (candidate.consultation_ids.empty() && !claimed.contains(candidate.record.id) && candidate.record.local_date) {
      pool.push_back(&candidate);
    }
  }
  std::vector<PreparedRecord> pool_records;
  NameFrequencies frequencies;
  for (const auto& [pet, owner] : repo.case_names(clinic, to)) {
    const auto owner_name = parse_owner_name(owner);
    frequencies.add_pet(parse_pet_name(pet, owner_name.surnames).full);
    frequencies.add_surname(owner_name.surname);
  }
  for (const auto* candidate : pool) {
    pool_records.push_back(prepare(candidate->record, region, clinic_e164));
  }
  std::vector<PreparedRecord> visits;
  std::vector<std::size_t> visit_consultation; // staged index, or npos for an uncovered appointment
  std::vector<const StagedAppointment*> visit_appointment;
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (!staged[i].fetch_error && decisions[i].outcome == LinkOutcome::unmatched) {
      visits.push_back(prepare(staged[i].visit, region, clinic_e164));
      visit_consultation.push_back(i);
      visit_appointment.push_back(nullptr);
    }
  }
  for (const auto* appointment : uncovered) {
    if (uncovered_by_id[appointment].empty()) {
      auto record = visit_of(*appointment);
      record.local_date = std::chrono::sys_days(zone.local_date(*record.start));
      visits.push_back(prepare(record, region, clinic_e164));
      visit_consultation.push_back(std::string::npos);
      visit_appointment.push_back(appointment);
    }
  }
  const auto matches = match_visits(visits, pool_records, frequencies, params);
  std::map<const StagedAppointment*, LinkDecision> appointment_decisions;
  for (std::size_t v = 0; v < visits.size(); ++v) {
    auto decision = link_decision_of(matches[v], pool);
    if (visit_consultation[v] != std::string::npos) {
      decisions[visit_consultation[v]] = std::move(decision);
    } else {
      appointment_decisions.emplace(visit_appointment[v], std::move(decision));
    }
  }

  std::map<std::string, const StagedAppointment*> by_appointment;
  for (const auto& appointment : appointments) {
    by_appointment.emplace(appointment.appointment_id, &appointment);
  }
  // The writes are collected and sent as one statement each for the clinic (set-based: four
  // statements instead of four per consultation).
  std::set<std::string> linked_cases;
  std::vector<NotesWrite> notes;
  std::vector<CalendarWrite> calendar;
  std::vector<StatusWrite> statuses;
  std::vector<std::pair<std::string, LinkDecision>> matches_made;
  std::set<std::string> created_for_visits; // refreshed at once; not counted as updated
  for (std::size_t i = 0; i < staged.size(); ++i) {
    const auto& content = staged[i].content;
    if (staged[i].fetch_error) {
      // A consultation whose details could not be fetched is failed and retried next run; it never
      // reads as "no notes" (data-model.md, lesson 1).
      const nlohmann::json metadata{{"error", *staged[i].fetch_error}};
      statuses.push_back({content.consultation_id, content.appointment_id, std::nullopt, "failed", "",
                          metadata.dump()});
      ++counts.failed;
      continue;
    }
    auto& decision = decisions[i];
    const StagedAppointment* appointment = nullptr;
    if (content.appointment_id) {
      if (const auto found = by_appointment.find(*content.appointment_id); found != by_appointment.end()) {
        appointment = found->second;
      }
    }
    if (decision.outcome == LinkOutcome::unmatched && create_missing_cases && appointment != nullptr &&
        !appointment->is_block && !appointment->patient_name.empty()) {
      bool created = false;
      decision = LinkDecision{.outcome = LinkOutcome::linked,
                              .case_id = repo.ensure_case_for(clinic, *appointment, created),
                              .tier = LinkTier::created, .candidates = {}, .score = {}, .reason = {}, .scored = {}};
      counts.cases_created += created ? 1 : 0;
    }
    // One case takes at most one consultation per visit: a second claimant goes to review.
    if (decision.outcome == LinkOutcome::linked && linked_cases.contains(*decision.case_id)) {
      decision = LinkDecision{.outcome = LinkOutcome::needs_review, .case_id = std::nullopt, .tier = decision.tier,
                              .candidates = {*decision.case_id}, .score = {}, .reason = "case_taken", .scored = {}};
    }
    matches_made.emplace_back(content.consultation_id, decision);
    if (decision.outcome != LinkOutcome::linked) {
      const bool review = decision.outcome == LinkOutcome::needs_review;
      statuses.push_back({content.consultation_id, content.appointment_id, std::nullopt,
                          review ? "needs_review" : "unmatched", content.content_hash,
                          review_metadata_json(decision)});
      ++(review ? counts.needs_review : counts.unmatched);
      continue;
    }
    const auto& case_id = *decision.case_id;
    linked_cases.insert(case_id);
    notes.emplace_back(case_id, &content);
    if (appointment != nullptr) {
      calendar.emplace_back(case_id, appointment);
    }
    const nlohmann::json metadata{{"tier", to_string(*decision.tier)}};
    statuses.push_back({content.consultation_id, content.appointment_id, case_id, "synced", content.content_hash,
                        metadata.dump()});
    ++counts.linked;
  }

  // Visits without a consultation yet: their case follows the calendar, or is created so the
  // night-before schedule and the notes sync are one system. A visit whose case is uncertain
  // (review) gets neither.
  for (const auto* appointment : uncovered) {
    const auto& by_id = uncovered_by_id[appointment];
    std::optional<std::string> case_id;
    if (by_id.size() == 1) {
      case_id = by_id.front();
    } else if (by_id.empty()) {
      const auto& decision = appointment_decisions.at(appointment);
      if (decision.outcome == LinkOutcome::linked && !linked_cases.contains(*decision.case_id)) {
        case_id = decision.case_id;
      } else if (decision.outcome == LinkOutcome::unmatched && create_missing_cases) {
        bool created = false;
        case_id = repo.ensure_case_for(clinic, *appointment, created);
        counts.cases_created += created ? 1 : 0;
        // The new case follows its visit's status at once, so the next run has nothing to write.
        created_for_visits.insert(*case_id);
      }
    }
    if (case_id) {
      calendar.emplace_back(*case_id, appointment);
    }
  }
  // Notes first, then the calendar keys: the same order a single case would see.
  auto updated_cases = repo.merge_notes(notes, fetched_at);
  for (const auto& id : repo.refresh_from_calendar(calendar)) {
    if (!created_for_visits.contains(id)) {
      updated_cases.insert(id);
    }
  }
  repo.record_matches(run, clinic, matches_made, params.version);
  repo.record_statuses(clinic, session, statuses);
  counts.cases_updated = static_cast<std::int64_t>(updated_cases.size());
  return counts;
}

} // namespace

shared::app::StageSummary run_reconcile(shared::app::StageContext& context)
{
  const auto& config = context.config_file();
  const auto database = shared::db::load_database_config(config);
  const bool create_missing_cases = config.boolean("reconcile.create_missing_cases");
  const auto settings = shared::runs::load_loop_settings(config, "reconcile.threads");
  LinkageParams params;
  params.link_threshold = static_cast<double>(config.integer("reconcile.link_threshold_bits"));
  params.margin = static_cast<double>(config.integer("reconcile.margin_bits"));
  // staging_matches.params_version names the weights and the thresholds that decided.
  params.version += "/link=" + std::to_string(config.integer("reconcile.link_threshold_bits")) +
                    "/margin=" + std::to_string(config.integer("reconcile.margin_bits"));
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
          const auto clinic =
              reconcile_clinic(repo, item.run_id, item.clinic_id, create_missing_cases, fetched_at, params);
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
