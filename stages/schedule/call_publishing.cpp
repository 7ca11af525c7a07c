#include "stages/schedule/call_publishing.hpp"

#include "shared/calls/case_call_facts.hpp"
#include "shared/db/connection.hpp"
#include "shared/logging/logger.hpp"
#include "shared/vapi/vapi_client.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace schedule {

namespace {

// The VAPI account whose start slots a call takes. A deployment holds one VAPI private key
// (vapi.private_key_file), so every clinic shares one account; the column leaves room for more.
constexpr const char* k_vapi_account = "default";

shared::qstash::PublishRequest publish_request(const PublishSettings& settings, const PendingCall& call,
                                               const std::string& clinic_id, shared::Instant due)
{
  const auto version = std::to_string(call.publish_version);
  shared::qstash::PublishRequest request{.destination = settings.webhook_url, .body = {},
                                         .content_type = "application/json",
                                         .not_before_unix = shared::unix_seconds(due),
                                         .deduplication_id = "call-" + call.call_id + "-v" + version,
                                         .label = "call-" + call.call_id + "-v" + version,
                                         .retries = settings.retries, .forward_headers = {}, .redact_fields = {}};
  if (settings.mode == DestinationMode::webhook) {
    request.body = nlohmann::json{{"callId", call.call_id}, {"version", call.publish_version}}.dump();
    return request;
  }
  // vapi mode: the VAPI request itself, with the key forwarded as its Authorization. Retries 0: a
  // retry after an ambiguous VAPI 5xx may ring the owner twice (external-services.md 1.10). The
  // body and headers are redacted in QStash's console and API views.
  shared::vapi::CallRequest call_request{.call_id = call.call_id, .case_id = call.case_id, .clinic_id = clinic_id,
                                         .version = call.publish_version, .assistant_id = call.assistant_id,
                                         .phone_number_id = call.phone_number_id,
                                         .customer_number = call.customer_phone, .customer_name = {}, .variables = {}};
  const auto variables = nlohmann::json::parse(call.dynamic_variables_json, nullptr, false);
  if (variables.is_object()) {
    for (const auto& [name, value] : variables.items()) {
      call_request.variables[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    call_request.customer_name = variables.value("owner_name", std::string());
  }
  request.destination = settings.vapi_call_url;
  request.body = shared::vapi::create_call_body(call_request);
  request.retries = 0;
  request.forward_headers = {{"Authorization", "Bearer " + settings.vapi_key.reveal()}};
  request.redact_fields = "body, headers";
  return request;
}

} // namespace

PublishSettings load_publish_settings(const shared::config::ConfigFile& config)
{
  PublishSettings settings;
  settings.mode = config.text("qstash.destination_mode") == "vapi" ? DestinationMode::vapi : DestinationMode::webhook;
  settings.retries = static_cast<int>(config.integer("qstash.retries"));
  settings.batch_size = static_cast<std::size_t>(config.integer("qstash.batch_size"));
  settings.min_lead = std::chrono::minutes{config.integer("schedule.min_lead_minutes")};
  settings.max_starts_per_minute = static_cast<int>(config.integer("vapi.max_concurrent_calls"));
  if (settings.mode == DestinationMode::webhook) {
    settings.webhook_url = config.text("qstash.webhook_url");
  } else {
    const auto vapi = shared::vapi::load_vapi_config(config);
    settings.vapi_call_url = vapi.base_url + "/call";
    settings.vapi_key = vapi.private_key;
  }
  return settings;
}

void cancel_ineligible_calls(pqxx::connection& connection, shared::qstash::QstashPublisher& publisher,
                             const shared::ClinicId& clinic, PublishTally& tally)
{
  struct Doomed
  {
    ActiveCall call;
    shared::calls::RefusalReason reason;
  };
  const auto doomed = shared::db::with_transaction(connection, [&](pqxx::work& tx) {
    std::vector<Doomed> out;
    const auto calls = ScheduleRepository(tx).active_calls(clinic);
    std::vector<std::string> case_ids;
    for (const auto& call : calls) {
      case_ids.push_back(call.case_id);
    }
    const auto facts = shared::calls::load_case_call_facts(tx, case_ids);
    for (const auto& call : calls) {
      const auto found = facts.find(call.case_id);
      if (found == facts.end()) {
        continue;
      }
      if (const auto reason = shared::calls::standing_refusal(found->second)) {
        out.push_back(Doomed{call, *reason});
      }
    }
    return out;
  });
  for (const auto& [call, reason] : doomed) {
    if (call.status == "queued" && call.qstash_message_id) {
      try {
        // Message first, row second: in vapi mode nothing else could stop the call.
        const bool was_pending = publisher.cancel(*call.qstash_message_id);
        shared::logging::info("call.message_cancelled", {{"clinic_id", clinic.value}, {"call_id", call.call_id},
                                                         {"qstash_had_it", was_pending}});
      } catch (const shared::TransientError& error) {
        ++tally.cancel_deferred;
        shared::logging::warn("call.cancel_deferred", {{"clinic_id", clinic.value}, {"call_id", call.call_id},
                                                       {"error", error.what()}});
        continue;
      }
    }
    const auto reason_text = std::string(shared::calls::to_string(reason));
    const bool cancelled = shared::db::with_transaction(
        connection, [&](pqxx::work& tx) { return ScheduleRepository(tx).mark_cancelled(call.call_id, reason_text); });
    if (cancelled) {
      ++tally.cancelled;
      ++tally.cancel_reasons[reason_text];
      shared::logging::info("call.cancelled", {{"clinic_id", clinic.value}, {"call_id", call.call_id},
                                               {"reason", reason_text}});
    }
  }
}

void publish_pending_calls(pqxx::connection& connection, shared::qstash::QstashPublisher& publisher,
                           const PublishSettings& settings, const shared::ClinicId& clinic,
                           const ClinicCallSettings& clinic_settings, const shared::Clock& clock, StartSlots& slots,
                           PublishTally& tally)
{
  const shared::ClinicZone zone(clinic_settings.timezone);
  const auto hours = parse_business_hours(clinic_settings.business_hours);
  const auto pending = shared::db::with_transaction(
      connection, [&](pqxx::work& tx) { return ScheduleRepository(tx).pending_calls(clinic); });
  const auto batch_size = std::max<std::size_t>(settings.batch_size, 1);
  for (std::size_t first = 0; first < pending.size(); first += batch_size) {
    const auto last = std::min(pending.size(), first + batch_size);
    // The start is taken just before publishing, so the instant in scheduled_for is exactly the one
    // QStash gets (data-model.md, lessons 6 and 7): a due time already past (or too close) moves to
    // the next open minute at least min_lead ahead, and a minute whose starts are all taken by any
    // clinic of the account moves the call to the next open minute. A row that already holds a
    // start still ahead (a crash after taking it) keeps it.
    std::vector<std::optional<shared::Instant>> dues(last - first);
    {
      const std::lock_guard lock(slots.mutex);
      shared::db::with_transaction(connection, [&](pqxx::work& tx) {
        ScheduleRepository repo(tx);
        std::vector<std::pair<std::string, shared::Instant>> moved;
        const auto earliest = clock.now() + settings.min_lead;
        for (std::size_t i = first; i < last; ++i) {
          const auto& call = pending[i];
          if (call.holds_start && call.scheduled_for >= earliest) {
            dues[i - first] = call.scheduled_for;
            continue;
          }
          const auto minute = allocate_start(
              hours, zone, std::max(call.scheduled_for, earliest),
              [&](shared::Instant at) { return repo.take_start(k_vapi_account, at, settings.max_starts_per_minute); },
              &slots.hints);
          if (minute) {
            moved.emplace_back(call.call_id, *minute);
          }
          dues[i - first] = minute;
        }
        repo.move_due_times(moved);
      });
    }
    std::vector<std::size_t> indices;
    std::vector<shared::qstash::PublishRequest> requests;
    for (std::size_t i = first; i < last; ++i) {
      if (!dues[i - first]) {
        ++tally.unpublished;
        shared::logging::warn("call.no_start_slot", {{"clinic_id", clinic.value}, {"call_id", pending[i].call_id}});
        continue;
      }
      indices.push_back(i);
      requests.push_back(publish_request(settings, pending[i], clinic.value, *dues[i - first]));
    }
    std::vector<std::optional<shared::qstash::PublishResult>> results(requests.size());
    std::vector<std::optional<std::string>> rejections(requests.size());
    std::optional<std::string> unavailable;
    try {
      if (requests.size() > 1) {
        try {
          results = publisher.publish_batch(requests);
        } catch (const shared::qstash::PublishRejected&) {
          // The batch as a whole was refused: the single publishes below find the culprit.
        }
      }
      for (std::size_t k = 0; k < requests.size(); ++k) {
        if (results[k]) {
          continue;
        }
        try {
          results[k] = publisher.publish(requests[k]);
        } catch (const shared::qstash::PublishRejected& error) {
          rejections[k] = error.what();
        }
      }
    } catch (const shared::TransientError& error) {
      unavailable = error.what();
    }
    // Whatever QStash accepted is recorded, also when it became unavailable half-way.
    shared::db::with_transaction(connection, [&](pqxx::work& tx) {
      ScheduleRepository repo(tx);
      std::vector<std::pair<std::string, std::string>> accepted;
      for (std::size_t k = 0; k < requests.size(); ++k) {
        if (results[k]) {
          accepted.emplace_back(pending[indices[k]].call_id, results[k]->message_id);
        }
      }
      tally.published += static_cast<std::int64_t>(repo.mark_queued(accepted));
      for (std::size_t k = 0; k < requests.size(); ++k) {
        const auto& call = pending[indices[k]];
        if (results[k]) {
          continue;
        }
        if (rejections[k] && repo.mark_failed(call.call_id, *rejections[k])) {
          ++tally.failed;
          shared::logging::warn("call.rejected",
                                {{"clinic_id", clinic.value}, {"call_id", call.call_id}, {"error", *rejections[k]}});
        } else if (!results[k] && !rejections[k]) {
          ++tally.unpublished;
        }
      }
    });
    if (unavailable) {
      // QStash is unavailable: stop for this clinic; the remaining rows stay pending for the next run.
      shared::logging::warn("call.publish_deferred", {{"clinic_id", clinic.value}, {"error", *unavailable}});
      tally.unpublished += static_cast<std::int64_t>(pending.size() - last);
      return;
    }
  }
}

} // namespace schedule
