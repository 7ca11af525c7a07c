#include "stages/dispatch/dispatch_repository.hpp"

#include "shared/db/connection.hpp"

namespace dispatch {

namespace {

using shared::db::Query;

constexpr Query k_find{"dispatch.find_call", R"sql(
  SELECT status, publish_version, vapi_call_id IS NOT NULL FROM scheduled_discharge_calls WHERE id = $1::uuid)sql"};

constexpr Query k_claim{"dispatch.claim_call", R"sql(
  UPDATE scheduled_discharge_calls d
     SET status = 'dialing',
         metadata = coalesce(d.metadata, '{}'::jsonb) || jsonb_build_object('dialing_at', now()),
         updated_at = now()
    FROM cases c
   WHERE d.id = $1::uuid AND d.status = 'queued' AND d.vapi_call_id IS NULL AND d.publish_version = $2
     AND c.id = d.case_id
  RETURNING d.case_id, c.clinic_id, coalesce(d.assistant_id, ''), coalesce(d.outbound_phone_number_id, ''),
            coalesce(d.customer_phone, ''), coalesce(d.dynamic_variables, '{}'::jsonb)::text)sql"};

constexpr Query k_cancel{"dispatch.cancel_call", R"sql(
  UPDATE scheduled_discharge_calls
     SET status = 'cancelled',
         metadata = coalesce(metadata, '{}'::jsonb) ||
                    jsonb_build_object('cancel_reason', $2::text, 'cancelled_at', now(), 'cancelled_by', 'dispatch'),
         updated_at = now()
   WHERE id = $1::uuid AND status = 'dialing' AND vapi_call_id IS NULL)sql"};

constexpr Query k_record{"dispatch.record_vapi_call", R"sql(
  UPDATE scheduled_discharge_calls
     SET vapi_call_id = $2,
         metadata = coalesce(metadata, '{}'::jsonb) || jsonb_build_object('executed_at', now()),
         updated_at = now()
   WHERE id = $1::uuid AND status = 'dialing' AND vapi_call_id IS NULL)sql"};

constexpr Query k_release{"dispatch.release_call", R"sql(
  UPDATE scheduled_discharge_calls
     SET status = 'queued',
         metadata = coalesce(metadata, '{}'::jsonb) ||
                    jsonb_build_object('error', $2::text, 'retry_count',
                                       coalesce((metadata ->> 'retry_count')::int, 0) + 1),
         updated_at = now()
   WHERE id = $1::uuid AND status = 'dialing' AND vapi_call_id IS NULL)sql"};

constexpr Query k_fail{"dispatch.fail_call", R"sql(
  UPDATE scheduled_discharge_calls
     SET status = 'failed',
         metadata = coalesce(metadata, '{}'::jsonb) || jsonb_build_object('error', $2::text, 'failed_at', now()),
         updated_at = now()
   WHERE id = $1::uuid AND status = 'dialing' AND vapi_call_id IS NULL)sql"};

constexpr Query k_unknown{"dispatch.mark_outcome_unknown", R"sql(
  UPDATE scheduled_discharge_calls
     SET metadata = coalesce(metadata, '{}'::jsonb) ||
                    jsonb_build_object('error', $2::text, 'vapi_outcome_unknown', true),
         updated_at = now()
   WHERE id = $1::uuid AND status = 'dialing' AND vapi_call_id IS NULL)sql"};

} // namespace

std::optional<CallRow> DispatchRepository::find(const std::string& call_id)
{
  const auto rows = shared::db::run(m_tx, k_find, call_id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return CallRow{.status = rows[0][0].as<std::string>(), .publish_version = rows[0][1].as<int>(),
                 .has_vapi_call_id = rows[0][2].as<bool>()};
}

std::optional<ClaimedCall> DispatchRepository::claim(const std::string& call_id, int version)
{
  const auto rows = shared::db::run(m_tx, k_claim, call_id, version);
  if (rows.empty()) {
    return std::nullopt;
  }
  const auto& row = rows[0];
  return ClaimedCall{.case_id = row[0].as<std::string>(), .clinic_id = row[1].as<std::string>(),
                     .assistant_id = row[2].as<std::string>(), .phone_number_id = row[3].as<std::string>(),
                     .customer_phone = row[4].as<std::string>(), .dynamic_variables_json = row[5].as<std::string>()};
}

bool DispatchRepository::cancel(const std::string& call_id, shared::calls::RefusalReason reason)
{
  return shared::db::run(m_tx, k_cancel, call_id, std::string(shared::calls::to_string(reason))).affected_rows() == 1;
}

bool DispatchRepository::record_vapi_call(const std::string& call_id, const std::string& vapi_call_id)
{
  return shared::db::run(m_tx, k_record, call_id, vapi_call_id).affected_rows() == 1;
}

bool DispatchRepository::release(const std::string& call_id, const std::string& error)
{
  return shared::db::run(m_tx, k_release, call_id, error).affected_rows() == 1;
}

bool DispatchRepository::fail(const std::string& call_id, const std::string& error)
{
  return shared::db::run(m_tx, k_fail, call_id, error).affected_rows() == 1;
}

void DispatchRepository::mark_outcome_unknown(const std::string& call_id, const std::string& error)
{
  shared::db::run(m_tx, k_unknown, call_id, error);
}

} // namespace dispatch
