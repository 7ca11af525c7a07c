#include "shared/idexx/idexx_parsing.hpp"

#include "shared/idexx/json_text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace shared::idexx {

using nlohmann::json;

const char* to_string(LoginFailure reason)
{
  switch (reason) {
  case LoginFailure::invalid_credentials:
    return "invalid_credentials";
  case LoginFailure::two_factor_unsupported:
    return "2fa_unsupported";
  case LoginFailure::login_form_unrecognised:
    return "login_form_unrecognised";
  }
  return "login_form_unrecognised";
}

const char* to_string(AppointmentStatus status)
{
  switch (status) {
  case AppointmentStatus::scheduled:
    return "scheduled";
  case AppointmentStatus::confirmed:
    return "confirmed";
  case AppointmentStatus::checked_in:
    return "checked_in";
  case AppointmentStatus::in_progress:
    return "in_progress";
  case AppointmentStatus::ready_to_pay:
    return "ready_to_pay";
  case AppointmentStatus::finalized:
    return "finalized";
  case AppointmentStatus::completed:
    return "completed";
  case AppointmentStatus::discharged:
    return "discharged";
  case AppointmentStatus::no_show:
    return "no_show";
  case AppointmentStatus::cancelled:
    return "cancelled";
  case AppointmentStatus::unknown:
    return "unknown";
  }
  return "unknown";
}

const char* to_string(ConsultationStatus status)
{
  switch (status) {
  case ConsultationStatus::in_progress:
    return "in_progress";
  case ConsultationStatus::completed:
    return "completed";
  case ConsultationStatus::cancelled:
    return "cancelled";
  case ConsultationStatus::unknown:
    return "unknown";
  }
  return "unknown";
}

const char* to_string(Species species)
{
  switch (species) {
  case Species::dog:
    return "dog";
  case Species::cat:
    return "cat";
  case Species::bird:
    return "bird";
  case Species::rabbit:
    return "rabbit";
  case Species::other:
    return "other";
  case Species::unknown:
    return "unknown";
  }
  return "unknown";
}

namespace {

// A-Z only, as std::tolower in the "C" locale, without a library call per byte (every string of
// every page-data passes here, see strip_staff_data).
std::string lower_ascii(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

bool contains_ci(std::string_view haystack, std::string_view needle)
{
  return lower_ascii(haystack).find(lower_ascii(needle)) != std::string::npos;
}

std::string trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

json parse_json(std::string_view body, std::string_view what)
{
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::exception&) {
    throw SchemaError(std::string(what) + ": body is not JSON");
  }
}

// A JSON scalar as text: strings as they are, integers in decimal, null/absent/objects as empty.
std::string scalar_text(const json* value)
{
  if (value == nullptr || value->is_null()) {
    return {};
  }
  if (value->is_string()) {
    return value->get<std::string>();
  }
  if (value->is_number_integer()) {
    return std::to_string(value->get<std::int64_t>());
  }
  if (value->is_number_unsigned()) {
    return std::to_string(value->get<std::uint64_t>());
  }
  if (value->is_number_float()) {
    const double d = value->get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) {
      return std::to_string(static_cast<std::int64_t>(d));
    }
    return value->dump();
  }
  if (value->is_boolean()) {
    return value->get<bool>() ? "true" : "false";
  }
  return {};
}

const json* field(const json& object, std::string_view name)
{
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

// The first of `names` that is present with a non-empty scalar value.
std::string first_text(const json& object, std::initializer_list<std::string_view> names)
{
  for (const auto name : names) {
    auto text = trim(scalar_text(field(object, name)));
    if (!text.empty()) {
      return text;
    }
  }
  return {};
}

// Booleans arrive as true/false, 0/1 or "0"/"1" (idexx-neo.md §4.1).
bool truthy(const json* value)
{
  if (value == nullptr) {
    return false;
  }
  if (value->is_boolean()) {
    return value->get<bool>();
  }
  if (value->is_number()) {
    return value->get<double>() != 0.0;
  }
  if (value->is_string()) {
    const auto text = lower_ascii(trim(value->get<std::string>()));
    return text == "1" || text == "true" || text == "yes";
  }
  return false;
}

std::optional<NeoTime> read_time(const std::string& text, const ClinicZone& zone)
{
  if (text.empty()) {
    return std::nullopt;
  }
  try {
    const auto resolved = parse_clinic_time(text, zone);
    return NeoTime{resolved.instant, text, resolved.kind};
  } catch (const DataError&) {
    return std::nullopt;
  }
}

std::string join_name(const std::string& first, const std::string& last)
{
  if (first.empty()) {
    return last;
  }
  if (last.empty()) {
    return first;
  }
  return first + " " + last;
}

std::optional<Appointment> read_appointment(const json& record, const ClinicZone& zone,
                                            std::vector<MalformedRecord>& malformed, int& rosters)
{
  const auto raw = compact_json(record);
  if (!record.is_object()) {
    malformed.push_back({"not an object", raw});
    return std::nullopt;
  }
  if (truthy(field(record, "is_roster")) || truthy(field(record, "isRoster"))) {
    ++rosters;
    return std::nullopt;
  }
  Appointment out;
  const auto id = first_text(record, {"appointment_id", "appointmentId", "id"});
  if (id.empty()) {
    malformed.push_back({"missing id", raw});
    return std::nullopt;
  }
  out.id = AppointmentId{id};
  const auto start_text = scalar_text(field(record, "start"));
  if (start_text.empty()) {
    malformed.push_back({"missing start", raw});
    return std::nullopt;
  }
  auto start = read_time(start_text, zone);
  if (!start) {
    malformed.push_back({"unparseable start", raw});
    return std::nullopt;
  }
  out.start = *start;
  out.local_date = zone.local_date(start->utc);
  // `end` may be missing, equal to or before `start`: the duration is then unknown (§8).
  if (auto end = read_time(scalar_text(field(record, "end")), zone); end && end->utc > start->utc) {
    out.end = end;
  }
  if (const auto consultation = first_text(record, {"consultation_id", "consultationId"});
      !consultation.empty() && consultation != "0") {
    out.consultation_id = ConsultationId{consultation};
  }
  const auto title = scalar_text(field(record, "title"));
  const auto semicolon = title.find(';');
  out.patient_id = first_text(record, {"patient_id", "patientId"});
  out.patient_name = first_text(record, {"patient_name", "patientName"});
  if (out.patient_name.empty() && semicolon != std::string::npos) {
    out.patient_name = trim(std::string_view(title).substr(0, semicolon));
  }
  out.client_id = first_text(record, {"client_id", "clientId"});
  out.client_name =
      join_name(first_text(record, {"first_name"}), first_text(record, {"last_name"}));
  if (out.client_name.empty()) {
    out.client_name = first_text(record, {"clientName"});
  }
  if (out.client_name.empty() && semicolon != std::string::npos) {
    out.client_name = trim(std::string_view(title).substr(semicolon + 1));
  }
  out.phone_raw = first_text(record, {"phone_number", "clientPhone"});
  out.email = first_text(record, {"email", "clientEmail"});
  out.provider = first_text(record, {"provider", "providerName"});
  out.resource_id = first_text(record, {"resourceId", "resource_id"});
  out.type = first_text(record, {"type_description", "appointmentType", "type"});
  out.reason = first_text(record, {"reason"});
  out.status_raw = first_text(record, {"current_status", "status_label", "status", "className"});
  out.status = normalise_appointment_status(out.status_raw);
  out.is_block = truthy(field(record, "is_block")) || truthy(field(record, "isBlock"));
  out.raw_json = raw;
  return out;
}

std::optional<ConsultationSummary> read_summary(const json& record, const ClinicZone& zone,
                                                std::vector<MalformedRecord>& malformed)
{
  const auto raw = compact_json(record);
  if (!record.is_object()) {
    malformed.push_back({"not an object", raw});
    return std::nullopt;
  }
  ConsultationSummary out;
  const auto id = first_text(record, {"id", "consultationId", "consultation_id"});
  if (id.empty()) {
    malformed.push_back({"missing id", raw});
    return std::nullopt;
  }
  out.id = ConsultationId{id};
  if (const auto appointment = first_text(record, {"appointmentId", "appointment_id"});
      !appointment.empty()) {
    out.appointment_id = AppointmentId{appointment};
  }
  out.patient_name = first_text(record, {"patientName", "patient_name"});
  out.client_name = first_text(record, {"clientName", "client_name"});
  out.provider_id = first_text(record, {"providerId", "provider_id"});
  out.provider_name = first_text(record, {"providerName", "provider"});
  out.consulted_at = read_time(first_text(record, {"consultedAt", "consulted_at", "date"}), zone);
  out.status_raw = first_text(record, {"status"});
  out.status = normalise_consultation_status(out.status_raw);
  out.clinical_notes_html = scalar_text(field(record, "clinicalNotes"));
  out.raw_json = raw;
  return out;
}

// Decision 23: no staff data in evidence. Drops providers[] lists and blanks provider e-mails.
// `marker` is a byte every e-mail holds ('@' for real addresses), or 0: a string without it cannot
// hold one, and is skipped without being lower-cased (the notes are most of every page-data).
void strip_staff_data(json& node, const std::set<std::string>& emails, char marker)
{
  if (node.is_object()) {
    node.erase("providers");
    if (const auto it = node.find("provider"); it != node.end() && it->is_object()) {
      it->erase("email");
    }
    for (auto& [key, value] : node.items()) {
      (void)key;
      strip_staff_data(value, emails, marker);
    }
  } else if (node.is_array()) {
    for (auto& value : node) {
      strip_staff_data(value, emails, marker);
    }
  } else if (node.is_string() && !emails.empty()) {
    if (marker != 0 && node.get_ref<const std::string&>().find(marker) == std::string::npos) {
      return;
    }
    const auto text = lower_ascii(node.get<std::string>());
    for (const auto& email : emails) {
      if (text.find(email) != std::string::npos) {
        node = "";
        break;
      }
    }
  }
}

void collect_provider_emails(const json& root, std::set<std::string>& emails)
{
  for (const json* holder : {&root, field(root, "pageData")}) {
    if (holder == nullptr) {
      continue;
    }
    const auto* providers = field(*holder, "providers");
    if (providers == nullptr || !providers->is_array()) {
      continue;
    }
    for (const auto& provider : *providers) {
      const auto email = lower_ascii(trim(scalar_text(field(provider, "email"))));
      if (!email.empty()) {
        emails.insert(email);
      }
    }
  }
}

// The object `name` at the top level, else under pageData.
const json* section(const json& root, std::string_view name)
{
  if (const auto* top = field(root, name); top != nullptr && top->is_object()) {
    return top;
  }
  if (const auto* nested = field(root, "pageData"); nested != nullptr) {
    if (const auto* inner = field(*nested, name); inner != nullptr && inner->is_object()) {
      return inner;
    }
  }
  return nullptr;
}

} // namespace

CalendarResult parse_calendar(std::string_view body, const ClinicZone& zone)
{
  const auto root = parse_json(body, "calendar");
  const json* records = nullptr;
  if (root.is_array()) {
    records = &root;
  } else if (root.is_object()) {
    for (const auto* key : {"appointments", "data", "events"}) {
      if (const auto* value = field(root, key); value != nullptr && value->is_array()) {
        records = value;
        break;
      }
    }
  }
  if (records == nullptr) {
    throw SchemaError("calendar: body is not an array or {appointments|data|events: [...]}");
  }
  CalendarResult out;
  for (const auto& record : *records) {
    if (auto appointment =
            read_appointment(record, zone, out.malformed, out.roster_entries_dropped)) {
      out.appointments.push_back(std::move(*appointment));
    }
  }
  return out;
}

SearchPage parse_search_page(std::string_view body, const ClinicZone& zone)
{
  const auto root = parse_json(body, "consultation search");
  const auto* data = field(root, "data");
  if (data == nullptr || !data->is_array()) {
    throw SchemaError("consultation search: no data array");
  }
  SearchPage out;
  for (const auto& record : *data) {
    if (auto summary = read_summary(record, zone, out.malformed)) {
      out.items.push_back(std::move(*summary));
    }
  }
  const auto number = [&](std::string_view name, long fallback) {
    const auto text = scalar_text(field(root, name));
    long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return (text.empty() || error != std::errc{} || end != text.data() + text.size()) ? fallback
                                                                                      : value;
  };
  out.total = number("total", static_cast<long>(out.items.size()));
  out.page = static_cast<int>(number("page", 1));
  out.per_page = static_cast<int>(number("perPage", number("per_page", 0)));
  return out;
}

ConsultationDetail parse_page_data(std::string_view body, const ClinicZone& zone)
{
  auto root = parse_json(body, "page-data");
  if (!root.is_object()) {
    throw SchemaError("page-data: body is not an object");
  }
  const auto* consultation = section(root, "consultation");
  if (consultation == nullptr) {
    throw SchemaError("page-data: no consultation object");
  }
  ConsultationDetail out;
  const auto id = first_text(*consultation, {"id"});
  if (id.empty()) {
    throw SchemaError("page-data: consultation without an id");
  }
  out.id = ConsultationId{id};
  out.reason = first_text(*consultation, {"reason"});
  const auto* notes = section(root, "consultationNotes");
  const auto note_text = notes != nullptr ? scalar_text(field(*notes, "notes")) : std::string{};
  out.notes_html = trim(note_text).empty() ? scalar_text(field(*consultation, "notes")) : note_text;
  out.discharge_summary_html = scalar_text(field(*consultation, "dischargeSummary"));
  out.date_raw = first_text(*consultation, {"date"});
  out.date = read_time(out.date_raw, zone);
  out.status_raw = first_text(*consultation, {"status"});
  out.status = normalise_consultation_status(out.status_raw);
  if (const auto* patient = section(root, "patient")) {
    out.patient_id = first_text(*patient, {"id"});
    out.patient_name = first_text(*patient, {"name"});
    out.species_raw = first_text(*patient, {"species"});
    out.breed = first_text(*patient, {"breed"});
  }
  out.species = normalise_species(out.species_raw);
  if (const auto* client = section(root, "client")) {
    out.client_id = first_text(*client, {"id"});
    out.client_name = join_name(first_text(*client, {"firstName", "first_name"}),
                                first_text(*client, {"lastName", "last_name"}));
    if (out.client_name.empty()) {
      out.client_name = first_text(*client, {"name"});
    }
    out.client_phone_raw = first_text(*client, {"phone", "phoneNumber", "phone_number"});
    out.client_email = first_text(*client, {"email"});
  }
  if (const auto* branch = section(root, "clientBranch")) {
    out.branch_id = first_text(*branch, {"id"});
    out.branch_name = first_text(*branch, {"name"});
  }
  const json* lines = field(root, "consultationLines");
  if (lines == nullptr) {
    if (const auto* nested = field(root, "pageData")) {
      lines = field(*nested, "consultationLines");
    }
  }
  if (lines != nullptr && lines->is_array()) {
    for (const auto& line : *lines) {
      ConsultationLine item;
      item.name = first_text(line, {"productService", "name", "description"});
      if (const auto* quantity = field(line, "quantity")) {
        if (quantity->is_number()) {
          item.quantity = quantity->get<double>();
        } else if (quantity->is_string()) {
          const auto text = trim(quantity->get<std::string>());
          char* end = nullptr;
          const double value = std::strtod(text.c_str(), &end);
          if (!text.empty() && end == text.c_str() + text.size()) {
            item.quantity = value;
          }
        }
      }
      item.declined = truthy(field(line, "isDeclined")) || truthy(field(line, "declined"));
      out.lines.push_back(std::move(item));
    }
  }
  std::set<std::string> emails;
  collect_provider_emails(root, emails);
  const bool all_have_at = std::all_of(emails.begin(), emails.end(),
                                       [](const std::string& email) { return email.find('@') != std::string::npos; });
  strip_staff_data(root, emails, all_have_at ? '@' : '\0');
  out.raw_json = compact_json(root);
  return out;
}

std::string normalise_label(std::string_view raw)
{
  std::string out;
  bool pending_separator = false;
  for (const char c : trim(raw)) {
    if (c == ' ' || c == '-' || c == '_' || c == '\t') {
      pending_separator = !out.empty();
      continue;
    }
    if (pending_separator) {
      out += '_';
      pending_separator = false;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

AppointmentStatus normalise_appointment_status(std::string_view raw)
{
  static const std::array<std::pair<std::string_view, AppointmentStatus>, 13> table{{
      {"scheduled", AppointmentStatus::scheduled},
      {"confirmed", AppointmentStatus::confirmed},
      {"checked_in", AppointmentStatus::checked_in},
      {"in_progress", AppointmentStatus::in_progress},
      {"ready_to_pay", AppointmentStatus::ready_to_pay},
      {"finalized", AppointmentStatus::finalized},
      {"finalised", AppointmentStatus::finalized},
      {"completed", AppointmentStatus::completed},
      {"discharged", AppointmentStatus::discharged},
      {"no_show", AppointmentStatus::no_show},
      {"noshow", AppointmentStatus::no_show},
      {"cancelled", AppointmentStatus::cancelled},
      {"canceled", AppointmentStatus::cancelled},
  }};
  const auto label = normalise_label(raw);
  for (const auto& [name, status] : table) {
    if (label == name) {
      return status;
    }
  }
  return AppointmentStatus::unknown;
}

ConsultationStatus normalise_consultation_status(std::string_view raw)
{
  const auto label = normalise_label(raw);
  if (label == "in_progress") {
    return ConsultationStatus::in_progress;
  }
  if (label == "completed") {
    return ConsultationStatus::completed;
  }
  if (label == "cancelled" || label == "canceled") {
    return ConsultationStatus::cancelled;
  }
  return ConsultationStatus::unknown;
}

Species normalise_species(std::string_view raw)
{
  const auto text = lower_ascii(trim(raw));
  if (text.empty()) {
    return Species::unknown;
  }
  if (text.find("dog") != std::string::npos || text.find("canine") != std::string::npos) {
    return Species::dog;
  }
  if (text.find("cat") != std::string::npos || text.find("feline") != std::string::npos) {
    return Species::cat;
  }
  if (text.find("bird") != std::string::npos || text.find("avian") != std::string::npos) {
    return Species::bird;
  }
  if (text.find("rabbit") != std::string::npos || text.find("bunny") != std::string::npos) {
    return Species::rabbit;
  }
  return Species::other;
}

PhoneRegion phone_region_for(std::string_view timezone)
{
  return timezone == "Europe/London" ? PhoneRegion::united_kingdom : PhoneRegion::north_america;
}

std::vector<PhoneRun> phone_runs(std::string_view raw)
{
  // Phone-shaped runs: digits with spaces, dots, hyphens and parentheses, an optional leading `+`.
  // Stripping every non-digit of the whole text would glue two numbers together.
  std::vector<PhoneRun> runs;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const char c = raw[pos];
    const bool starts = std::isdigit(static_cast<unsigned char>(c)) || c == '(' ||
                        (c == '+' && pos + 1 < raw.size() &&
                         (std::isdigit(static_cast<unsigned char>(raw[pos + 1])) ||
                          raw[pos + 1] == '(' || raw[pos + 1] == ' '));
    if (!starts) {
      ++pos;
      continue;
    }
    PhoneRun run{.plus = c == '+', .digits = {}};
    std::size_t end = run.plus ? pos + 1 : pos;
    while (end < raw.size()) {
      const char d = raw[end];
      if (std::isdigit(static_cast<unsigned char>(d))) {
        run.digits += d;
      } else if (d != ' ' && d != '.' && d != '-' && d != '(' && d != ')') {
        break;
      }
      ++end;
    }
    if (!run.digits.empty()) {
      runs.push_back(std::move(run));
    }
    pos = end + 1;
  }
  return runs;
}

std::optional<std::string> to_e164(const PhoneRun& run, PhoneRegion region)
{
  const auto& digits = run.digits;
  if (run.plus) {
    if (digits.size() >= 8 && digits.size() <= 15) {
      return "+" + digits;
    }
    return std::nullopt;
  }
  if (region == PhoneRegion::north_america) {
    if (digits.size() == 10) {
      return "+1" + digits;
    }
    if (digits.size() == 11 && digits.front() == '1') {
      return "+" + digits;
    }
  } else {
    if (digits.size() == 11 && digits.front() == '0') {
      return "+44" + digits.substr(1);
    }
    if (digits.size() == 12 && digits.rfind("44", 0) == 0) {
      return "+" + digits;
    }
  }
  return std::nullopt;
}

std::optional<std::string> normalise_phone(std::string_view raw, PhoneRegion region)
{
  // The first run decides: a second number in the text is a fallback a person chose, not ours.
  const auto runs = phone_runs(raw);
  return runs.empty() ? std::nullopt : to_e164(runs.front(), region);
}

namespace {

void append_utf8(std::string& out, unsigned long code)
{
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    out += "\xEF\xBF\xBD";
  } else if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Decodes one entity at `text[pos] == '&'`; returns the characters consumed (0: not an entity).
std::size_t decode_entity(std::string_view text, std::size_t pos, std::string& out)
{
  const auto semi = text.find(';', pos);
  if (semi == std::string_view::npos || semi - pos > 10) {
    return 0;
  }
  const auto name = text.substr(pos + 1, semi - pos - 1);
  static const std::array<std::pair<std::string_view, std::string_view>, 8> named{{
      {"amp", "&"},
      {"lt", "<"},
      {"gt", ">"},
      {"quot", "\""},
      {"apos", "'"},
      {"nbsp", " "},
      {"hellip", "\xE2\x80\xA6"},
      {"ndash", "\xE2\x80\x93"},
  }};
  for (const auto& [entity, value] : named) {
    if (name == entity) {
      out += value;
      return semi - pos + 1;
    }
  }
  if (name.size() >= 2 && name.front() == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const auto digits = name.substr(hex ? 2 : 1);
    unsigned long code = 0;
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
    if (!digits.empty() && error == std::errc{} && end == digits.data() + digits.size()) {
      append_utf8(out, code);
      return semi - pos + 1;
    }
  }
  return 0;
}

std::string decode_entities(std::string_view text)
{
  std::string out;
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == '&') {
      if (const auto used = decode_entity(text, pos, out); used > 0) {
        pos += used;
        continue;
      }
    }
    out += text[pos++];
  }
  return out;
}

bool is_block_tag(std::string_view name)
{
  static const std::array<std::string_view, 22> blocks{
      "p",  "br", "div", "li",         "ul",  "ol", "tr",      "table",   "h1",     "h2",     "h3",
      "h4", "h5", "h6",  "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd"};
  return std::find(blocks.begin(), blocks.end(), name) != blocks.end();
}

struct Tag
{
  std::string name; // lower case, without '/'
  bool closing = false;
  std::vector<std::pair<std::string, std::string>> attributes; // names lower case, values decoded
  std::size_t end = 0;                                         // index after '>'
};

// Reads the tag starting at `html[pos] == '<'`; std::nullopt when it is not a tag.
std::optional<Tag> read_tag(std::string_view html, std::size_t pos)
{
  Tag tag;
  std::size_t i = pos + 1;
  if (i < html.size() && html[i] == '/') {
    tag.closing = true;
    ++i;
  }
  const auto name_start = i;
  while (i < html.size() &&
         (std::isalnum(static_cast<unsigned char>(html[i])) || html[i] == '-' || html[i] == '!')) {
    ++i;
  }
  if (i == name_start) {
    return std::nullopt;
  }
  tag.name = lower_ascii(html.substr(name_start, i - name_start));
  if (tag.name.rfind("!--", 0) == 0 || tag.name == "!") {
    const auto close = html.find("-->", pos);
    tag.end = close == std::string_view::npos ? html.size() : close + 3;
    tag.name = "!--";
    return tag;
  }
  while (i < html.size() && html[i] != '>') {
    if (std::isspace(static_cast<unsigned char>(html[i])) || html[i] == '/') {
      ++i;
      continue;
    }
    const auto attr_start = i;
    while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) &&
           html[i] != '=' && html[i] != '>' && html[i] != '/') {
      ++i;
    }
    std::string name = lower_ascii(html.substr(attr_start, i - attr_start));
    while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) {
      ++i;
    }
    std::string value;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) {
        ++i;
      }
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        const char quote = html[i++];
        const auto close = html.find(quote, i);
        const auto stop = close == std::string_view::npos ? html.size() : close;
        value = decode_entities(html.substr(i, stop - i));
        i = stop == html.size() ? stop : stop + 1;
      } else {
        const auto value_start = i;
        while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) &&
               html[i] != '>') {
          ++i;
        }
        value = decode_entities(html.substr(value_start, i - value_start));
      }
    }
    if (!name.empty()) {
      tag.attributes.emplace_back(std::move(name), std::move(value));
    }
  }
  tag.end = i < html.size() ? i + 1 : html.size();
  return tag;
}

std::optional<std::string> attribute(const Tag& tag, std::string_view name)
{
  for (const auto& [key, value] : tag.attributes) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

// Every tag of `html` in order.
std::vector<Tag> all_tags(std::string_view html)
{
  std::vector<Tag> tags;
  for (std::size_t pos = html.find('<'); pos != std::string_view::npos; pos = html.find('<', pos)) {
    if (auto tag = read_tag(html, pos)) {
      pos = tag->end;
      tags.push_back(std::move(*tag));
    } else {
      ++pos;
    }
  }
  return tags;
}

bool has_class(const Tag& tag, std::string_view wanted)
{
  const auto classes = attribute(tag, "class");
  if (!classes) {
    return false;
  }
  std::size_t pos = 0;
  while (pos < classes->size()) {
    const auto start = classes->find_first_not_of(" \t\r\n", pos);
    if (start == std::string::npos) {
      break;
    }
    const auto end = std::min(classes->find_first_of(" \t\r\n", start), classes->size());
    if (std::string_view(*classes).substr(start, end - start) == wanted) {
      return true;
    }
    pos = end;
  }
  return false;
}

} // namespace

std::string html_to_text(std::string_view html)
{
  std::string raw;
  for (std::size_t pos = 0; pos < html.size();) {
    if (html[pos] == '<') {
      if (auto tag = read_tag(html, pos)) {
        if (is_block_tag(tag->name)) {
          raw += '\n';
        } else if (tag->name == "td" || tag->name == "th") {
          raw += ' ';
        }
        pos = tag->end;
        continue;
      }
    }
    if (html[pos] == '&') {
      if (const auto used = decode_entity(html, pos, raw); used > 0) {
        pos += used;
        continue;
      }
    }
    const char c = html[pos++];
    raw += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  }
  // Collapse: spaces within a line, trim lines, drop empty lines.
  std::string out;
  std::size_t start = 0;
  while (start <= raw.size()) {
    const auto end = std::min(raw.find('\n', start), raw.size());
    std::string line;
    bool space = false;
    for (std::size_t i = start; i < end; ++i) {
      if (raw[i] == ' ') {
        space = !line.empty();
      } else {
        if (space) {
          line += ' ';
          space = false;
        }
        line += raw[i];
      }
    }
    if (!line.empty()) {
      if (!out.empty()) {
        out += '\n';
      }
      out += line;
    }
    start = end + 1;
  }
  return out;
}

bool looks_like_html(std::string_view body, std::string_view content_type)
{
  if (contains_ci(content_type, "text/html")) {
    return true;
  }
  const auto first = body.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  return first != std::string_view::npos && body[first] == '<';
}

std::optional<LoginForm> parse_login_form(std::string_view html)
{
  const auto tags = all_tags(html);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].name != "form" || tags[i].closing) {
      continue;
    }
    LoginForm form;
    form.action = attribute(tags[i], "action").value_or("");
    form.method = lower_ascii(trim(attribute(tags[i], "method").value_or("post")));
    if (form.method.empty()) {
      form.method = "post";
    }
    std::string email_field;
    bool has_password = false;
    for (std::size_t j = i + 1; j < tags.size() && !(tags[j].name == "form"); ++j) {
      if (tags[j].name != "input" || tags[j].closing) {
        continue;
      }
      const auto type = lower_ascii(trim(attribute(tags[j], "type").value_or("text")));
      const auto name = attribute(tags[j], "name").value_or("");
      if (type == "hidden") {
        if (!name.empty()) {
          form.hidden.emplace_back(name, attribute(tags[j], "value").value_or(""));
        }
      } else if (type == "password" || name == "password") {
        if (!has_password && !name.empty()) {
          form.password_field = name;
          has_password = true;
        }
      } else if (name == "company_id") {
        form.company_field = name;
      } else if (name == "username") {
        form.username_field = name;
      } else if (type == "email" && email_field.empty() && !name.empty()) {
        email_field = name;
      }
    }
    if (!has_password) {
      continue;
    }
    if (form.username_field.empty()) {
      form.username_field = email_field;
    }
    if (form.username_field.empty()) {
      return std::nullopt;
    }
    return form;
  }
  return std::nullopt;
}

std::string login_form_body(const LoginForm& form, std::string_view company_id,
                            std::string_view username, std::string_view password)
{
  std::string body;
  const auto add = [&](std::string_view name, std::string_view value) {
    if (!body.empty()) {
      body += '&';
    }
    body += url_encode(name);
    body += '=';
    body += url_encode(value);
  };
  for (const auto& [name, value] : form.hidden) {
    add(name, value);
  }
  const auto company = trim(company_id);
  // The product stored the literal "default" when no company id was given (idexx-neo.md §2.1).
  if (form.company_field && !company.empty() && lower_ascii(company) != "default") {
    add(*form.company_field, company);
  }
  add(form.username_field, username);
  add(form.password_field, password);
  return body;
}

std::optional<std::string> login_error_text(std::string_view html)
{
  const auto tags = all_tags(html);
  for (const auto& tag : tags) {
    if (tag.closing || !(has_class(tag, "error-message") || has_class(tag, "alert-danger"))) {
      continue;
    }
    // Text up to the element's closing tag (same name; nesting of the same element is rare here).
    const auto close = lower_ascii(html).find("</" + tag.name, tag.end);
    const auto inner =
        html.substr(tag.end, (close == std::string::npos ? html.size() : close) - tag.end);
    auto text = html_to_text(inner);
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > 200) {
      text.resize(200);
      // Do not leave half a UTF-8 character behind.
      while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
        text.pop_back();
      }
      if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) {
        text.pop_back();
      }
    }
    return text;
  }
  return std::nullopt;
}

std::string page_title(std::string_view html)
{
  const auto lowered = lower_ascii(html);
  const auto open = lowered.find("<title");
  if (open == std::string::npos) {
    return {};
  }
  const auto start = lowered.find('>', open);
  const auto close = lowered.find("</title", start);
  if (start == std::string::npos || close == std::string::npos) {
    return {};
  }
  return html_to_text(html.substr(start + 1, close - start - 1));
}

bool has_one_time_code_input(std::string_view html)
{
  for (const auto& tag : all_tags(html)) {
    if (tag.name != "input" || tag.closing) {
      continue;
    }
    const auto name = lower_ascii(attribute(tag, "name").value_or(""));
    if (name == "otp" || name == "code" ||
        contains_ci(attribute(tag, "placeholder").value_or(""), "code") ||
        lower_ascii(attribute(tag, "autocomplete").value_or("")) == "one-time-code") {
      return true;
    }
  }
  return false;
}

bool is_two_factor_path(std::string_view path)
{
  const auto lowered = lower_ascii(path);
  for (const auto* marker : {"2fa", "mfa", "otp", "verify", "two-factor", "two_factor"}) {
    if (lowered.find(marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool has_password_form(std::string_view html)
{
  for (const auto& tag : all_tags(html)) {
    if (tag.name == "input" && lower_ascii(attribute(tag, "type").value_or("")) == "password") {
      return true;
    }
  }
  return false;
}

std::string url_encode(std::string_view text)
{
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

std::string url_path(std::string_view url)
{
  auto rest = url;
  if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest = rest.substr(scheme + 3);
    const auto slash = rest.find_first_of("/?#");
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  const auto end = rest.find_first_of("?#");
  auto path = std::string(rest.substr(0, end));
  return path.empty() ? "/" : path;
}

std::string resolve_url(std::string_view base_url, std::string_view location)
{
  const auto loc = trim(location);
  if (loc.find("://") != std::string::npos) {
    return loc;
  }
  const auto scheme_end = base_url.find("://");
  const auto scheme = base_url.substr(0, scheme_end);
  const auto authority_start = scheme_end + 3;
  const auto authority_end =
      std::min(base_url.find_first_of("/?#", authority_start), base_url.size());
  const auto origin = std::string(base_url.substr(0, authority_end));
  if (loc.rfind("//", 0) == 0) {
    return std::string(scheme) + ":" + loc;
  }
  if (loc.empty()) {
    return std::string(base_url.substr(0, std::min(base_url.find('#'), base_url.size())));
  }
  if (loc.front() == '/') {
    return origin + loc;
  }
  auto base_path = url_path(base_url);
  if (loc.front() == '?') {
    return origin + base_path + loc;
  }
  base_path.erase(base_path.rfind('/') + 1);
  return origin + base_path + loc;
}

} // namespace shared::idexx
