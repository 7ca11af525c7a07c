#include "stages/schedule/schedule_stage.hpp"

#include "shared/calls/case_call_facts.hpp"
#include "shared/db/connection.hpp"
#include "shared/idexx/idexx_parsing.hpp"
#include "shared/logging/logger.hpp"
#include "shared/qstash/http_qstash_publisher.hpp"
#include "shared/runs/clinic_counts.hpp"
#include "shared/runs/clinic_loop.hpp"
#include "shared/runs/run_ledger.hpp"
#include "stages/schedule/call_planner.hpp"
#include "stages/schedule/call_publishing.hpp"
#include "stages/schedule/schedule_repository.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace schedule {

namespace {

struct ScheduleSettings
{
  bool require_notes = true;
  std::chrono::minutes min_lead{2};
  std::string default_assistant_id;
  std::string default_phone_number_id;
  shared::qstash::QstashConfig qstash;
  PublishSettings publishing;
};

ScheduleSettings load_settings(const shared::config::ConfigFile& config)
{
  return ScheduleSettings{.require_notes = config.boolean("schedule.require_notes"),
                          .min_lead = std::chrono::minutes{config.integer("schedule.min_lead_minutes")},
                          .default_assistant_id = config.text("vapi.assistant_id"),
                          .default_phone_number_id = config.text("vapi.phone_number_id"),
                          .qstash = shared::qstash::load_qstash_config(config),
                          .publishing = load_publish_settings(config)};
}

// "16:00" or "16:00:00" -> minutes after midnight.
std::optional<std::chrono::minutes> time_of_day(const std::optional<std::string>& text)
{
  if (!text || text->size() < 5) {
    return std::nullopt;
  }
  return std::chrono::minutes{std::stoi(text->substr(0, 2)) * 60 + std::stoi(text->substr(3, 2))};
}

std::chrono::year_month_day parse_day(const std::string& text)
{
  return std::chrono::year_month_day{std::chrono::year{std::stoi(text.substr(0, 4))},
                                     std::chrono::month{static_cast<unsigned>(std::stoi(text.substr(5, 2)))},
                                     std::chrono::day{static_cast<unsigned>(std::stoi(text.substr(8, 2)))}};
}

std::string dynamic_variables(const ClinicCallSettings& clinic, const LinkedConsultation& consultation)
{
  const auto& summary = consultation.discharge_summary_text.empty() ? consultation.notes_text
                                                                   : consultation.discharge_summary_text;
  const nlohmann::json variables{{"pet_name", consultation.pet_name},
                                 {"owner_name", consultation.owner_name},
                                 {"clinic_name", clinic.name},
                                 {"clinic_phone", clinic.phone},
                                 {"appointment_date", consultation.visit_date},
                                 {"call_type", "discharge"},
                                 {"pet_species", consultation.pet_species},
                                 {"discharge_summary", summary.substr(0, 4000)}};
  return variables.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct ClinicTally
{
  std::int64_t planned = 0;
  std::int64_t skipped = 0;
  std::map<std::string, std::int64_t> skip_reasons;
};

// Writes the outbox rows of one clinic (pending_publish, or skipped with its reason).
void plan_clinic(ScheduleRepository& repo, const ScheduleSettings& settings, const shared::RunId& run,
                 const shared::ClinicId& clinic_id, const ClinicCallSettings& clinic, shared::Instant now,
                 ClinicTally& counts)
{
  const shared::ClinicZone zone(clinic.timezone);
  const auto region = shared::idexx::phone_region_for(clinic.timezone);
  const auto hours = parse_business_hours(clinic.business_hours);
  if (hours.assumed) {
    shared::logging::warn("clinic.business_hours_assumed", {{"clinic_id", clinic_id.value},
                                                            {"assumed", "Monday-Friday 09:00-17:00"}});
  }
  const auto assistant = clinic.assistant_id.value_or(settings.default_assistant_id);
  const auto phone_number = clinic.phone_number_id.value_or(settings.default_phone_number_id);
  const auto consultations = repo.linked_consultations(clinic_id, *clinic.session_id);
  std::vector<std::string> case_ids;
  for (const auto& consultation : consultations) {
    case_ids.push_back(consultation.case_id);
  }
  auto facts = shared::calls::load_case_call_facts(repo.transaction(), case_ids);
  for (const auto& consultation : consultations) {
    if (consultation.our_call_status && *consultation.our_call_status != "skipped") {
      continue; // one discharge call per case, whatever run made it; only a skipped one is decided again
    }
    auto& case_facts = facts.at(consultation.case_id);
    if (!consultation.appointment_status.empty()) {
      case_facts.appointment_status = consultation.appointment_status; // this run's calendar is newest
    }
    CallCandidate candidate{.case_status = consultation.case_status,
                            .standing = shared::calls::standing_refusal(case_facts),
                            .has_notes = !consultation.notes_text.empty() || !consultation.discharge_summary_text.empty(),
                            .phone_e164 = shared::idexx::normalise_phone(consultation.owner_phone_raw, region),
                            .product_call_exists = consultation.product_call_exists,
                            .visit_day = {},
                            .case_delay_days = consultation.case_delay_days};
    if (consultation.visit_date.size() == 10) {
      candidate.visit_day = parse_day(consultation.visit_date);
    } else if (!consultation.visit_start.empty()) {
      candidate.visit_day = zone.local_date(shared::parse_iso8601(consultation.visit_start));
    } else {
      candidate.visit_day = zone.local_date(now);
    }
    // Precedence (data-model.md 7): the case's own delay, then the case type's cadence, then the
    // clinic's config, then 2 days at 16:00 where a value is NULL.
    ClinicCallPolicy policy{.calls_enabled = clinic.auto_calls && !consultation.cadence_blocks,
                            .require_notes = settings.require_notes,
                            .vapi_configured = !assistant.empty() && !phone_number.empty(),
                            .delay_days = consultation.cadence_delay_days.value_or(clinic.delay_days.value_or(2)),
                            .call_time = time_of_day(consultation.cadence_call_time)
                                             .value_or(time_of_day(clinic.call_time).value_or(std::chrono::minutes{16 * 60})),
                            .min_lead = settings.min_lead,
                            .hours = hours};
    const auto plan = plan_discharge_call(candidate, policy, zone, now);
    if (!plan.due && !plan.skipped) {
      continue; // the visit is not finished yet; a later run decides
    }
    nlohmann::json metadata{{"source", "idexx-sync"}, {"run_id", run.value},
                            {"neo_consultation_id", consultation.consultation_id},
                            {"neo_appointment_id", consultation.appointment_id}, {"timezone", clinic.timezone}};
    auto phone = candidate.phone_e164;
    if (clinic.test_mode && plan.due) {
      // A call owner in test mode gets the call on the test phone, never the owner's (data-model.md 3).
      phone = clinic.test_phone;
      metadata["test_mode"] = true;
    }
    if (plan.skipped) {
      metadata["skip_reason"] = std::string(to_string(*plan.skipped));
      ++counts.skip_reasons[std::string(to_string(*plan.skipped))];
    }
    const ScheduleRepository::NewCall call{
        .user_id = *clinic.call_owner, .case_id = consultation.case_id,
        .assistant_id = assistant.empty() ? std::nullopt : std::optional<std::string>(assistant),
        .phone_number_id = phone_number.empty() ? std::nullopt : std::optional<std::string>(phone_number),
        .customer_phone = phone, .scheduled_for = plan.due.value_or(now),
        .status = plan.due ? "pending_publish" : "skipped",
        .dynamic_variables_json = dynamic_variables(clinic, consultation), .metadata_json = metadata.dump()};
    if (repo.insert_call(call)) {
      ++(plan.due ? counts.planned : counts.skipped);
    }
  }
}

} // namespace

shared::app::StageSummary run_schedule(shared::app::StageContext& context)
{
  shared::app::StageSummary summary;
  const auto& config = context.config_file();
  const auto database = shared::db::load_database_config(config);
  const auto settings = load_settings(config);
  const auto loop = shared::runs::load_loop_settings(config);
  {
    auto connection = shared::db::open_connection(database, "schedule.ledger");
    shared::runs::RunLedger ledger(*connection, {});
    if (ledger.join(context.run_id()) != shared::runs::Membership::working) {
      shared::logging::info("run.not_open", {{"action", "nothing to schedule"}});
      return summary;
    }
  }
  shared::runs::CountTotals totals;
  StartSlots start_slots;
  const auto result = shared::runs::run_clinic_loop(
      database, context.run_id(), context.worker_id(), "schedule", shared::runs::k_schedule_states, loop,
      [&](pqxx::connection& connection, shared::runs::WorkQueue& queue, const shared::runs::WorkItem& item) {
        ClinicTally clinic_counts;
        PublishTally published;
        const auto now = context.clock().now();
        const auto clinic = shared::db::with_transaction(connection, [&](pqxx::work& tx) {
          ScheduleRepository repo(tx);
          auto settings_row = repo.clinic(item.run_id, item.clinic_id);
          if (!settings_row.session_id || !settings_row.call_owner) {
            throw shared::InvariantError("no sync session for this clinic and run: extract opens it");
          }
          plan_clinic(repo, settings, item.run_id, item.clinic_id, settings_row, now, clinic_counts);
          return settings_row;
        });
        // One publisher per clinic: the HTTP client is used by one thread at a time.
        auto publisher = shared::qstash::make_http_qstash_publisher(settings.qstash);
        cancel_ineligible_calls(connection, *publisher, item.clinic_id, published);
        publish_pending_calls(connection, *publisher, settings.publishing, item.clinic_id, clinic, context.clock(),
                              start_slots, published);
        shared::runs::ClinicCounts counts{{"calls_planned", clinic_counts.planned},
                                          {"calls_scheduled", published.published},
                                          {"calls_skipped", clinic_counts.skipped},
                                          {"calls_unpublished", published.unpublished},
                                          {"calls_failed", published.failed},
                                          {"calls_cancelled", published.cancelled},
                                          {"calls_cancel_deferred", published.cancel_deferred}};
        for (const auto& [reason, count] : clinic_counts.skip_reasons) {
          counts.emplace_back("calls_skipped_" + reason, count);
        }
        for (const auto& [reason, count] : published.cancel_reasons) {
          counts.emplace_back("calls_cancelled_" + reason, count);
        }
        shared::db::with_transaction(connection, [&](pqxx::work& tx) {
          queue.add_counts(tx, item, shared::runs::counts_json(counts));
          queue.advance(tx, item, shared::runs::k_schedule_states);
        });
        totals.add(counts);
        shared::runs::log_clinic_counts("clinic.scheduled", item.clinic_id, counts);
      });
  summary.add("clinics_scheduled", result.succeeded);
  summary.add("clinics_failed", result.failed);
  totals.report(summary);
  return summary;
}

} // namespace schedule
