#include "stages/schedule/schedule_stage.hpp"

#include "shared/db/connection.hpp"
#include "shared/idexx/idexx_parsing.hpp"
#include "shared/logging/logger.hpp"
#include "shared/qstash/http_qstash_publisher.hpp"
#include "shared/runs/clinic_counts.hpp"
#include "shared/runs/clinic_loop.hpp"
#include "shared/runs/run_ledger.hpp"
#include "stages/schedule/call_planner.hpp"
#include "stages/schedule/schedule_repository.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace schedule {

namespace {

struct ScheduleSettings
{
  bool require_notes = true;
  std::chrono::minutes min_lead{2};
  std::string webhook_url;
  int retries = 3;
  std::string default_assistant_id;
  std::string default_phone_number_id;
  shared::qstash::QstashConfig qstash;
};

ScheduleSettings load_settings(const shared::config::ConfigFile& config)
{
  if (config.text("qstash.destination_mode") != "webhook") {
    throw shared::ConfigError("qstash.destination_mode: only 'webhook' is implemented so far");
  }
  return ScheduleSettings{.require_notes = config.boolean("schedule.require_notes"),
                          .min_lead = std::chrono::minutes{config.integer("schedule.min_lead_minutes")},
                          .webhook_url = config.text("qstash.webhook_url"),
                          .retries = static_cast<int>(config.integer("qstash.retries")),
                          .default_assistant_id = config.text("vapi.assistant_id"),
                          .default_phone_number_id = config.text("vapi.phone_number_id"),
                          .qstash = shared::qstash::load_qstash_config(config)};
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
  std::int64_t published = 0;
  std::int64_t unpublished = 0;
  std::int64_t failed = 0;
  std::map<std::string, std::int64_t> skip_reasons;
};

// Writes the outbox rows of one clinic (pending_publish, or skipped with its reason).
void plan_clinic(ScheduleRepository& repo, const ScheduleSettings& settings, const shared::RunId& run,
                 const shared::ClinicId& clinic_id, const ClinicCallSettings& clinic, shared::Instant now,
                 ClinicTally& counts)
{
  const shared::ClinicZone zone(clinic.timezone);
  const auto region = shared::idexx::phone_region_for(clinic.timezone);
  const auto assistant = clinic.assistant_id.value_or(settings.default_assistant_id);
  const auto phone_number = clinic.phone_number_id.value_or(settings.default_phone_number_id);
  for (const auto& consultation : repo.linked_consultations(clinic_id, *clinic.session_id)) {
    if (repo.call_exists(consultation.case_id)) {
      continue; // one discharge call per case, whatever run made it
    }
    CallCandidate candidate{.case_status = consultation.case_status,
                            .appointment_status = consultation.appointment_status,
                            .case_calls_enabled = consultation.call_enabled,
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
                            .min_lead = settings.min_lead};
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

// Publishes every pending call of the clinic, each in its own small transaction after the row that
// describes it was committed (outbox). A publish that keeps failing leaves its row pending_publish
// for the next run.
void publish_clinic(pqxx::connection& connection, shared::qstash::QstashPublisher& publisher,
                    const ScheduleSettings& settings, const shared::ClinicId& clinic, shared::Instant now,
                    ClinicTally& counts)
{
  const auto pending = shared::db::with_transaction(
      connection, [&](pqxx::work& tx) { return ScheduleRepository(tx).pending_calls(clinic); });
  for (const auto& call : pending) {
    // A due time already past (or too close) moves ahead before publishing, so the instant in
    // scheduled_for is exactly the one QStash gets (data-model.md, lessons 6 and 7).
    const auto due = std::max(call.scheduled_for, now + settings.min_lead);
    if (due != call.scheduled_for) {
      shared::db::with_transaction(connection,
                                   [&](pqxx::work& tx) { ScheduleRepository(tx).move_due_time(call.call_id, due); });
    }
    const auto version = std::to_string(call.publish_version);
    const nlohmann::json body{{"callId", call.call_id}, {"version", call.publish_version}};
    const shared::qstash::PublishRequest request{.destination = settings.webhook_url, .body = body.dump(),
                                                 .content_type = "application/json",
                                                 .not_before_unix = shared::unix_seconds(due),
                                                 .deduplication_id = "call-" + call.call_id + "-v" + version,
                                                 .label = "call-" + call.call_id + "-v" + version,
                                                 .retries = settings.retries, .forward_headers = {}};
    try {
      const auto result = publisher.publish(request);
      shared::db::with_transaction(connection, [&](pqxx::work& tx) {
        if (ScheduleRepository(tx).mark_queued(call.call_id, result.message_id)) {
          ++counts.published;
        }
      });
      shared::logging::info("call.published", {{"clinic_id", clinic.value}, {"call_id", call.call_id},
                                               {"deduplicated", result.deduplicated}});
    } catch (const shared::qstash::PublishRejected& error) {
      shared::db::with_transaction(connection,
                                   [&](pqxx::work& tx) { ScheduleRepository(tx).mark_failed(call.call_id, error.what()); });
      shared::logging::warn("call.rejected", {{"clinic_id", clinic.value}, {"call_id", call.call_id}, {"error", error.what()}});
      ++counts.failed;
    } catch (const shared::TransientError& error) {
      // QStash is unavailable: stop for this clinic; the rows stay pending for the next run.
      shared::logging::warn("call.publish_deferred", {{"clinic_id", clinic.value}, {"error", error.what()}});
      counts.unpublished += static_cast<std::int64_t>(pending.size()) - counts.published - counts.failed;
      return;
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
  const auto result = shared::runs::run_clinic_loop(
      database, context.run_id(), context.worker_id(), "schedule", shared::runs::k_schedule_states, loop,
      [&](pqxx::connection& connection, shared::runs::WorkQueue& queue, const shared::runs::WorkItem& item) {
        ClinicTally clinic_counts;
        const auto now = context.clock().now();
        shared::db::with_transaction(connection, [&](pqxx::work& tx) {
          ScheduleRepository repo(tx);
          const auto clinic = repo.clinic(item.run_id, item.clinic_id);
          if (!clinic.session_id || !clinic.call_owner) {
            throw shared::InvariantError("no sync session for this clinic and run: extract opens it");
          }
          plan_clinic(repo, settings, item.run_id, item.clinic_id, clinic, now, clinic_counts);
        });
        // One publisher per clinic: the HTTP client is used by one thread at a time.
        auto publisher = shared::qstash::make_http_qstash_publisher(settings.qstash);
        publish_clinic(connection, *publisher, settings, item.clinic_id, now, clinic_counts);
        shared::runs::ClinicCounts counts{{"calls_planned", clinic_counts.planned},
                                          {"calls_scheduled", clinic_counts.published},
                                          {"calls_skipped", clinic_counts.skipped},
                                          {"calls_unpublished", clinic_counts.unpublished},
                                          {"calls_failed", clinic_counts.failed}};
        for (const auto& [reason, count] : clinic_counts.skip_reasons) {
          counts.emplace_back("calls_skipped_" + reason, count);
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
