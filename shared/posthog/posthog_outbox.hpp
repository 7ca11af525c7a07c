#pragma once

#include "shared/core/clock.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <string>
#include <string_view>

// PostHog events go out through an outbox (architecture.md, Consistency 3): a row written in the
// transaction that did what the event reports, sent later by flush_posthog_outbox.
namespace shared::posthog {

struct Event
{
  std::string event;       // one of the five names the outbox's CHECK allows
  std::string natural_key; // what makes it unique, e.g. the run id, or "<call id>|v<n>"
  std::string distinct_id; // the clinic's UUID for clinic events; never a name, phone or e-mail
  Instant occurred_at;     // the event's `timestamp`, stored so a resend is byte-identical
  nlohmann::json properties = nlohmann::json::object(); // counts, ids, reasons only: no PHI
};

// UUIDv5 of "<event>|<natural key>" in the project's namespace (external-services.md §3.4).
std::string event_uuid(std::string_view event, std::string_view natural_key);

// Inserts `event` in `tx` unless an event with the same uuid is there already; true when inserted.
// `$process_person_profile: false` is added to the properties (backend events create no persons).
bool enqueue(pqxx::work& tx, const Event& event);

} // namespace shared::posthog
