#include "tests/linkage/labelled_world.hpp"

#include "shared/core/clinic_time.hpp"
#include "shared/crypto/hashing.hpp"
#include "shared/db/connection.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

namespace tests::linkage {

namespace {

constexpr std::string_view k_namespace = "9c4f1a7e-2b3d-5e6f-8a9b-0c1d2e3f4a5b";

using Random = std::mt19937_64;

double uniform(Random& random) { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }
bool chance(Random& random, double p) { return uniform(random) < p; }
std::size_t pick_index(Random& random, std::size_t size)
{
  return std::uniform_int_distribution<std::size_t>(0, size - 1)(random);
}
int between(Random& random, int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); }
template <typename T> const T& pick(Random& random, const std::vector<T>& values)
{
  return values[pick_index(random, values.size())];
}

// A weighted list: names with their share; `rest` is the share left for made-up rare names.
struct NameTable
{
  std::vector<std::string> names;
  std::vector<double> weights;
  double rest = 0.0;
};

// Pet names: the NYC top 20 with their shares (record-linkage.md §8), a Zipf-like middle, and a
// long tail of made-up, nearly unique names.
const NameTable& pet_table()
{
  static const NameTable table = [] {
    NameTable t;
    const std::vector<std::pair<std::string, double>> top{
        {"MAX", 1.49},    {"BELLA", 1.49}, {"LOLA", 1.00},  {"CHARLIE", 1.00}, {"ROCKY", 0.99}, {"LUCY", 0.88},
        {"BUDDY", 0.85},  {"DAISY", 0.80}, {"COCO", 0.75},  {"LUCKY", 0.72},   {"PRINCESS", 0.70}, {"LUNA", 0.64},
        {"TEDDY", 0.64},  {"CHLOE", 0.63}, {"MOLLY", 0.59}, {"TOBY", 0.57},    {"JACK", 0.56},  {"MILO", 0.51},
        {"OLIVER", 0.49}, {"SOPHIE", 0.48}};
    for (const auto& [name, share] : top) {
      t.names.push_back(name);
      t.weights.push_back(share / 100.0);
    }
    const std::vector<std::string> middle{
        "COOPER", "BAILEY", "SADIE",  "BEAR",    "DUKE",    "TUCKER", "STELLA", "ZOE",    "LILY",    "NALA",
        "KITTY",  "LEO",    "SIMBA",  "LOKI",    "OSCAR",   "JASPER", "PENNY",  "BISCUIT", "ROSIE",  "GINGER",
        "PEPPER", "RILEY",  "BENTLEY", "ZEUS",   "WINSTON", "MURPHY", "GUS",    "MOOSE",  "HARLEY",  "DIESEL",
        "BRUNO",  "RUBY",   "ROXY",   "GRACIE",  "LAYLA",   "MIA",    "HAZEL",  "WILLOW", "PIPER",   "MAGGIE",
        "POLLY",  "ABBY",   "ANNIE",  "BELLE",   "CLEO",    "DIXIE",  "ELLIE",  "FIONA",  "GEORGIA", "HONEY",
        "IVY",    "JUNO",   "KONA",   "MABEL",   "NOVA",    "OLIVE",  "PEACHES", "REMI",  "SASHA",   "TILLY",
        "WINNIE", "ZELDA",  "ACE",    "ARCHIE",  "BANDIT",  "BLUE",   "BOOMER", "BUSTER", "CASPER",  "CHASE",
        "DEXTER", "FINN",   "GIZMO",  "HANK",    "HUNTER",  "JAX",    "KOBE",   "LINCOLN", "LOUIE",  "NEMO",
        "OREO",   "OTIS",   "OZZY",   "PRINCE",  "RANGER",  "REX",    "ROCCO",  "RUSTY",  "SAMMY",   "SCOUT",
        "SHADOW", "SMOKEY", "SPARKY", "THOR",    "TITAN",   "WALLY",  "ZIGGY",  "BINGO",  "CHIEF",   "FRANKIE",
        "GEORGE", "HENRY",  "IGGY",   "JAKE",    "KING",    "MARLEY", "NACHO",  "PABLO",  "PORTIA",  "QUINCY",
        "RALPH",  "TANK",   "VADER",  "WOODY",   "YOGI",    "ZORRO",  "MAXINE", "MAXWELL", "OLLIE",  "THEODORE"};
    double middle_total = 0.0;
    std::vector<double> zipf;
    for (std::size_t i = 0; i < middle.size(); ++i) {
      zipf.push_back(1.0 / (static_cast<double>(i) + 8.0));
      middle_total += zipf.back();
    }
    for (std::size_t i = 0; i < middle.size(); ++i) {
      t.names.push_back(middle[i]);
      t.weights.push_back(0.35 * zipf[i] / middle_total);
    }
    t.rest = 1.0 - 0.158 - 0.35;
    return t;
  }();
  return table;
}

// Surnames: the US Census 2010 top 40 (shares in %), then made-up ones for the long tail.
const NameTable& surname_table()
{
  static const NameTable table = [] {
    NameTable t;
    const std::vector<std::pair<std::string, double>> top{
        {"SMITH", 0.83},    {"JOHNSON", 0.66},   {"WILLIAMS", 0.55}, {"BROWN", 0.49},     {"JONES", 0.48},
        {"GARCIA", 0.40},   {"MILLER", 0.39},    {"DAVIS", 0.38},    {"RODRIGUEZ", 0.35}, {"MARTINEZ", 0.34},
        {"HERNANDEZ", 0.34}, {"LOPEZ", 0.29},    {"GONZALEZ", 0.28}, {"WILSON", 0.27},    {"ANDERSON", 0.26},
        {"THOMAS", 0.26},   {"TAYLOR", 0.25},    {"MOORE", 0.24},    {"JACKSON", 0.24},   {"MARTIN", 0.24},
        {"LEE", 0.23},      {"PEREZ", 0.22},     {"THOMPSON", 0.22}, {"WHITE", 0.22},     {"HARRIS", 0.21},
        {"SANCHEZ", 0.21},  {"CLARK", 0.19},     {"RAMIREZ", 0.19},  {"LEWIS", 0.18},     {"ROBINSON", 0.18},
        {"WALKER", 0.17},   {"YOUNG", 0.16},     {"ALLEN", 0.16},    {"KING", 0.16},      {"WRIGHT", 0.16},
        {"SCOTT", 0.15},    {"TORRES", 0.15},    {"NGUYEN", 0.15},   {"HILL", 0.15},      {"FLORES", 0.15}};
    double total = 0.0;
    for (const auto& [name, share] : top) {
      t.names.push_back(name);
      t.weights.push_back(share / 100.0);
      total += share / 100.0;
    }
    t.rest = 1.0 - total;
    return t;
  }();
  return table;
}

const std::vector<std::string>& first_names()
{
  static const std::vector<std::string> names{
      "ROBERT", "WILLIAM", "ELIZABETH", "KATHERINE", "MARGARET", "JAMES",  "RICHARD", "JENNIFER", "MICHAEL",
      "CHRISTOPHER", "ALEXANDER", "DANIEL", "PATRICIA", "SUSAN", "JOSEPH", "THOMAS", "MARY",    "LINDA",
      "BARBARA", "SARAH",   "KAREN",    "NANCY",    "LISA",     "BETTY",  "SANDRA",  "ASHLEY",   "DONNA",
      "EMILY",   "MICHELLE", "CAROL",   "AMANDA",   "MELISSA",  "DEBORAH", "STEPHANIE", "REBECCA", "LAURA",
      "DAVID",   "JOHN",    "CHARLES",  "MATTHEW",  "ANTHONY",  "MARK",   "DONALD",  "STEVEN",   "PAUL",
      "ANDREW",  "JOSHUA",  "KENNETH",  "KEVIN",    "BRIAN",    "GEORGE", "TIMOTHY", "RONALD",   "JASON",
      "EDWARD",  "JEFFREY", "RYAN",     "JACOB",    "GARY",     "NICHOLAS", "ERIC",  "JONATHAN", "STEPHEN",
      "LARRY",   "JUSTIN",  "SCOTT",    "BRANDON",  "BENJAMIN", "SAMUEL", "GREGORY", "FRANK",    "RAYMOND",
      "ANA",     "MARIA",   "CARLOS",   "JOSE",     "LUIS",     "SOFIA",  "DIEGO",   "CAMILA"};
  return names;
}

// Made-up names for the long tails: two or three syllables, nearly unique.
std::string made_up_name(Random& random, bool surname)
{
  static const std::array<const char*, 24> k_onsets{"B", "C", "D", "F", "G", "H", "J", "K", "L", "M", "N", "P",
                                                    "R", "S", "T", "V", "W", "Z", "BR", "CH", "DR", "GR", "ST", "TR"};
  static const std::array<const char*, 8> k_vowels{"A", "E", "I", "O", "U", "AI", "EA", "OU"};
  static const std::array<const char*, 8> k_surname_ends{"SON", "MAN", "ER", "TON", "FORD", "LEY", "BERG", "WICK"};
  std::string name;
  const int syllables = between(random, 2, 3);
  for (int i = 0; i < syllables; ++i) {
    name += k_onsets[pick_index(random, k_onsets.size())];
    name += k_vowels[pick_index(random, k_vowels.size())];
  }
  if (surname) {
    name += k_surname_ends[pick_index(random, k_surname_ends.size())];
  }
  return name;
}

std::string draw(Random& random, const NameTable& table, bool surname)
{
  double x = uniform(random);
  for (std::size_t i = 0; i < table.names.size(); ++i) {
    if (x < table.weights[i]) {
      return table.names[i];
    }
    x -= table.weights[i];
  }
  return made_up_name(random, surname);
}

std::string title_case(std::string_view upper)
{
  std::string out(upper);
  bool start = true;
  for (auto& c : out) {
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
    if (letter && !start) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    start = !letter;
  }
  return out;
}

// One edit: deletion, insertion (doubled letter), substitution or transposition.
std::string typo(Random& random, const std::string& name)
{
  if (name.size() < 4) {
    return name + name.back();
  }
  const std::size_t i = 1 + pick_index(random, name.size() - 2);
  std::string out = name;
  switch (between(random, 0, 3)) {
  case 0: out.erase(i, 1); break;
  case 1: out.insert(i, 1, out[i]); break;
  case 2: out[i] = static_cast<char>('A' + between(random, 0, 25)); break;
  default: std::swap(out[i], out[i + 1]); break;
  }
  return out;
}

const std::map<std::string, std::string>& spelling_variants()
{
  static const std::map<std::string, std::string> variants{
      {"CHARLIE", "CHARLEY"}, {"SOPHIE", "SOFIE"}, {"CHLOE", "KHLOE"}, {"ZOE", "ZOEY"},  {"LUCY", "LUCIE"},
      {"MOLLY", "MOLLIE"},    {"TEDDY", "TEDDIE"}, {"GRACIE", "GRACEY"}, {"ROXY", "ROXIE"}, {"BAILEY", "BAYLEE"}};
  return variants;
}

const std::map<std::string, std::string>& pet_nicknames()
{
  static const std::map<std::string, std::string> nicknames{
      {"MAX", "MAXIE"}, {"OLIVER", "OLLIE"}, {"CHARLIE", "CHARLES"}, {"TEDDY", "THEODORE"}, {"LOUIE", "LOU"},
      {"ZOE", "ZOEY"}};
  return nicknames;
}

const std::map<std::string, std::string>& owner_nicknames()
{
  static const std::map<std::string, std::string> nicknames{
      {"ROBERT", "BOB"},    {"WILLIAM", "BILL"}, {"ELIZABETH", "LIZ"}, {"KATHERINE", "KATE"}, {"MARGARET", "PEGGY"},
      {"JAMES", "JIM"},     {"RICHARD", "RICK"}, {"JENNIFER", "JEN"},  {"MICHAEL", "MIKE"},   {"CHRISTOPHER", "CHRIS"},
      {"ALEXANDER", "ALEX"}, {"DANIEL", "DAN"},  {"PATRICIA", "PAT"},  {"SUSAN", "SUE"},      {"JOSEPH", "JOE"},
      {"THOMAS", "TOM"}};
  return nicknames;
}

struct Pet
{
  std::string id;
  std::string name;
  std::string species;
};

struct Household
{
  std::string client_id;
  std::string first;
  std::string last;
  std::string phone_digits; // 10 digits
  std::vector<Pet> pets;
};

std::string phone_in_format(Random& random, const std::string& d)
{
  const auto a = d.substr(0, 3);
  const auto b = d.substr(3, 3);
  const auto c = d.substr(6);
  switch (between(random, 0, 5)) {
  case 0: return "(" + a + ") " + b + "-" + c;
  case 1: return a + "-" + b + "-" + c;
  case 2: return a + "." + b + "." + c;
  case 3: return d;
  case 4: return "+1 " + a + " " + b + " " + c;
  default: return "1-" + a + "-" + b + "-" + c;
  }
}

struct Tags
{
  std::set<std::string> values;
  void add(const std::string& tag) { values.insert(tag); }
  [[nodiscard]] std::string joined() const
  {
    std::string out;
    for (const auto& tag : values) {
      out += (out.empty() ? "" : ",") + tag;
    }
    return out;
  }
};

// The case side's pet name: as the night-before sync or a person wrote it, with the noise of §11.
std::string noisy_pet_name(Random& random, const std::string& name, const std::string& surname, bool noise,
                           Tags& tags)
{
  std::string out = name;
  if (noise) {
    const double x = uniform(random);
    if (x < 0.03) {
      out = typo(random, out);
      tags.add("typo");
    } else if (x < 0.05 && spelling_variants().contains(out)) {
      out = spelling_variants().at(out);
      tags.add("variant");
    } else if (x < 0.08 && pet_nicknames().contains(out)) {
      out = pet_nicknames().at(out);
      tags.add("nickname");
    } else if (x < 0.11) {
      static const std::array<const char*, 3> k_forms{"%s MAE", "%s %S", "%s (%B)"};
      const std::string form = k_forms[pick_index(random, k_forms.size())];
      if (form == "%s MAE") {
        out += " MAE";
      } else if (form == "%s %S") {
        out += " " + surname;
      } else {
        out += " (" + out.substr(0, std::min<std::size_t>(out.size(), 4)) + ")";
      }
      tags.add("compound");
    } else if (x < 0.16) {
      out += chance(random, 0.5) ? " " : ".";
      tags.add("punctuation");
    }
  }
  return chance(random, 0.7) ? title_case(out) : out;
}

// The case side's owner: `First Last` mostly, with titles, middle initials, couples, changed or
// hyphenated surnames and nicknames now and then.
std::string noisy_owner_name(Random& random, const Household& household, bool noise, Tags& tags)
{
  std::string first = household.first;
  std::string last = household.last;
  std::string prefix;
  std::string middle;
  if (noise) {
    const double x = uniform(random);
    if (x < 0.03) {
      last = typo(random, last);
      tags.add("typo");
    } else if (x < 0.06) {
      first = typo(random, first);
      tags.add("typo");
    } else if (x < 0.09 && owner_nicknames().contains(first)) {
      first = owner_nicknames().at(first);
      tags.add("nickname");
    } else if (x < 0.10) {
      prefix = chance(random, 0.5) ? "Mrs. " : "Dr. ";
      tags.add("owner_form");
    } else if (x < 0.11) {
      middle = std::string(1, static_cast<char>('A' + between(random, 0, 25))) + ". ";
      tags.add("owner_form");
    } else if (x < 0.12) {
      last = last + "-" + made_up_name(random, true);
      tags.add("owner_form");
    } else if (x < 0.13) {
      first = first + " & " + pick(random, first_names());
      tags.add("owner_form");
    } else if (x < 0.14) {
      return title_case(last) + ", " + title_case(first); // the IDEXX order on the case side too
    }
  }
  return prefix + title_case(first) + " " + middle + title_case(last);
}

std::string noisy_phone(Random& random, const Household& household, const std::string& clinic_digits, bool noise,
                        Tags& tags)
{
  const auto formatted = phone_in_format(random, household.phone_digits);
  if (!noise) {
    return formatted;
  }
  const double x = uniform(random);
  if (x < 0.05) {
    tags.add("phone_missing");
    return "";
  }
  if (x < 0.07) {
    tags.add("phone_changed"); // the owner's number when the visit was booked
    auto old = household.phone_digits;
    old[6] = old[6] == '9' ? '8' : '9';
    old[9] = old[9] == '1' ? '2' : '1';
    return phone_in_format(random, old);
  }
  if (x < 0.08) {
    tags.add("phone_placeholder");
    return chance(random, 0.5) ? "000-000-0000" : phone_in_format(random, clinic_digits);
  }
  if (x < 0.18) {
    tags.add("phone_noisy");
    static const std::array<const char*, 6> k_notes{"Cell: %s BEST!", "NEW %s", "Home: %s", "%s cell", "%s / %o",
                                                    "%s ext 12"};
    std::string note = k_notes[pick_index(random, k_notes.size())];
    note.replace(note.find("%s"), 2, formatted);
    if (const auto other = note.find("%o"); other != std::string::npos) {
      auto second = household.phone_digits;
      second[8] = second[8] == '7' ? '6' : '7';
      note.replace(other, 2, phone_in_format(random, second));
    }
    return note;
  }
  return formatted;
}

std::string iso(shared::Instant instant) { return shared::format_iso8601(instant); }

std::string two(int value) { return (value < 10 ? "0" : "") + std::to_string(value); }

std::string slug(const std::string& provider)
{
  std::string out;
  for (const char c : provider) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  return out;
}

// One booked visit before noise: who, which pet, when it was planned and when it happened.
struct Visit
{
  std::size_t clinic = 0;
  std::size_t household = 0;
  std::size_t pet = 0;
  shared::LocalTime planned;
  shared::LocalTime actual;
  std::string provider;
  bool no_show = false;
  bool walk_in = false;
  Tags tags;
};

} // namespace

LabelledWorld generate_world(const Profile& profile)
{
  LabelledWorld world;
  world.profile = profile;
  Random random(profile.seed);
  static const std::vector<std::string> k_zones{"America/Los_Angeles", "America/Chicago", "America/New_York",
                                                "America/Denver",      "Pacific/Honolulu", "America/Phoenix"};
  static const std::vector<std::string> k_area_codes{"201", "206", "212", "303", "312", "415", "503", "512",
                                                     "602", "617", "702", "713", "808", "858", "907", "925"};
  const auto first_day = shared::parse_local(profile.first_day + " 00:00:00");
  std::int64_t next_id = 100000;
  const auto new_id = [&] { return std::to_string(next_id++); };

  std::vector<Visit> visits;
  std::vector<std::vector<Household>> households(static_cast<std::size_t>(profile.clinics));
  for (int c = 0; c < profile.clinics; ++c) {
    const auto key = std::to_string(profile.seed) + "/" + std::to_string(c);
    Clinic clinic{.id = shared::crypto::uuid5(k_namespace, "clinic/" + key),
                  .user_id = shared::crypto::uuid5(k_namespace, "user/" + key),
                  .name = "Linkage Clinic " + std::to_string(c) + " (" + std::to_string(profile.seed) + ")",
                  .timezone = k_zones[static_cast<std::size_t>(c) % k_zones.size()],
                  .phone = {}};
    const std::string clinic_digits = k_area_codes[static_cast<std::size_t>(c) % k_area_codes.size()] + "5550100";
    clinic.phone = "+1" + clinic_digits;
    world.clinics.push_back(clinic);
    auto& clinic_households = households[static_cast<std::size_t>(c)];
    std::map<std::size_t, std::vector<int>> household_days; // planned and actual day indices of each visit
    std::set<std::string> phones{clinic_digits};
    const auto new_household = [&] {
      Household household{.client_id = new_id(), .first = pick(random, first_names()),
                          .last = draw(random, surname_table(), true), .phone_digits = {}, .pets = {}};
      do {
        household.phone_digits = pick(random, k_area_codes) + "55501" + two(between(random, 0, 99));
      } while (!phones.insert(household.phone_digits).second && phones.size() < 1500);
      const int pets = chance(random, 0.3) ? 2 : 1;
      for (int p = 0; p < pets; ++p) {
        auto name = draw(random, pet_table(), false);
        while (!household.pets.empty() && household.pets.front().name == name) {
          name = draw(random, pet_table(), false); // two pets of one owner never share a name
        }
        household.pets.push_back(Pet{.id = new_id(), .name = name, .species = chance(random, 0.7) ? "dog" : "cat"});
      }
      clinic_households.push_back(household);
      return clinic_households.size() - 1;
    };
    std::vector<std::string> providers;
    for (int p = 0; p < 4; ++p) {
      providers.push_back("DR. " + std::string(1, static_cast<char>('A' + between(random, 0, 25))) + ". " +
                          draw(random, surname_table(), true));
    }
    for (int d = 0; d < profile.days; ++d) {
      const auto day = first_day + std::chrono::days(d);
      std::vector<std::size_t> today; // visits of this clinic-day, for the forced same-name pairs
      for (int v = 0; v < profile.visits_per_clinic_day;) {
        // 08:00 to 19:30 local in 15-minute slots: evening visits cross the UTC date in the west.
        const auto slot = day + std::chrono::hours(8) + std::chrono::minutes(15 * between(random, 0, 46));
        Visit visit{.clinic = static_cast<std::size_t>(c), .household = 0, .pet = 0, .planned = slot, .actual = slot,
                    .provider = pick(random, providers), .no_show = false, .walk_in = false, .tags = {}};
        // A returning owner now and then, but never within a day of their other visits: two bookings of
        // one pet close together are the tagged same-pet-twice scenario, not an accident.
        visit.household = std::numeric_limits<std::size_t>::max();
        if (!clinic_households.empty() && chance(random, 0.1)) {
          const auto candidate = pick_index(random, clinic_households.size());
          const auto& seen = household_days[candidate];
          if (std::none_of(seen.begin(), seen.end(), [&](int other) { return std::abs(other - d) <= 1; })) {
            visit.household = candidate;
          }
        }
        if (visit.household == std::numeric_limits<std::size_t>::max()) {
          visit.household = new_household();
        }
        auto* household = &clinic_households[visit.household];
        visit.pet = pick_index(random, household->pets.size());
        const double r = uniform(random);
        if (r < 0.15) {
          visit.actual += std::chrono::minutes(between(random, 15, 90));
          visit.tags.add("rescheduled_same_day");
        } else if (r < 0.18) {
          visit.actual += std::chrono::days(chance(random, 0.5) ? 1 : -1);
          visit.tags.add("moved_day");
        } else if (r < 0.19) {
          visit.actual += std::chrono::days(between(random, 2, 4));
          visit.tags.add("moved_days");
        }
        const auto actual_day = static_cast<int>(
            std::chrono::floor<std::chrono::days>(visit.actual - first_day).count());
        household_days[visit.household].insert(household_days[visit.household].end(), {d, actual_day});
        visit.no_show = chance(random, profile.no_show);
        visit.walk_in = !visit.no_show && chance(random, profile.walk_in);
        if (visit.walk_in) {
          visit.tags.add("walk_in");
        }
        if (chance(random, profile.forced_same_name) && !today.empty()) {
          // Another owner's pet of the same name, booked close by.
          const auto& other = visits[today[pick_index(random, today.size())]];
          household->pets[visit.pet].name = clinic_households[other.household].pets[other.pet].name;
          visit.planned = other.planned + std::chrono::minutes(15);
          visit.actual = visit.planned;
          for (const char* moved : {"rescheduled_same_day", "moved_day", "moved_days"}) {
            visit.tags.values.erase(moved);
          }
          visit.tags.add("same_name_forced");
        }
        visits.push_back(visit);
        today.push_back(visits.size() - 1);
        ++v;
        if (chance(random, profile.siblings) && v < profile.visits_per_clinic_day) {
          // The owner's other pet in the same slot; sometimes with a similar name.
          if (household->pets.size() < 2) {
            static const std::map<std::string, std::string> k_similar{
                {"MAX", "MAXINE"}, {"MOLLY", "POLLY"}, {"BELLA", "BELLE"}, {"LUCY", "LUNA"}, {"COCO", "CLEO"}};
            const auto& first = household->pets.front().name;
            const auto similar = k_similar.find(first);
            auto name = similar != k_similar.end() && chance(random, 0.5) ? similar->second
                                                                          : draw(random, pet_table(), false);
            if (name == first) {
              name = made_up_name(random, false);
            }
            household->pets.push_back(Pet{.id = new_id(), .name = name, .species = household->pets.front().species});
          }
          Visit sibling = visits.back();
          sibling.pet = visits.back().pet == 0 ? 1 : 0;
          sibling.walk_in = false;
          sibling.no_show = chance(random, 2 * profile.no_show); // "occasionally one of them a no-show"
          sibling.tags = Tags{};
          sibling.tags.add("sibling");
          visits.back().tags.add("sibling");
          visits.push_back(sibling);
          today.push_back(visits.size() - 1);
          ++v;
        }
        if (chance(random, profile.same_pet_twice) && v < profile.visits_per_clinic_day &&
            visits.back().planned < day + std::chrono::hours(15)) {
          Visit recheck = visits.back();
          recheck.planned += std::chrono::hours(4);
          recheck.actual = recheck.planned;
          recheck.no_show = false;
          recheck.walk_in = false;
          recheck.tags = Tags{};
          recheck.tags.add("same_pet_twice");
          visits.back().tags.add("same_pet_twice");
          visits.push_back(recheck);
          today.push_back(visits.size() - 1);
          ++v;
        }
      }
    }
  }

  // Ids, staging rows, cases and the truth.
  std::vector<shared::ClinicZone> zones;
  for (const auto& clinic : world.clinics) {
    zones.emplace_back(clinic.timezone);
  }
  std::optional<shared::Instant> earliest;
  std::optional<shared::Instant> latest;
  for (auto& visit : visits) {
    const auto& clinic = world.clinics[visit.clinic];
    const auto& zone = zones[visit.clinic];
    const auto& household = households[visit.clinic][visit.household];
    const auto& pet = household.pets[visit.pet];
    const std::string clinic_digits = clinic.phone.substr(2);
    Appointment appointment;
    appointment.clinic = visit.clinic;
    appointment.appointment_id = new_id();
    appointment.start = zone.to_utc(visit.actual).instant;
    appointment.start_local = shared::format_local(visit.actual);
    appointment.local_date = appointment.start_local.substr(0, 10);
    appointment.patient_id = pet.id;
    appointment.patient_name = pet.name;
    appointment.client_id = household.client_id;
    appointment.client_name = household.last + ", " + household.first;
    appointment.phone_raw = chance(random, 0.03) ? "" : phone_in_format(random, household.phone_digits);
    appointment.provider = visit.provider;
    appointment.status_raw = visit.no_show ? "No Show" : "Completed";
    appointment.status = visit.no_show ? "no_show" : "completed";
    earliest = earliest ? std::min(*earliest, appointment.start) : appointment.start;
    latest = latest ? std::max(*latest, appointment.start) : appointment.start;
    std::optional<std::string> consultation_id;
    if (!visit.no_show) {
      consultation_id = new_id();
      appointment.consultation_id = consultation_id;
      world.consultations.push_back(Consultation{
          .clinic = visit.clinic, .consultation_id = *consultation_id, .appointment_id = appointment.appointment_id,
          .consulted_at = appointment.start + std::chrono::minutes(5), .local_date = appointment.local_date,
          .patient_id = pet.id, .patient_name = pet.name, .species = pet.species, .client_id = household.client_id,
          .client_name = appointment.client_name, .phone_raw = appointment.phone_raw,
          .notes_html = "<p>Examined " + pet.name + ". Plan discussed with the owner.</p>"});
    }
    world.appointments.push_back(appointment);

    std::string case_id;
    if (!visit.walk_in) {
      Case c;
      c.clinic = visit.clinic;
      c.id = shared::crypto::uuid5(k_namespace, "case/" + appointment.appointment_id);
      case_id = c.id;
      c.scheduled_at = zone.to_utc(visit.planned).instant;
      c.pet_name = noisy_pet_name(random, pet.name, household.last, profile.noise, visit.tags);
      c.owner_name = noisy_owner_name(random, household, profile.noise, visit.tags);
      c.owner_phone = noisy_phone(random, household, clinic_digits, profile.noise, visit.tags);
      const double ids = uniform(random);
      const bool tier1 = consultation_id && ids < profile.with_consultation_id;
      const bool tier2 = !tier1 && ids < profile.with_consultation_id + profile.with_appointment_id;
      nlohmann::json metadata = nlohmann::json::object();
      if (tier1 || tier2) {
        visit.tags.add(tier1 ? "ids_consultation" : "ids_appointment");
        if (tier2 && chance(random, 0.2)) {
          // The Chrome extension's layout: ids and names under idexx.raw, no patient row ids.
          c.source = "idexx_extension";
          c.external_id = "idexx-appt-" + appointment.appointment_id;
          metadata["idexx"] = {{"raw",
                                {{"appointmentId", appointment.appointment_id}, {"pet_name", c.pet_name},
                                 {"owner_name", c.owner_name}, {"phone_number", c.owner_phone}}}};
          visit.tags.add("extension");
        } else {
          c.source = "pims:idexx-neo";
          c.external_id = "pims-appt-idexx-neo-" + appointment.appointment_id;
          if (chance(random, 0.02)) {
            // Legacy form with the vet's name, sometimes a vet the visit has since moved away from.
            c.external_id = "pims-appt-" + slug(chance(random, 0.5) ? visit.provider : "DR. X. OTHER") + "-" +
                            appointment.appointment_id;
            visit.tags.add("legacy_id");
          }
          metadata["pimsAppointment"] = {
              {"id", appointment.appointment_id},
              {"consultationId", tier1 ? nlohmann::json(*consultation_id) : nlohmann::json(nullptr)},
              {"date", shared::format_local(visit.planned).substr(0, 10)},
              {"startTime", iso(c.scheduled_at)},
              {"patient", {{"id", pet.id}, {"name", c.pet_name}}},
              {"client", {{"id", household.client_id}, {"name", c.owner_name}, {"phone", c.owner_phone}}},
              {"provider", {{"id", "1"}, {"name", visit.provider}}}};
        }
      } else {
        // No IDEXX id anywhere: a case a person made, with the names in the patient row only.
        c.source = "manual";
        metadata["entities"] = {{"patient", {{"name", c.pet_name}, {"owner", {{"name", c.owner_name}}}}}};
        visit.tags.add("ids_none");
      }
      metadata["callIntelligence"] = {{"owner", "product"}};
      c.metadata_json = metadata.dump();
      world.cases.push_back(std::move(c));
    }
    if (consultation_id) {
      world.truth.push_back(TruthRow{.clinic_id = clinic.id, .consultation_id = *consultation_id,
                                     .case_id = case_id, .tags = visit.tags.joined()});
    }
  }
  world.window_start = (earliest ? *earliest : shared::Instant{}) - std::chrono::hours(12);
  world.window_end = (latest ? *latest : shared::Instant{}) + std::chrono::hours(12);
  return world;
}

void write_world(pqxx::connection& connection, const LabelledWorld& world)
{
  using Text = std::optional<std::string>;
  shared::db::with_transaction(connection, [&](pqxx::work& tx) {
    tx.exec_params("INSERT INTO sync_runs (run_id, trigger, status, window_start, window_end) "
                   "VALUES ($1, 'manual', 'running', $2, $3)",
                   world.profile.run_id, iso(world.window_start), iso(world.window_end));
    for (const auto& clinic : world.clinics) {
      tx.exec_params("INSERT INTO auth.users (id) VALUES ($1)", clinic.user_id);
      tx.exec_params("INSERT INTO users (id, email, first_name, last_name, role) "
                     "VALUES ($1, 'owner@clinic.example', 'Linkage', 'Owner', 'veterinarian')",
                     clinic.user_id);
      tx.exec_params("INSERT INTO clinics (id, name, phone, timezone, pims_type, is_active) "
                     "VALUES ($1, $2, $3, $4, 'idexx_neo', true)",
                     clinic.id, clinic.name, clinic.phone, clinic.timezone);
      tx.exec_params("INSERT INTO user_clinic_access (user_id, clinic_id, role, is_primary) "
                     "VALUES ($1, $2, 'owner', true)",
                     clinic.user_id, clinic.id);
      tx.exec_params("INSERT INTO sync_work_items (run_id, clinic_id, state, window_start, window_end) "
                     "VALUES ($1, $2, 'extracted', $3, $4)",
                     world.profile.run_id, clinic.id, iso(world.window_start), iso(world.window_end));
      tx.exec_params("INSERT INTO idexx_sync_sessions (user_id, clinic_id, run_id, status, window_start, window_end) "
                     "VALUES ($1, $2, $3, 'in_progress', $4, $5)",
                     clinic.user_id, clinic.id, world.profile.run_id, iso(world.window_start), iso(world.window_end));
    }
    {
      pqxx::stream_to cases(tx, "cases",
                            std::vector<std::string>{"id", "clinic_id", "source", "external_id", "status", "type",
                                                     "visibility", "scheduled_at", "metadata"});
      for (const auto& c : world.cases) {
        cases << std::make_tuple(c.id, world.clinics[c.clinic].id, c.source, c.external_id, std::string("draft"),
                                 std::string("checkup"), std::string("private"), iso(c.scheduled_at), c.metadata_json);
      }
      cases.complete();
    }
    {
      pqxx::stream_to patients(tx, "patients",
                               std::vector<std::string>{"case_id", "clinic_id", "name", "owner_name", "owner_phone",
                                                        "source"});
      for (const auto& c : world.cases) {
        patients << std::make_tuple(c.id, world.clinics[c.clinic].id, c.pet_name, c.owner_name,
                                    c.owner_phone.empty() ? Text{} : Text{c.owner_phone}, std::string("idexx-sync"));
      }
      patients.complete();
    }
    {
      pqxx::stream_to appointments(
          tx, "staging_appointments",
          std::vector<std::string>{"run_id", "clinic_id", "neo_appointment_id", "neo_consultation_id", "start_at",
                                   "local_date", "start_local", "patient_id", "patient_name", "client_id",
                                   "client_name", "phone_raw", "provider", "status_raw", "status", "raw",
                                   "content_hash"});
      for (const auto& a : world.appointments) {
        appointments << std::make_tuple(world.profile.run_id, world.clinics[a.clinic].id, a.appointment_id,
                                        a.consultation_id, iso(a.start), a.local_date, a.start_local, a.patient_id,
                                        a.patient_name, a.client_id, a.client_name,
                                        a.phone_raw.empty() ? Text{} : Text{a.phone_raw}, a.provider, a.status_raw,
                                        a.status, std::string("{}"), "a-" + a.appointment_id);
      }
      appointments.complete();
    }
    {
      pqxx::stream_to consultations(
          tx, "staging_consultations",
          std::vector<std::string>{"run_id", "clinic_id", "neo_consultation_id", "neo_appointment_id", "consulted_at",
                                   "local_date", "status", "patient_id", "patient_name", "patient_species",
                                   "client_id", "client_name", "phone_raw", "notes_html", "raw", "content_hash"});
      for (const auto& c : world.consultations) {
        consultations << std::make_tuple(world.profile.run_id, world.clinics[c.clinic].id, c.consultation_id,
                                         c.appointment_id, iso(c.consulted_at), c.local_date, std::string("finalized"),
                                         c.patient_id, c.patient_name, c.species, c.client_id, c.client_name,
                                         c.phone_raw.empty() ? Text{} : Text{c.phone_raw}, c.notes_html,
                                         std::string("{}"), shared::crypto::sha256_hex(c.notes_html));
      }
      consultations.complete();
    }
  });
}

std::string truth_tsv(const LabelledWorld& world)
{
  std::ostringstream out;
  for (const auto& row : world.truth) {
    out << row.clinic_id << '\t' << row.consultation_id << '\t' << row.case_id << '\t' << row.tags << '\n';
  }
  return out.str();
}

} // namespace tests::linkage
