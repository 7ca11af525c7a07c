#pragma once

#include "shared/idexx/idexx_parsing.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

// The comparators and normalisers of record-linkage.md §3 and §6. Pure: no I/O, no clock.
namespace reconcile {

// Unicode NFKD without combining marks (José -> JOSE), upper case, apostrophes removed (O'BRIEN ->
// OBRIEN), every other character that is not a letter or digit a space, whitespace collapsed.
std::string normalise_text(std::string_view raw);

// Jaro similarity of two strings (bytes), 0 when nothing matches.
double jaro(std::string_view a, std::string_view b);
// Jaro-Winkler with p = 0.1, a common prefix of at most 4 and Winkler's boost threshold: the prefix
// bonus applies only when Jaro > 0.7.
double jaro_winkler(std::string_view a, std::string_view b);
// Insertions, deletions and substitutions.
std::size_t levenshtein(std::string_view a, std::string_view b);
// Optimal string alignment ("restricted Damerau-Levenshtein"): adds adjacent swaps, never edits a
// substring twice (CA/ABC is 3).
std::size_t osa_distance(std::string_view a, std::string_view b);
// American Soundex of an upper-case word: first letter kept, 4 characters; "" for an empty word.
std::string soundex(std::string_view word);

// An owner name in either order: `LAST, FIRST [MIDDLE]` when there is a comma, else `FIRST [MIDDLE]
// LAST`. Titles (DR MR MRS MS MISS) and suffixes (JR SR II III) are dropped; `JOHN & MARY SMITH`
// gives two given names; a hyphenated surname gives the whole and each part.
struct OwnerName
{
  std::string surname;                // normalised, parts joined by a space; "" when unknown
  std::vector<std::string> surnames;  // surname and, when it has several parts, each part
  std::vector<std::string> given;     // given names in order
  std::set<std::string> tokens;       // every token, for the order-insensitive comparison
  [[nodiscard]] bool empty() const { return tokens.empty(); }
};
OwnerName parse_owner_name(std::string_view raw);

// A pet name: the whole normalised name, its first token, and a nickname written in parentheses
// or quotes (`BELLA (BELL)`). A trailing token equal to one of `owner_surnames` is dropped
// (`BELLA SMITH` -> `BELLA`).
struct PetName
{
  std::string full;
  std::string first_token;
  std::string alias;
  std::vector<std::string> tokens;
  [[nodiscard]] bool empty() const { return full.empty(); }
};
PetName parse_pet_name(std::string_view raw, const std::vector<std::string>& owner_surnames);

// True when `a` and `b` are one name in the seed nickname lists of record-linkage.md §7 (owners:
// ROBERT/BOB …; pets: MAX/MAXIE …). Both normalised.
bool is_owner_nickname_pair(std::string_view a, std::string_view b);
bool is_pet_nickname_pair(std::string_view a, std::string_view b);

// A provider as written on the calendar: upper case, `DR` dropped, initials collapsed
// (`DR. J. DOE` -> `J DOE`).
std::string normalise_provider(std::string_view raw);

// The numbers in a phone text (record-linkage.md §3): valid E.164 numbers, and the last 7 digits of
// every run of 7 or more digits (a bare local number is kept for that level only, never dialled).
// Placeholders (one digit repeated, zeros) and `clinic_e164`, the clinic's own number, are dropped.
struct PhoneSet
{
  std::set<std::string> e164;
  std::set<std::string> last7;
  [[nodiscard]] bool empty() const { return e164.empty() && last7.empty(); }
};
PhoneSet phone_set(std::string_view raw, shared::idexx::PhoneRegion region, std::string_view clinic_e164);

} // namespace reconcile
