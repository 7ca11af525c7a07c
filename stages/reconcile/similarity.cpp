#include "stages/reconcile/similarity.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <numeric>

namespace reconcile {

namespace {

void append_utf8(std::string& out, UChar32 c)
{
  icu::UnicodeString one(c);
  one.toUTF8String(out);
}

std::vector<std::string> split_words(std::string_view text)
{
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) {
      break;
    }
    const auto end = std::min(text.find(' ', start), text.size());
    words.emplace_back(text.substr(start, end - start));
    pos = end;
  }
  return words;
}

std::string join(const std::vector<std::string>& words)
{
  std::string out;
  for (const auto& word : words) {
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

bool is_title_or_suffix(std::string_view token)
{
  static constexpr std::array k_words{"DR", "MR", "MRS", "MS", "MISS", "JR", "SR", "II", "III", "AND"};
  return std::find(k_words.begin(), k_words.end(), token) != k_words.end();
}

// Nickname groups of record-linkage.md §7: names of one group are one name.
int nickname_group(const std::map<std::string, int, std::less<>>& groups, std::string_view name)
{
  const auto found = groups.find(name);
  return found == groups.end() ? -1 : found->second;
}

std::map<std::string, int, std::less<>> make_groups(std::initializer_list<std::initializer_list<const char*>> lists)
{
  std::map<std::string, int, std::less<>> groups;
  int id = 0;
  for (const auto& list : lists) {
    for (const char* name : list) {
      groups.emplace(name, id);
    }
    ++id;
  }
  return groups;
}

} // namespace

namespace {

// The same steps for pure ASCII, which nearly every name is, without ICU's conversions.
std::string normalise_ascii(std::string_view raw)
{
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (const char c : raw) {
    if (c == '\'') {
      continue;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

} // namespace

std::string normalise_text(std::string_view raw)
{
  if (std::all_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return normalise_ascii(raw);
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
  const auto input = icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  const icu::UnicodeString decomposed = U_SUCCESS(status) ? nfkd->normalize(input, status) : input;
  std::string out;
  bool pending_space = false;
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    const UChar32 c = decomposed.char32At(i);
    if (u_getCombiningClass(c) > 0 || u_charType(c) == U_NON_SPACING_MARK) {
      continue; // the accent of a decomposed letter
    }
    if (c == '\'' || c == 0x2019 || c == 0x2018) {
      continue; // O'BRIEN and OBRIEN are one name
    }
    if (!u_isalnum(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    append_utf8(out, u_toupper(c));
  }
  return out;
}

double jaro(std::string_view a, std::string_view b)
{
  if (a.empty() || b.empty()) {
    return 0.0;
  }
  const auto longer = static_cast<std::ptrdiff_t>(std::max(a.size(), b.size()));
  const std::ptrdiff_t window = std::max<std::ptrdiff_t>(longer / 2 - 1, 0);
  std::vector<bool> a_matched(a.size(), false);
  std::vector<bool> b_matched(b.size(), false);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto from = static_cast<std::size_t>(std::max<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(i) - window, 0));
    const auto to = std::min(i + static_cast<std::size_t>(window) + 1, b.size());
    for (std::size_t j = from; j < to; ++j) {
      if (!b_matched[j] && a[i] == b[j]) {
        a_matched[i] = b_matched[j] = true;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) {
    return 0.0;
  }
  std::size_t out_of_order = 0;
  std::size_t j = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a_matched[i]) {
      continue;
    }
    while (!b_matched[j]) {
      ++j;
    }
    out_of_order += a[i] != b[j] ? 1 : 0;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double t = static_cast<double>(out_of_order) / 2.0;
  return (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) + (m - t) / m) / 3.0;
}

double jaro_winkler(std::string_view a, std::string_view b)
{
  const double j = jaro(a, b);
  if (j <= 0.7) {
    return j; // Winkler's boost threshold
  }
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ++prefix;
  }
  return j + static_cast<double>(prefix) * 0.1 * (1.0 - j);
}

std::size_t levenshtein(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::size_t osa_distance(std::string_view a, std::string_view b)
{
  const std::size_t width = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * width);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * width + j]; };
  for (std::size_t i = 0; i <= a.size(); ++i) {
    at(i, 0) = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    at(0, j) = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.size(), b.size());
}

std::string soundex(std::string_view word)
{
  const auto code = [](char c) -> char {
    switch (c) {
    case 'B': case 'F': case 'P': case 'V': return '1';
    case 'C': case 'G': case 'J': case 'K': case 'Q': case 'S': case 'X': case 'Z': return '2';
    case 'D': case 'T': return '3';
    case 'L': return '4';
    case 'M': case 'N': return '5';
    case 'R': return '6';
    case 'H': case 'W': return 'h'; // transparent: does not separate equal codes
    default: return '0';            // vowels and Y: separate equal codes
    }
  };
  std::string out;
  char previous = 0;
  for (const char c : word) {
    if (c < 'A' || c > 'Z') {
      continue;
    }
    const char current = code(c);
    if (out.empty()) {
      out += c;
      previous = current;
      continue;
    }
    if (current == 'h') {
      continue;
    }
    if (current != '0' && current != previous) {
      out += current;
    }
    previous = current;
    if (out.size() == 4) {
      break;
    }
  }
  if (!out.empty()) {
    out.resize(4, '0');
  }
  return out;
}

OwnerName parse_owner_name(std::string_view raw)
{
  // Each whitespace-separated raw word is one group, so that a hyphenated surname stays one surname.
  const auto groups_of = [](std::string_view text) {
    std::vector<std::vector<std::string>> groups;
    std::string word;
    const auto flush = [&] {
      auto tokens = split_words(normalise_text(word));
      std::erase_if(tokens, [](const std::string& token) { return is_title_or_suffix(token); });
      if (!tokens.empty()) {
        groups.push_back(std::move(tokens));
      }
      word.clear();
    };
    for (const char c : text) {
      if (c == ' ' || c == '\t' || c == '&' || c == '/') {
        flush();
      } else {
        word += c;
      }
    }
    flush();
    return groups;
  };
  OwnerName name;
  std::vector<std::vector<std::string>> surname_groups;
  std::vector<std::vector<std::string>> given_groups;
  if (const auto comma = raw.find(','); comma != std::string_view::npos) {
    surname_groups = groups_of(raw.substr(0, comma));
    given_groups = groups_of(raw.substr(comma + 1));
  } else {
    given_groups = groups_of(raw);
    if (given_groups.size() > 1) {
      surname_groups.push_back(given_groups.back());
      given_groups.pop_back();
    } else {
      surname_groups = std::move(given_groups); // one word: take it as the surname
      given_groups.clear();
    }
  }
  std::vector<std::string> surname_tokens;
  for (const auto& group : surname_groups) {
    surname_tokens.insert(surname_tokens.end(), group.begin(), group.end());
  }
  name.surname = join(surname_tokens);
  if (!name.surname.empty()) {
    name.surnames.push_back(name.surname);
    if (surname_tokens.size() > 1) {
      name.surnames.insert(name.surnames.end(), surname_tokens.begin(), surname_tokens.end());
    }
  }
  for (const auto& group : given_groups) {
    name.given.insert(name.given.end(), group.begin(), group.end());
  }
  name.tokens.insert(surname_tokens.begin(), surname_tokens.end());
  name.tokens.insert(name.given.begin(), name.given.end());
  return name;
}

PetName parse_pet_name(std::string_view raw, const std::vector<std::string>& owner_surnames)
{
  PetName pet;
  std::string main(raw);
  // A nickname in parentheses or quotes is an alias, not part of the name.
  for (const auto& [open, close] : {std::pair{'(', ')'}, std::pair{'"', '"'}}) {
    const auto start = main.find(open);
    const auto end = start == std::string::npos ? std::string::npos : main.find(close, start + 1);
    if (end != std::string::npos) {
      pet.alias = normalise_text(main.substr(start + 1, end - start - 1));
      main.erase(start, end - start + 1);
    }
  }
  pet.tokens = split_words(normalise_text(main));
  if (pet.tokens.size() > 1 &&
      std::find(owner_surnames.begin(), owner_surnames.end(), pet.tokens.back()) != owner_surnames.end()) {
    pet.tokens.pop_back(); // BELLA SMITH: the owner's surname appended
  }
  pet.full = join(pet.tokens);
  pet.first_token = pet.tokens.empty() ? std::string() : pet.tokens.front();
  return pet;
}

bool is_owner_nickname_pair(std::string_view a, std::string_view b)
{
  static const auto groups = make_groups(
      {{"ROBERT", "BOB", "ROB", "BOBBY"}, {"WILLIAM", "BILL", "WILL", "BILLY"},
       {"ELIZABETH", "LIZ", "BETH", "BETTY", "LIZZIE"}, {"KATHERINE", "KATE", "KATIE", "KATHY"},
       {"MARGARET", "PEGGY", "MAGGIE", "MEG"}, {"JAMES", "JIM", "JIMMY"}, {"RICHARD", "RICK", "DICK"},
       {"JENNIFER", "JEN", "JENNY"}, {"MICHAEL", "MIKE"}, {"CHRISTOPHER", "CHRIS"}, {"ALEXANDER", "ALEX"},
       {"DANIEL", "DAN", "DANNY"}, {"PATRICIA", "PAT", "TRISH"}, {"SUSAN", "SUE"}, {"JOSEPH", "JOE"},
       {"THOMAS", "TOM"}});
  const int group = nickname_group(groups, a);
  return group >= 0 && group == nickname_group(groups, b);
}

bool is_pet_nickname_pair(std::string_view a, std::string_view b)
{
  static const auto groups =
      make_groups({{"MAX", "MAXIE", "MAXWELL"}, {"OLIVER", "OLLIE"}, {"CHARLIE", "CHARLES"},
                   {"TEDDY", "THEODORE"}, {"LOU", "LOUIE"}, {"ZOE", "ZOEY"}});
  const int group = nickname_group(groups, a);
  return group >= 0 && group == nickname_group(groups, b);
}

std::string normalise_provider(std::string_view raw)
{
  auto tokens = split_words(normalise_text(raw));
  std::erase_if(tokens, [](const std::string& token) { return token == "DR"; });
  return join(tokens);
}

PhoneSet phone_set(std::string_view raw, shared::idexx::PhoneRegion region, std::string_view clinic_e164)
{
  PhoneSet phones;
  for (const auto& run : shared::idexx::phone_runs(raw)) {
    const auto& digits = run.digits;
    if (digits.size() < 7 || std::all_of(digits.begin(), digits.end(), [&](char d) { return d == digits[0]; })) {
      continue; // too short to be a number, or a placeholder such as 000-000-0000
    }
    const auto e164 = shared::idexx::to_e164(run, region);
    if (e164 && *e164 == clinic_e164) {
      continue; // staff typed the clinic's own number
    }
    if (e164) {
      phones.e164.insert(*e164);
    }
    if (e164 || digits.size() == 7) {
      phones.last7.insert(digits.substr(digits.size() - 7));
    }
  }
  return phones;
}

} // namespace reconcile
