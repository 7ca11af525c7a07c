#pragma once

#include "stages/reconcile/linkage.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reconcile {

enum class LinkTier { consultation_id, appointment_id, probabilistic, created };
enum class LinkOutcome { linked, needs_review, unmatched };
std::string_view to_string(LinkTier tier);
std::string_view to_string(LinkOutcome outcome);

struct LinkDecision
{
  LinkOutcome outcome = LinkOutcome::unmatched;
  std::optional<std::string> case_id;
  std::optional<LinkTier> tier;
  std::vector<std::string> candidates; // the ambiguous ones, for review
  // Tier 3: the best total and, for review, why and every candidate with its per-field weights.
  std::optional<double> score;
  std::string reason;
  std::vector<std::pair<std::string, PairScore>> scored;
};

// Tiers in order (record-linkage.md): one case carrying the consultation id wins; several are
// ambiguous (review, never a guess); none falls through to the appointment id, then to nothing.
LinkDecision decide_link(const std::vector<std::string>& by_consultation_id,
                         const std::vector<std::string>& by_appointment_id);

// The appointment id in an external id of any convention: `pims-appt-idexx-neo-<id>`, the legacy
// `pims-appt-<vet-slug>-<id>` and `idexx-appt-<id>` (data-model.md 4.2); std::nullopt otherwise.
std::optional<std::string> appointment_id_from_external_id(std::string_view external_id);

// The product's CaseType for an appointment type, by lower-cased substring, most specific first
// (data-model.md 4.1).
std::string case_type_for(std::string_view appointment_type);

// The case status an appointment's canonical status asks for: completed, ongoing, reviewed, or
// std::nullopt (leave it). Forward-only rules are applied by the UPDATE.
std::optional<std::string> case_status_for(std::string_view canonical_appointment_status);

} // namespace reconcile
