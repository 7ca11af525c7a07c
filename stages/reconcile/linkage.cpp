#include "stages/reconcile/linkage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace reconcile {

namespace {

// National priors for term frequencies (record-linkage.md §8): NYC dog licences 2016 for pets, the
// US Census 2010 surname table for owners; a name outside the lists gets the tail value.
constexpr double k_pet_tail = 0.0007;
constexpr double k_surname_tail = 0.0003;
constexpr double k_shrinkage = 200.0; // k: how many clinic cases weigh as much as the national prior

double national_pet(std::string_view name)
{
  static const std::map<std::string, double, std::less<>> k_names{
      {"MAX", 0.0149},    {"BELLA", 0.0149},  {"LOLA", 0.0100},  {"CHARLIE", 0.0100}, {"ROCKY", 0.0099},
      {"LUCY", 0.0088},   {"BUDDY", 0.0085},  {"DAISY", 0.0080}, {"COCO", 0.0075},    {"LUCKY", 0.0072},
      {"PRINCESS", 0.0070}, {"LUNA", 0.0064}, {"TEDDY", 0.0064}, {"CHLOE", 0.0063},   {"MOLLY", 0.0059},
      {"TOBY", 0.0057},   {"JACK", 0.0056},   {"MILO", 0.0051},  {"OLIVER", 0.0049},  {"SOPHIE", 0.0048}};
  const auto found = k_names.find(name);
  return found == k_names.end() ? k_pet_tail : found->second;
}

double national_surname(std::string_view name)
{
  static const std::map<std::string, double, std::less<>> k_names{{"SMITH", 0.0083}, {"JOHNSON", 0.0066},
                                                                  {"WILLIAMS", 0.0055}, {"BROWN", 0.0049},
                                                                  {"JONES", 0.0048}, {"GARCIA", 0.0040}};
  const auto found = k_names.find(name);
  return found == k_names.end() ? k_surname_tail : found->second;
}

double shrunk(const std::map<std::string, int, std::less<>>& counts, int total, const std::string& name,
              double national)
{
  const auto found = counts.find(name);
  const double n = found == counts.end() ? 0.0 : static_cast<double>(found->second);
  return (n + k_shrinkage * national) / (static_cast<double>(total) + k_shrinkage);
}

double bits(double m, double u) { return std::log2(m / u); }

constexpr double k_tolerance = 1e-9; // Jaro-Winkler values are ratios that floating point rounds

bool contains_token(const std::vector<std::string>& tokens, const std::string& name)
{
  return std::find(tokens.begin(), tokens.end(), name) != tokens.end();
}

// Pet name levels (§7): missing, exact (TF-adjusted), first token / containment / alias / nickname,
// fuzzy, same Soundex, different.
void compare_pet(const PetName& a, const PetName& b, const NameFrequencies& frequencies, const LinkageParams& params,
                 PairScore& score)
{
  if (a.empty() || b.empty()) {
    score.fields.push_back({"pet_name", "missing", 0.0});
    return;
  }
  if (a.full == b.full) {
    const double u = std::max(frequencies.pet(a.full), params.tf_minimum_u);
    score.fields.push_back({"pet_name", "exact", bits(0.92, u)});
    score.pet_name_identifies = true;
    return;
  }
  const bool related = a.first_token == b.first_token || contains_token(a.tokens, b.full) ||
                       contains_token(b.tokens, a.full) || (!a.alias.empty() && a.alias == b.first_token) ||
                       (!b.alias.empty() && b.alias == a.first_token) ||
                       is_pet_nickname_pair(a.first_token, b.first_token);
  if (related) {
    score.fields.push_back({"pet_name", "first_token", bits(0.03, 0.001)});
    score.pet_name_identifies = true;
    return;
  }
  const bool long_enough = std::min(a.full.size(), b.full.size()) >= 4;
  if (jaro_winkler(a.full, b.full) >= 0.9 - k_tolerance || (long_enough && osa_distance(a.full, b.full) <= 1)) {
    score.fields.push_back({"pet_name", "fuzzy", bits(0.03, 0.004)});
    return;
  }
  if (soundex(a.first_token) == soundex(b.first_token)) {
    score.fields.push_back({"pet_name", "phonetic", 0.0});
    return;
  }
  score.fields.push_back({"pet_name", "different", bits(0.01, 0.983)});
}

bool given_names_agree(const OwnerName& a, const OwnerName& b)
{
  for (const auto& x : a.given) {
    for (const auto& y : b.given) {
      if (x == y || is_owner_nickname_pair(x, y) ||
          ((x.size() == 1 || y.size() == 1) && x.front() == y.front())) {
        return true;
      }
    }
  }
  return false;
}

// Owner levels (§7): missing, token sets equal, surname exact with given name (initial or
// nickname), surname exact, surname fuzzy, different. Surname levels are TF-adjusted.
void compare_owner(const OwnerName& a, const OwnerName& b, const NameFrequencies& frequencies, PairScore& score)
{
  if (a.empty() || b.empty()) {
    score.fields.push_back({"owner_name", "missing", 0.0});
    return;
  }
  constexpr double k_surname_floor = 0.002; // a unique or misspelt surname is not a fingerprint
  std::optional<std::string> common_surname;
  for (const auto& x : a.surnames) {
    if (contains_token(b.surnames, x)) {
      common_surname = x;
      break;
    }
  }
  // Owners are sometimes entered the other way round without a comma: the token sets still agree.
  if (a.tokens == b.tokens) {
    const double u = std::max(frequencies.surname(a.surname), k_surname_floor);
    score.fields.push_back({"owner_name", "all_tokens", bits(0.80, u) + 1.0});
    return;
  }
  if (common_surname) {
    const double u = std::max(frequencies.surname(*common_surname), k_surname_floor);
    if (given_names_agree(a, b)) {
      score.fields.push_back({"owner_name", "surname_and_given", bits(0.10, u) + 1.0});
    } else {
      score.fields.push_back({"owner_name", "surname", bits(0.06, u)});
    }
    return;
  }
  for (const auto& x : a.surnames) {
    for (const auto& y : b.surnames) {
      if (jaro_winkler(x, y) >= 0.9 - k_tolerance) {
        score.fields.push_back({"owner_name", "surname_fuzzy", bits(0.02, 0.01)});
        return;
      }
    }
  }
  score.fields.push_back({"owner_name", "different", bits(0.02, 0.98)});
}

bool one_digit_off(const std::string& a, const std::string& b)
{
  if (a.size() != b.size()) {
    return false;
  }
  std::size_t differences = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    differences += a[i] != b[i] ? 1 : 0;
  }
  return differences == 1;
}

void compare_phone(const PhoneSet& a, const PhoneSet& b, PairScore& score)
{
  if (a.empty() || b.empty()) {
    score.fields.push_back({"phone", "missing", 0.0});
    return;
  }
  for (const auto& number : a.e164) {
    if (b.e164.contains(number)) {
      score.fields.push_back({"phone", "equal", bits(0.85, 0.0005)});
      return;
    }
  }
  for (const auto& x : a.last7) {
    for (const auto& y : b.last7) {
      if (x == y || one_digit_off(x, y)) {
        score.fields.push_back({"phone", "last7", bits(0.03, 0.0005)});
        return;
      }
    }
  }
  score.fields.push_back({"phone", "different", bits(0.12, 0.999)});
}

void compare_time(const PreparedRecord& a, const PreparedRecord& b, PairScore& score)
{
  using std::chrono::minutes;
  if (a.start && b.start) {
    const auto distance = a.start > b.start ? *a.start - *b.start : *b.start - *a.start;
    if (distance <= minutes(15)) {
      score.fields.push_back({"time", "15min", bits(0.80, 0.05)});
      return;
    }
    if (distance <= minutes(120)) {
      score.fields.push_back({"time", "2h", bits(0.12, 0.20)});
      return;
    }
  }
  if (!a.local_date || !b.local_date) {
    score.fields.push_back({"time", "missing", 0.0});
    return;
  }
  const auto days = std::abs((*a.local_date - *b.local_date).count());
  if (days == 0) {
    score.fields.push_back({"time", "same_day", bits(0.05, 0.40)});
  } else if (days == 1) {
    score.fields.push_back({"time", "adjacent_day", bits(0.025, 0.35)});
  } else {
    score.fields.push_back({"time", "further", bits(0.005, 0.40)});
  }
}

bool providers_agree(const std::string& a, const std::string& b)
{
  if (a == b) {
    return true;
  }
  // `J DOE` and `JANE DOE`: the same surname and first initial.
  const auto last_space_a = a.rfind(' ');
  const auto last_space_b = b.rfind(' ');
  if (last_space_a == std::string::npos || last_space_b == std::string::npos) {
    return false;
  }
  return a.substr(last_space_a) == b.substr(last_space_b) && a.front() == b.front();
}

// Identifiers: equal patient ids identify the pet; a different patient, species or appointment id
// forbids an automatic link (§9 rule 3).
void compare_identifiers(const PreparedRecord& a, const PreparedRecord& b, PairScore& score)
{
  if (a.patient_id && b.patient_id) {
    if (*a.patient_id == *b.patient_id) {
      score.fields.push_back({"patient_id", "equal", bits(0.98, 0.0005)});
      score.pet_name_identifies = true;
    } else {
      score.fields.push_back({"patient_id", "different", bits(0.02, 0.9995)});
      score.veto = "patient_id";
    }
  }
  if (a.client_id && b.client_id) {
    const bool equal = *a.client_id == *b.client_id;
    score.fields.push_back({"client_id", equal ? "equal" : "different", equal ? bits(0.9, 0.25) : bits(0.1, 0.75)});
  }
  if (a.species && b.species) {
    const bool equal = *a.species == *b.species;
    score.fields.push_back({"species", equal ? "equal" : "different", equal ? bits(0.97, 0.6) : bits(0.01, 0.4)});
    if (!equal) {
      score.veto = "species";
    }
  }
  if (a.appointment_id && b.appointment_id && *a.appointment_id != *b.appointment_id) {
    // The case was booked for another appointment: a different visit unless IDEXX re-created it.
    score.fields.push_back({"appointment_id", "different", -10.0});
    score.veto = "appointment_id";
  }
  if (!a.provider.empty() && !b.provider.empty()) {
    const bool equal = providers_agree(a.provider, b.provider);
    score.fields.push_back({"provider", equal ? "equal" : "different", equal ? bits(0.85, 0.3) : bits(0.15, 0.7)});
  }
}

} // namespace

PreparedRecord prepare(const VisitRecord& record, shared::idexx::PhoneRegion region, std::string_view clinic_e164)
{
  PreparedRecord prepared{.id = record.id, .owner = parse_owner_name(record.owner_name), .pet = {},
                          .phones = phone_set(record.phone, region, clinic_e164),
                          .provider = normalise_provider(record.provider), .patient_id = record.patient_id,
                          .client_id = record.client_id, .appointment_id = record.appointment_id,
                          .species = record.species, .start = record.start, .local_date = record.local_date};
  prepared.pet = parse_pet_name(record.pet_name, prepared.owner.surnames);
  return prepared;
}

void NameFrequencies::add_pet(const std::string& normalised_name)
{
  ++m_pets[normalised_name];
  ++m_pet_total;
}

void NameFrequencies::add_surname(const std::string& normalised_surname)
{
  ++m_surnames[normalised_surname];
  ++m_surname_total;
}

double NameFrequencies::pet(const std::string& normalised_name) const
{
  return shrunk(m_pets, m_pet_total, normalised_name, national_pet(normalised_name));
}

double NameFrequencies::surname(const std::string& normalised_surname) const
{
  return shrunk(m_surnames, m_surname_total, normalised_surname, national_surname(normalised_surname));
}

PairScore score_pair(const PreparedRecord& visit, const PreparedRecord& candidate, const NameFrequencies& frequencies,
                     const LinkageParams& params)
{
  PairScore score;
  score.fields.reserve(8);
  compare_pet(visit.pet, candidate.pet, frequencies, params, score);
  compare_owner(visit.owner, candidate.owner, frequencies, score);
  compare_phone(visit.phones, candidate.phones, score);
  compare_time(visit, candidate, score);
  compare_identifiers(visit, candidate, score);
  score.total = params.prior;
  for (const auto& field : score.fields) {
    score.total += field.weight;
  }
  return score;
}

std::string_view to_string(MatchOutcome outcome)
{
  switch (outcome) {
  case MatchOutcome::linked: return "linked";
  case MatchOutcome::needs_review: return "needs_review";
  case MatchOutcome::unmatched: return "unmatched";
  }
  return "unmatched";
}

std::vector<MatchDecision> match_visits(const std::vector<PreparedRecord>& visits,
                                        const std::vector<PreparedRecord>& cases,
                                        const NameFrequencies& frequencies, const LinkageParams& params)
{
  // Blocking (§5), the clinic given: rule A, the case's local date within the visit's ±1 day; rule B,
  // a phone number in common and the date within ±7 days (visits moved by several days).
  std::map<std::chrono::sys_days, std::vector<std::size_t>> cases_by_day;
  std::map<std::string, std::vector<std::size_t>, std::less<>> cases_by_phone;
  for (std::size_t c = 0; c < cases.size(); ++c) {
    if (cases[c].local_date) {
      cases_by_day[*cases[c].local_date].push_back(c);
      for (const auto& number : cases[c].phones.e164) {
        cases_by_phone[number].push_back(c);
      }
    }
  }
  struct Pair
  {
    std::size_t visit;
    std::size_t case_index;
    PairScore score;
  };
  std::vector<Pair> pairs;
  for (std::size_t v = 0; v < visits.size(); ++v) {
    if (!visits[v].local_date) {
      continue;
    }
    const auto day = *visits[v].local_date;
    const auto consider = [&](std::size_t c) {
      auto score = score_pair(visits[v], cases[c], frequencies, params);
      if (score.total >= params.review_threshold) {
        pairs.push_back(Pair{v, c, std::move(score)});
      }
    };
    for (auto it = cases_by_day.lower_bound(day - std::chrono::days(1));
         it != cases_by_day.end() && it->first <= day + std::chrono::days(1); ++it) {
      for (const auto c : it->second) {
        consider(c);
      }
    }
    std::set<std::size_t> by_phone; // a case with two of the visit's numbers is scored once
    for (const auto& number : visits[v].phones.e164) {
      if (const auto found = cases_by_phone.find(number); found != cases_by_phone.end()) {
        for (const auto c : found->second) {
          const auto days = std::abs((*cases[c].local_date - day).count());
          if (days > 1 && days <= 7 && by_phone.insert(c).second) {
            consider(c);
          }
        }
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    if (a.score.total != b.score.total) {
      return a.score.total > b.score.total;
    }
    return a.visit != b.visit ? a.visit < b.visit : a.case_index < b.case_index;
  });
  std::vector<std::vector<std::size_t>> by_visit(visits.size());
  std::vector<std::vector<std::size_t>> by_case(cases.size());
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    by_visit[pairs[p].visit].push_back(p);
    by_case[pairs[p].case_index].push_back(p);
  }

  std::vector<MatchDecision> decisions(visits.size());
  std::vector<bool> decided(visits.size(), false);
  std::vector<bool> visit_linked(visits.size(), false);
  std::vector<bool> case_linked(cases.size(), false);
  constexpr double k_none = -std::numeric_limits<double>::infinity();
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto& pair = pairs[p];
    if (decided[pair.visit] || case_linked[pair.case_index]) {
      continue; // a better pair took the visit or the case: this one is dropped (§9 rule 4)
    }
    // The runner-up on either side: another free case for this visit, or another visit not linked
    // elsewhere for this case (a visit sent to review still competes for its case).
    double runner_up = k_none;
    for (const auto q : by_visit[pair.visit]) {
      if (q != p && !case_linked[pairs[q].case_index]) {
        runner_up = std::max(runner_up, pairs[q].score.total);
        break; // sorted: the first free one is the best
      }
    }
    for (const auto q : by_case[pair.case_index]) {
      if (q != p && !visit_linked[pairs[q].visit]) {
        runner_up = std::max(runner_up, pairs[q].score.total);
        break;
      }
    }
    auto& decision = decisions[pair.visit];
    decision.score = pair.score.total;
    decided[pair.visit] = true;
    std::string reason;
    if (pair.score.total < params.link_threshold) {
      reason = "low_score";
    } else if (pair.score.veto) {
      reason = "veto:" + *pair.score.veto;
    } else if (!pair.score.pet_name_identifies) {
      reason = "household"; // owner, surname and phone identify a household, not a pet (§9 rule 2)
    } else if (pair.score.total - runner_up < params.margin) {
      reason = "ambiguous";
    }
    if (reason.empty()) {
      decision.outcome = MatchOutcome::linked;
      decision.case_index = pair.case_index;
      visit_linked[pair.visit] = true;
      case_linked[pair.case_index] = true;
    } else {
      decision.outcome = MatchOutcome::needs_review;
      decision.reason = std::move(reason);
    }
  }
  // Every candidate for the record (a reviewer sees why); visits whose candidates all went to
  // better pairs stay unmatched.
  constexpr std::size_t k_candidates_kept = 5;
  for (std::size_t v = 0; v < visits.size(); ++v) {
    auto& decision = decisions[v];
    if (!decided[v] && !by_visit[v].empty()) {
      decision.reason = "candidates_taken";
    }
    for (const auto q : by_visit[v]) {
      if (decision.candidates.size() == k_candidates_kept) {
        break;
      }
      decision.candidates.push_back(ScoredCandidate{pairs[q].case_index, pairs[q].score});
    }
  }
  return decisions;
}

} // namespace reconcile
