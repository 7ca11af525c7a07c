#pragma once

#include "shared/core/clock.hpp"
#include "shared/core/ids.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace schedule {

// The clinic as the schedule stage needs it.
struct ClinicCallSettings
{
  std::string name;
  std::string phone;
  std::string timezone;
  std::optional<std::string> assistant_id;      // clinics.outbound_assistant_id
  std::optional<std::string> phone_number_id;   // clinics.outbound_phone_number_id
  bool auto_calls = false;                      // auto_scheduling_config.is_enabled && auto_call_enabled
  std::optional<int> delay_days;                // auto_scheduling_config.call_delay_days
  std::optional<std::string> call_time;         // auto_scheduling_config.preferred_call_time, HH:MM[:SS]
  std::optional<std::string> session_id;        // this run's idexx_sync_sessions row
  std::optional<std::string> call_owner;        // its user_id: the credential owner owns the calls
  bool test_mode = false;                       // the owner's users.test_mode_enabled
  std::optional<std::string> test_phone;        // users.test_contact_phone
  std::optional<std::string> business_hours;    // clinics.business_hours JSON, NULL = unknown
};

// A consultation linked in this run, with what the planner and the call script need.
struct LinkedConsultation
{
  std::string consultation_id;
  std::string appointment_id;
  std::string case_id;
  std::string case_status;
  std::string case_type;
  std::optional<int> case_delay_days;
  std::string notes_text;
  std::string discharge_summary_text;
  std::string visit_date;                       // clinic-local YYYY-MM-DD, "" when unknown
  std::string visit_start;                      // ISO-8601 UTC of the visit, "" when unknown
  std::string appointment_status;               // canonical, from this run's calendar
  std::string pet_name;
  std::string pet_species;
  std::string owner_name;
  std::string owner_phone_raw;
  bool product_call_exists = false;
  bool cadence_blocks = false;                  // the case type's cadence says no automatic call
  std::optional<int> cadence_delay_days;
  std::optional<std::string> cadence_call_time;
  std::optional<std::string> our_call_status;   // the status of the case's discharge call row, if any
};

// A call row waiting to be published (this run's or an earlier one's).
struct PendingCall
{
  std::string call_id;
  int publish_version = 1;
  shared::Instant scheduled_for;
  bool holds_start = false;                     // scheduled_for is a start already taken (metadata.start_slot)
  // For the VAPI request itself (vapi destination mode).
  std::string case_id;
  std::string assistant_id;
  std::string phone_number_id;
  std::string customer_phone;
  std::string dynamic_variables_json;
};

// One of our discharge calls that may still be stopped: pending_publish, or queued without a VAPI call.
struct ActiveCall
{
  std::string call_id;
  std::string status;
  std::string case_id;
  std::optional<std::string> qstash_message_id;
};

class ScheduleRepository
{
public:
  explicit ScheduleRepository(pqxx::work& tx) : m_tx(tx) {}
  [[nodiscard]] pqxx::work& transaction() { return m_tx; }

  ClinicCallSettings clinic(const shared::RunId& run, const shared::ClinicId& clinic);
  std::vector<LinkedConsultation> linked_consultations(const shared::ClinicId& clinic, const std::string& session_id);

  struct NewCall
  {
    std::string user_id;
    std::string case_id;
    std::optional<std::string> assistant_id;
    std::optional<std::string> phone_number_id;
    std::optional<std::string> customer_phone;
    shared::Instant scheduled_for;
    std::string status;                 // pending_publish | skipped
    std::string dynamic_variables_json;
    std::string metadata_json;
  };
  // Inserts the outbox row, unique per (case_id, call_kind), or decides a `skipped` row again
  // (pending now, or a new reason); false when nothing was written. A pending call also marks the
  // case auto-scheduled, so the product's scheduler leaves it alone.
  bool insert_call(const NewCall& call);

  std::vector<PendingCall> pending_calls(const shared::ClinicId& clinic);
  // Takes one of `max` starts of `minute` (UTC, whole minute) for the VAPI account, atomically
  // across pods: false when the minute is full.
  bool take_start(const std::string& account, shared::Instant minute, int max);
  // Sets each call's due time to the start just taken for it, recorded as metadata.start_slot.
  void move_due_times(const std::vector<std::pair<std::string, shared::Instant>>& dues);
  // pending_publish -> queued with the message id, for (call id, message id) pairs in one
  // statement; returns how many rows moved (a row someone else moved first is left alone).
  std::size_t mark_queued(const std::vector<std::pair<std::string, std::string>>& messages);
  bool mark_failed(const std::string& call_id, const std::string& error);

  std::vector<ActiveCall> active_calls(const shared::ClinicId& clinic);
  // pending_publish or queued (no VAPI call id) -> cancelled with metadata.cancel_reason.
  bool mark_cancelled(const std::string& call_id, std::string_view reason);

private:
  pqxx::work& m_tx;
};

} // namespace schedule
