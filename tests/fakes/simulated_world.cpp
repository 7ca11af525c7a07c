#include "tests/fakes/simulated_world.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string_view>

namespace tests::fakes {

namespace {

using std::chrono::days;
using std::chrono::local_seconds;
using std::chrono::minutes;

const date::time_zone* zone_of(const std::string& timezone)
{
  try {
    return date::locate_zone(timezone);
  } catch (const std::exception& error) {
    throw std::runtime_error("unknown time zone '" + timezone + "': " + error.what());
  }
}

// Plain modulo instead of std::uniform_int_distribution: the same seed gives the same world with
// any standard library.
class Random
{
public:
  explicit Random(std::uint64_t seed) : m_engine(seed) {}
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(m_engine() % n); }
  bool one_in(std::size_t n) { return below(n) == 0; }
  template <typename T, std::size_t N> const T& pick(const std::array<T, N>& items)
  {
    return items[below(N)];
  }
  std::string digits(std::size_t count)
  {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
      out += static_cast<char>('0' + below(10));
    }
    return out;
  }

private:
  std::mt19937_64 m_engine;
};

constexpr std::array<const char*, 6> k_zones{"America/Chicago",     "America/New_York",
                                             "America/Los_Angeles", "Europe/London",
                                             "America/Denver",      "America/Toronto"};
constexpr std::array<const char*, 8> k_clinic_names{
    "Riverside Animal Hospital", "Maple Street Vet",     "Prairie Paws Clinic",
    "Harbour View Vets",         "Oak & Ivy Veterinary", "Cedar Ridge Pet Care",
    "Lakeshore Animal Clinic",   "Sunnyvale Vet Centre"};
constexpr std::array<const char*, 14> k_patients{
    "BISCUIT",      "MOCHI",    "ZOË",
    "MR. WHISKERS", "CHLOÉ",    "O'MALLEY",
    "LUNA 🐾",       "PEANUT",   "ZOE\xCC\x88" /* Z O E + combining diaeresis: decomposed */,
    "BÄRLI",        "MAX",      "COCO",
    "小白",         "ROSIE-MAE"};
constexpr std::array<const char*, 10> k_first_names{
    "ALEX", "JORDAN", "JOSÉ", "ANNE-MARIE", "SIOBHÁN", "王", "SAM", "RENÉE", "D'ANDRE", "KIM"};
constexpr std::array<const char*, 10> k_last_names{"EXAMPLE", "MUÑOZ",  "NGUYỄN", "O'NEIL-SMITH",
                                                   "李",      "SAMPLE", "GARCÍA", "DE LA CRUZ",
                                                   "MÜLLER",  "O'BRIEN"};
constexpr std::array<const char*, 6> k_vets{"DR. R. SAMPLE", "DR. A. NGUYỄN", "DR. J. O'BRIEN",
                                            "DR. M. GARCÍA", "DR. K. SMITH",  "DR. É. LEFÈVRE"};
constexpr std::array<const char*, 6> k_types{"Vaccination",   "Recheck", "Surgery",
                                             "Wellness Exam", "Dental",  "Sick Visit"};
constexpr std::array<const char*, 8> k_reasons{
    "Annual vaccines", "Ear recheck", "Vomiting x2 days", "Limping left hind",
    "Dental cleaning", "Skin itchy",  "Post-op check",    "Not eating"};
constexpr std::array<std::array<const char*, 2>, 6> k_species{{{"Canine", "Beagle"},
                                                               {"Feline", "Domestic Shorthair"},
                                                               {"DOG", "Labrador Retriever"},
                                                               {"Feline", "Maine Coon"},
                                                               {"Avian", "Cockatiel"},
                                                               {"Rabbit", "Holland Lop"}}};
constexpr std::array<const char*, 8> k_products{
    "Rabies Vaccine 1yr", "Maropitant 16mg",   "Carprofen 75mg",        "Abdominal radiographs",
    "Cerenia injection",  "Amoxicillin 250mg", "CBC & Chemistry panel", "Nail trim"};
constexpr std::array<double, 7> k_quantities{1.0, 0.5, 1.5, 2.0, 4.0, 10.25, 14.0};
constexpr std::array<const char*, 6> k_diagnoses{
    "Acute gastroenteritis", "Otitis externa",    "Healthy",
    "Periodontal disease",   "Atopic dermatitis", "Osteoarthritis"};

std::string password(Random& random)
{
  static constexpr std::string_view upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  static constexpr std::string_view lower = "abcdefghijkmnopqrstuvwxyz";
  static constexpr std::string_view digit = "23456789";
  static constexpr std::string_view symbol = "!@#$%^&*()-_=+?.,;:~";
  const std::array<std::string_view, 4> classes{upper, lower, digit, symbol};
  std::string out;
  for (std::size_t i = 0; i < 20; ++i) {
    const auto& chars = classes[i < 4 ? i : random.below(4)];
    out += chars[random.below(chars.size())];
  }
  // Move the guaranteed four away from the front.
  for (std::size_t i = out.size() - 1; i > 0; --i) {
    std::swap(out[i], out[random.below(i + 1)]);
  }
  return out;
}

// Free text as staff type it (idexx-neo.md 9); numbers from the 555-01xx / 07700 900xxx fiction
// ranges.
std::string messy_phone(Random& random, bool uk)
{
  const auto tail = "01" + random.digits(2);
  if (uk) {
    switch (random.below(5)) {
    case 0:
      return "07700 900" + random.digits(3);
    case 1:
      return "Mob: 07700900" + random.digits(3);
    case 2:
      return "07700 900" + random.digits(3) + " / 07700 900" + random.digits(3);
    case 3:
      return "";
    default:
      return "+44 7700 900" + random.digits(3);
    }
  }
  switch (random.below(14)) {
  case 0:
    return "555555" + tail + " BEST!";
  case 1:
    return "NEW 555-555-" + tail;
  case 2:
    return "Home: (555) 555-" + tail;
  case 3:
    return "555-555-" + tail + " / 555-555-01" + random.digits(2);
  case 4:
    return "cell 555.555." + tail + " ext 12";
  case 5:
    return "1-555-555-" + tail;
  case 6:
    return "+1 (555) 555-" + tail;
  case 7:
    return "555-" + tail;
  case 8:
    return "";
  case 9:
    return "N/A";
  case 10:
    return "see notes";
  default:
    return "(555) 555-" + tail;
  }
}

std::string notes_html(Random& random, const std::string& patient, const std::string& reason)
{
  std::string html = "<p><strong>S:</strong> " + patient + " presented for " + reason +
                     ".&nbsp;Owner reports normal appetite &amp; energy until 2 days ago.</p>\r\n";
  html +=
      "<p><strong>O:</strong> T 101.8&nbsp;F, HR 96, RR 24. BCS 5/9. Mild discomfort on palpation; "
      "owner&#39;s notes attached.</p>\r\n";
  static constexpr std::array<const char*, 6> history{
      "<p>History: vaccines current; last visit &lt;12 months ago. No known drug "
      "allergies.</p>\r\n",
      "<ul><li>Diet: kibble &amp; occasional table scraps</li><li>Indoor/outdoor</li></ul>\r\n",
      "<p>Discussed weight management &amp; dental home care with owner; owner&#39;s questions "
      "answered.</p>\r\n",
      "<table "
      "style=\"width:100%\"><tr><td>WBC</td><td>12.1</td></tr><tr><td>HCT</td><td>45&nbsp;%</td></"
      "tr></table>\r\n",
      "<p><em>Recheck</em> in 10&ndash;14 days if signs persist. Call if vomiting &gt; "
      "2x/day.</p>\r\n",
      "<p>Estimate given: exam, meds &amp; optional radiographs (declined today).</p>\r\n"};
  const std::size_t target = 1024 + random.below(1800);
  while (html.size() < target) {
    html += history[random.below(history.size())];
  }
  html += "<p><strong>A:</strong> See diagnoses.<br><strong>P:</strong> Maropitant 1 tab SID x 4d; "
          "bland diet.</p>";
  return html;
}

struct Visit
{
  local_seconds start;
  int duration_minutes = 15;
  SysSeconds start_utc;
  SysSeconds end_utc;
  std::size_t vet = 0;
  bool has_provider = true;
};

} // namespace

SysSeconds local_to_utc(const std::string& timezone, local_seconds local)
{
  const auto* zone = zone_of(timezone);
  const date::local_seconds as_date{local.time_since_epoch()};
  const auto info = zone->get_info(as_date);
  // unique: the only offset; nonexistent: `first` is the offset before the gap; ambiguous: `first`
  // gives the earlier instant (Decision 24).
  return SysSeconds{as_date.time_since_epoch() - info.first.offset};
}

local_seconds utc_to_local(const std::string& timezone, SysSeconds utc)
{
  const auto* zone = zone_of(timezone);
  return local_seconds{zone->to_local(utc).time_since_epoch()};
}

std::string format_local(local_seconds local)
{
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{local - day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buffer;
}

namespace {

std::optional<int> number(std::string_view text, std::size_t pos, std::size_t count)
{
  if (pos + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<local_seconds> make_local(int year, int month, int day, int hour, int minute,
                                        int second)
{
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  return local_seconds{std::chrono::local_days{ymd}} + std::chrono::hours{hour} + minutes{minute} +
         std::chrono::seconds{second};
}

} // namespace

std::optional<local_seconds> parse_local(const std::string& text)
{
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto y = number(text, 0, 4), mo = number(text, 5, 2), d = number(text, 8, 2);
  const auto h = number(text, 11, 2), mi = number(text, 14, 2), s = number(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s) {
    return std::nullopt;
  }
  return make_local(*y, *mo, *d, *h, *mi, *s);
}

std::optional<local_seconds> parse_search_local(const std::string& text)
{
  if (text.size() != 19 || text[2] != '.' || text[5] != '.' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto d = number(text, 0, 2), mo = number(text, 3, 2), y = number(text, 6, 4);
  const auto h = number(text, 11, 2), mi = number(text, 14, 2), s = number(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s) {
    return std::nullopt;
  }
  return make_local(*y, *mo, *d, *h, *mi, *s);
}

std::size_t consultations_in_window(const Tenant& tenant, SysSeconds from, SysSeconds to)
{
  return static_cast<std::size_t>(std::count_if(
      tenant.consultations.begin(), tenant.consultations.end(), [&](const Consultation& c) {
        return c.consulted_at_utc >= from && c.consulted_at_utc <= to;
      }));
}

namespace {

Tenant make_tenant(Random& random, std::size_t index, std::size_t zone_offset, SysSeconds now,
                   int appointments)
{
  const auto number_in_world = static_cast<std::int64_t>(index + 1);
  Tenant tenant;
  const bool with_company = index == 0 || (index != 1 && !random.one_in(3));
  if (with_company) {
    tenant.company_id = std::to_string(10000 + random.below(90000));
  }
  std::string suffix;
  for (int i = 0; i < 4; ++i) {
    suffix += static_cast<char>('a' + random.below(26));
  }
  tenant.username = "sync.clinic" + std::to_string(number_in_world) + "." + suffix;
  tenant.password = password(random);
  tenant.email = tenant.username + "@clinic" + std::to_string(number_in_world) + ".example.com";
  tenant.timezone = k_zones[(index + zone_offset) % k_zones.size()];
  tenant.uk = tenant.timezone == "Europe/London";
  tenant.clinic_name = std::string(k_clinic_names[index % k_clinic_names.size()]) + " #" +
                       std::to_string(number_in_world);
  tenant.branch_id = number_in_world * 10 + 1;
  tenant.branch_name = "Main";
  tenant.calendar_wrapper = static_cast<CalendarWrapper>(index % 4); // all four wrappers are [prod]

  const std::int64_t id_base = number_in_world * 100000;
  const std::string domain = "@clinic" + std::to_string(number_in_world) + ".example.com";
  for (std::int64_t v = 0; v < 3; ++v) {
    Provider vet;
    vet.id = id_base + 1 + v;
    vet.name = k_vets[(index + static_cast<std::size_t>(v)) % k_vets.size()];
    vet.email = "vet" + std::to_string(v + 1) + domain;
    vet.license_number = "VL-" + random.digits(5);
    vet.user_type = "vet";
    tenant.providers.push_back(vet);
  }
  tenant.login_user_id = id_base + 99;

  const auto today = std::chrono::floor<days>(utc_to_local(tenant.timezone, now));
  const auto local_at = [&](local_seconds local) { return local_to_utc(tenant.timezone, local); };

  std::vector<Visit> visits;
  for (int i = 0; i < appointments; ++i) {
    Visit visit;
    const auto day = today + days{static_cast<int>(random.below(5)) - 3};
    visit.start = local_seconds{day} + minutes{8 * 60 + 15 * static_cast<int>(random.below(38))};
    visit.duration_minutes = 15 * static_cast<int>(1 + random.below(3));
    visit.start_utc = local_at(visit.start);
    visit.end_utc = visit.start_utc + minutes{visit.duration_minutes};
    visit.vet = random.below(tenant.providers.size());
    visit.has_provider = !random.one_in(12);
    visits.push_back(visit);
  }
  std::stable_sort(visits.begin(), visits.end(),
                   [](const Visit& a, const Visit& b) { return a.start_utc < b.start_utc; });

  std::int64_t next_appointment = id_base + 80000;
  std::int64_t next_consultation = id_base + 50000;
  std::int64_t next_line = 1;
  std::int64_t next_patient = id_base + 5000;
  std::int64_t next_client = id_base + 7000;

  const auto fill_clinical = [&](Consultation& c, const std::string& patient,
                                 const std::string& first, const std::string& last,
                                 const std::string& phone, const std::string& email,
                                 std::size_t vet, const std::string& reason) {
    c.reason = reason;
    c.patient_name = patient;
    const auto& species = k_species[random.below(k_species.size())];
    c.species = species[0];
    c.breed = species[1];
    c.client_first_name = first;
    c.client_last_name = last;
    c.client_phone = phone;
    c.client_email = email;
    c.provider_id = tenant.providers[vet].id;
    c.provider_name = tenant.providers[vet].name;
    c.notes_html = notes_html(random, patient, reason);
    if (!random.one_in(3)) {
      c.discharge_summary =
          "<p>Bland diet for 3 days &amp; recheck if not eating.</p><p>Give meds with food.</p>";
    }
    c.lines.push_back({next_line++, "Examination", 1.0, false});
    const auto extra = 1 + random.below(3);
    for (std::size_t l = 0; l < extra; ++l) {
      c.lines.push_back({next_line++, k_products[random.below(k_products.size())],
                         k_quantities[random.below(k_quantities.size())], random.one_in(4)});
    }
    c.temperature_f = 100.5 + static_cast<double>(random.below(30)) / 10.0;
    c.pulse = 80 + static_cast<int>(random.below(60));
    c.respiration = 18 + static_cast<int>(random.below(20));
    c.weight_kg = 2.0 + static_cast<double>(random.below(400)) / 10.0;
    c.diagnoses.emplace_back(k_diagnoses[random.below(k_diagnoses.size())]);
  };

  for (const auto& visit : visits) {
    Appointment a;
    a.id = next_appointment++;
    a.start_local = format_local(visit.start);
    a.start_utc = visit.start_utc;
    if (random.one_in(20)) {
      a.end_local = a.start_local; // end equal to start
    } else if (!random.one_in(15)) {
      a.end_local = format_local(visit.start + minutes{visit.duration_minutes});
    }
    a.patient_id = next_patient++;
    a.patient_name = random.pick(k_patients);
    a.client_id = next_client++;
    a.first_name = random.pick(k_first_names);
    a.last_name = random.pick(k_last_names);
    a.email =
        random.one_in(8) ? std::string{} : "owner" + std::to_string(a.client_id) + "@example.com";
    a.phone_number = messy_phone(random, tenant.uk);
    a.provider = visit.has_provider ? tenant.providers[visit.vet].name : std::string{};
    a.resource_id = std::to_string(1 + random.below(6));
    a.type_description = random.pick(k_types);
    a.reason = random.pick(k_reasons);
    if (visit.end_utc <= now) {
      const auto roll = random.below(100);
      a.status = roll < 6    ? "No Show"
                 : roll < 10 ? "Cancelled"
                 : roll < 35 ? "Ready to Pay"
                             : "Finalized";
    } else if (visit.start_utc <= now) {
      a.status = "In Progress";
    } else {
      a.status = random.one_in(25) ? "Cancelled" : "Scheduled";
    }
    if (a.status == "Finalized" || a.status == "Ready to Pay" || a.status == "In Progress") {
      Consultation c;
      c.id = next_consultation++;
      c.appointment_id = a.id;
      c.consulted_at_utc =
          std::min(visit.start_utc + minutes{static_cast<int>(random.below(10))}, now);
      c.consulted_at_local = format_local(utc_to_local(tenant.timezone, c.consulted_at_utc));
      c.status = a.status == "Finalized" || (a.status == "Ready to Pay" && !random.one_in(3))
                     ? "completed"
                     : "in_progress";
      c.patient_id = a.patient_id;
      c.client_id = a.client_id;
      fill_clinical(c, a.patient_name, a.first_name, a.last_name, a.phone_number, a.email,
                    visit.vet, a.reason);
      a.consultation_id = c.id;
      tenant.consultations.push_back(std::move(c));
    }
    tenant.appointments.push_back(std::move(a));
  }

  // Blocks and roster entries (idexx-neo.md 4.1: is_block / is_roster), one of each per day.
  for (int offset = -3; offset <= 1; ++offset) {
    const auto day = local_seconds{today + days{offset}};
    Appointment lunch;
    lunch.kind = EntryKind::block;
    lunch.id = next_appointment++;
    lunch.start_local = format_local(day + std::chrono::hours{12});
    lunch.end_local = format_local(day + std::chrono::hours{13});
    lunch.start_utc = local_at(day + std::chrono::hours{12});
    lunch.resource_id = "0";
    lunch.reason = "Lunch";
    lunch.type_description = "Block";
    tenant.appointments.push_back(lunch);
    Appointment roster;
    roster.kind = EntryKind::roster;
    roster.id = next_appointment++;
    roster.start_local = format_local(day + std::chrono::hours{8});
    roster.end_local = format_local(day + std::chrono::hours{18});
    roster.start_utc = local_at(day + std::chrono::hours{8});
    roster.provider = tenant.providers[random.below(tenant.providers.size())].name;
    roster.resource_id = "roster";
    roster.type_description = "Roster";
    tenant.appointments.push_back(roster);
  }

  // Walk-ins: a consultation without an appointment (search appointmentId: null).
  const auto walk_ins = 2 + random.below(3);
  for (std::size_t w = 0; w < walk_ins; ++w) {
    auto local = local_seconds{today - days{static_cast<int>(random.below(3))}} +
                 minutes{8 * 60 + 5 * static_cast<int>(random.below(110))};
    auto utc = local_at(local);
    if (utc > now) {
      local -= days{1};
      utc = local_at(local);
    }
    Consultation c;
    c.id = next_consultation++;
    c.consulted_at_utc = utc;
    c.consulted_at_local = format_local(local);
    c.status = random.one_in(4) ? "in_progress" : "completed";
    c.patient_id = next_patient++;
    c.client_id = next_client++;
    // One draw per statement: argument evaluation order is unspecified.
    const std::string patient = random.pick(k_patients);
    const std::string first = random.pick(k_first_names);
    const std::string last = random.pick(k_last_names);
    const auto phone = messy_phone(random, tenant.uk);
    const auto vet = random.below(tenant.providers.size());
    const auto reason = "Walk-in: " + std::string(random.pick(k_reasons));
    fill_clinical(c, patient, first, last, phone,
                  "walkin" + std::to_string(c.client_id) + "@example.com", vet, reason);
    tenant.consultations.push_back(std::move(c));
  }
  std::stable_sort(
      tenant.appointments.begin(), tenant.appointments.end(),
      [](const Appointment& a, const Appointment& b) { return a.start_utc < b.start_utc; });
  return tenant;
}

} // namespace

World generate_world(std::uint64_t seed, SysSeconds now, int clinic_count,
                     int appointments_per_clinic)
{
  if (clinic_count < 0 || appointments_per_clinic < 0) {
    throw std::invalid_argument("generate_world: counts must not be negative");
  }
  Random random(seed);
  World world;
  world.seed = seed;
  world.now = now;
  const auto zone_offset = random.below(k_zones.size());
  for (std::size_t i = 0; i < static_cast<std::size_t>(clinic_count); ++i) {
    world.tenants.push_back(make_tenant(random, i, zone_offset, now, appointments_per_clinic));
  }
  return world;
}

} // namespace tests::fakes
