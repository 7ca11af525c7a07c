#pragma once

#include <compare>
#include <ostream>
#include <string>
#include <utility>

namespace shared {

// A string id with its own type, so that mark_linked(case_id, consultation_id) with the arguments
// swapped does not compile.
template <typename Tag>
struct StrongId
{
  std::string value;

  StrongId() = default;
  explicit StrongId(std::string v) : value(std::move(v)) {}
  auto operator<=>(const StrongId&) const = default;
  friend std::ostream& operator<<(std::ostream& out, const StrongId& id) { return out << id.value; }
};

using RunId = StrongId<struct RunIdTag>;
using ClinicId = StrongId<struct ClinicIdTag>;           // clinics.id (uuid text)
using UserId = StrongId<struct UserIdTag>;               // users.id (uuid text)
using CaseId = StrongId<struct CaseIdTag>;               // cases.id (uuid text)
using CallId = StrongId<struct CallIdTag>;               // scheduled_discharge_calls.id
using AppointmentId = StrongId<struct AppointmentIdTag>; // IDEXX Neo appointment id, decimal text
using ConsultationId = StrongId<struct ConsultationIdTag>; // IDEXX Neo consultation id, decimal text

} // namespace shared
