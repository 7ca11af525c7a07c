#include "shared/posthog/posthog_outbox.hpp"

#include "shared/crypto/hashing.hpp"
#include "shared/db/connection.hpp"

namespace shared::posthog {

namespace {

// Our fixed project namespace for event uuids. Changing it would resend every event as new.
constexpr std::string_view k_event_namespace = "0b6f6d0e-5c1a-4f3e-9a57-4c1d2f1e7a39";

constexpr db::Query k_enqueue{"posthog.enqueue", R"sql(
  INSERT INTO posthog_outbox (uuid, event, distinct_id, occurred_at, properties)
  VALUES ($1::uuid, $2, $3, $4::timestamptz, $5::jsonb)
  ON CONFLICT (uuid) DO NOTHING)sql"};

} // namespace

std::string event_uuid(std::string_view event, std::string_view natural_key)
{
  return crypto::uuid5(k_event_namespace, std::string(event) + "|" + std::string(natural_key));
}

bool enqueue(pqxx::work& tx, const Event& event)
{
  auto properties = event.properties.is_object() ? event.properties : nlohmann::json::object();
  properties["$process_person_profile"] = false;
  return db::run(tx, k_enqueue, event_uuid(event.event, event.natural_key), event.event, event.distinct_id,
                 format_iso8601(event.occurred_at), properties.dump())
             .affected_rows() == 1;
}

} // namespace shared::posthog
