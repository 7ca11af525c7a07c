#pragma once

#include "shared/calls/call_refusal.hpp"
#include "shared/idexx/idexx_parsing.hpp"

#include <pqxx/pqxx>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shared::calls {

// What decides, at scheduling time and again at call time, whether a case may still get its
// discharge call: the rules that can change after a call was planned (lessons 8 and 14).
struct CaseCallFacts
{
  std::string case_id;
  std::string clinic_id;
  std::string case_status;            // cases.status
  bool removed_from_pims = false;     // metadata.reconciliation.softDeleted (data-model.md 4.6)
  bool case_calls_enabled = true;     // cases.call_enabled
  std::string appointment_status;     // canonical (normalise_label), "" when unknown
  bool client_opted_out = false;      // clients.communication_opt_out, linked or by clinic and phone
  bool patient_deceased = false;      // canonical_patients.is_deceased
  std::string owner_phone_raw;        // patients.owner_phone, else the calendar's client phone
  std::string clinic_timezone;        // for the phone region
  // Plain texts scanned for euthanasia or death: notes, discharge summary, consultation and
  // appointment reasons, appointment and case types, the provided (not declined) billed lines.
  std::vector<std::string> texts;
};

// The first refusal that applies, in order of gravity: euthanasia_or_death (a death word in any
// text, or a deceased patient), opted_out, no_show, cancelled (the appointment, or the case removed
// from the PIMS), calls_disabled (cases.call_enabled). std::nullopt when none applies.
std::optional<RefusalReason> standing_refusal(const CaseCallFacts& facts);

// The facts of `case_ids` (lower-case UUID text), keyed by case id; unknown ids are absent. The
// opt-out is found through the patient's client, or a client of the clinic whose phone normalises
// to the same E.164 number as the owner's (both sides normalised, data-model.md 5).
std::map<std::string, CaseCallFacts> load_case_call_facts(pqxx::transaction_base& tx,
                                                          const std::vector<std::string>& case_ids);

} // namespace shared::calls
