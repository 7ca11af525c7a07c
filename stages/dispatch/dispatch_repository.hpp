#pragma once

#include "shared/calls/call_refusal.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>

namespace dispatch {

// The call row as the dispatcher sees it when a delivery arrives.
struct CallRow
{
  std::string status;
  int publish_version = 1;
  bool has_vapi_call_id = false;
};

// What the dispatcher needs to place a call it has just claimed.
struct ClaimedCall
{
  std::string case_id;
  std::string clinic_id;
  std::string assistant_id;
  std::string phone_number_id;
  std::string customer_phone;
  std::string dynamic_variables_json;
};

// Every transition is a conditional UPDATE on the expected old state (data-model.md 6.2): a false
// return means someone else moved the row first.
class DispatchRepository
{
public:
  explicit DispatchRepository(pqxx::transaction_base& tx) : m_tx(tx) {}

  std::optional<CallRow> find(const std::string& call_id);
  // queued, no VAPI call id yet, this version -> dialing, in one statement: only one of several
  // concurrent deliveries gets a row back.
  std::optional<ClaimedCall> claim(const std::string& call_id, int version);
  // dialing -> cancelled with metadata.cancel_reason (the case became ineligible after scheduling).
  bool cancel(const std::string& call_id, shared::calls::RefusalReason reason);
  // Records the VAPI call id on the dialing row (executed_at in metadata, as the product does).
  bool record_vapi_call(const std::string& call_id, const std::string& vapi_call_id);
  // dialing without a VAPI call id -> queued: VAPI certainly placed no call; QStash retries.
  bool release(const std::string& call_id, const std::string& error);
  // dialing -> failed with metadata.error (VAPI refused the request itself).
  bool fail(const std::string& call_id, const std::string& error);
  // Leaves the row dialing, noting that VAPI's answer was lost and the lookup failed: never
  // retried automatically, since a retry could ring the owner twice.
  void mark_outcome_unknown(const std::string& call_id, const std::string& error);

private:
  pqxx::transaction_base& m_tx;
};

} // namespace dispatch
