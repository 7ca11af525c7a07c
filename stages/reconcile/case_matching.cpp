#include "stages/reconcile/case_matching.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace reconcile {

std::string_view to_string(LinkTier tier)
{
  switch (tier) {
  case LinkTier::consultation_id: return "consultation_id";
  case LinkTier::appointment_id: return "appointment_id";
  case LinkTier::probabilistic: return "probabilistic";
  case LinkTier::created: return "created";
  }
  return "created";
}

std::string_view to_string(LinkOutcome outcome)
{
  switch (outcome) {
  case LinkOutcome::linked: return "linked";
  case LinkOutcome::needs_review: return "needs_review";
  case LinkOutcome::unmatched: return "unmatched";
  }
  return "unmatched";
}

LinkDecision decide_link(const std::vector<std::string>& by_consultation_id,
                         const std::vector<std::string>& by_appointment_id)
{
  for (const auto& [cases, tier] : {std::pair{&by_consultation_id, LinkTier::consultation_id},
                                    std::pair{&by_appointment_id, LinkTier::appointment_id}}) {
    if (cases->size() == 1) {
      return {.outcome = LinkOutcome::linked, .case_id = cases->front(), .tier = tier, .candidates = {},
              .score = {}, .reason = {}, .scored = {}};
    }
    if (cases->size() > 1) {
      return {.outcome = LinkOutcome::needs_review, .case_id = std::nullopt, .tier = tier, .candidates = *cases,
              .score = {}, .reason = "ambiguous", .scored = {}};
    }
  }
  return {};
}

std::optional<std::string> appointment_id_from_external_id(std::string_view external_id)
{
  const bool known_prefix = external_id.rfind("pims-appt-", 0) == 0 || external_id.rfind("idexx-appt-", 0) == 0;
  const auto dash = external_id.rfind('-');
  if (!known_prefix || dash == std::string_view::npos || dash + 1 == external_id.size()) {
    return std::nullopt;
  }
  const auto id = external_id.substr(dash + 1);
  if (!std::all_of(id.begin(), id.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  return std::string(id);
}

std::string case_type_for(std::string_view appointment_type)
{
  std::string lower(appointment_type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto has = [&](std::string_view word) { return lower.find(word) != std::string::npos; };
  if (has("emergency") || has("urgent")) {
    return "emergency";
  }
  if (has("surgery") || has("dental")) {
    return "surgery";
  }
  if (has("follow-up") || has("follow up") || has("recheck")) {
    return "follow_up";
  }
  return "checkup";
}

std::optional<std::string> case_status_for(std::string_view status)
{
  static constexpr std::array finished{"ready_to_pay", "finalized", "completed", "discharged"};
  if (std::find(finished.begin(), finished.end(), status) != finished.end()) {
    return "completed";
  }
  if (status == "checked_in" || status == "in_progress") {
    return "ongoing";
  }
  if (status == "no_show" || status == "cancelled") {
    return "reviewed";
  }
  return std::nullopt;
}

} // namespace reconcile
