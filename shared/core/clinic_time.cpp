#include "shared/core/clinic_time.hpp"

#include "shared/core/errors.hpp"

#include <date/tz.h>

#include <cstdio>
#include <stdexcept>

namespace shared {

namespace {

using std::chrono::microseconds;

const date::time_zone* find_zone(std::string_view name)
{
  if (name.empty()) {
    return nullptr;
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

class Cursor
{
public:
  explicit Cursor(std::string_view text) : m_text(text) {}

  int digits(std::size_t count)
  {
    if (m_pos + count > m_text.size()) {
      fail();
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = m_text[m_pos + i];
      if (c < '0' || c > '9') {
        fail();
      }
      value = value * 10 + (c - '0');
    }
    m_pos += count;
    return value;
  }
  void expect(char wanted)
  {
    if (m_pos >= m_text.size() || m_text[m_pos] != wanted) {
      fail();
    }
    ++m_pos;
  }
  [[nodiscard]] bool at(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }
  [[nodiscard]] bool done() const { return m_pos == m_text.size(); }
  void skip() { ++m_pos; }
  [[noreturn]] void fail() const
  {
    // The text itself is not echoed: a malformed field could hold anything a clinic typed.
    throw DataError("time text of " + std::to_string(m_text.size()) +
                    " characters is not in an accepted format");
  }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

LocalTime make_local(const Cursor& cursor, int year, int month, int day, int hour, int minute,
                     int second, std::int64_t micros)
{
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year},
                           std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    cursor.fail();
  }
  return LocalTime{local_days{ymd}.time_since_epoch()} + hours{hour} + minutes{minute} +
         seconds{second} + microseconds{micros};
}

void read_time(Cursor& cursor, int& hour, int& minute, int& second)
{
  hour = cursor.digits(2);
  cursor.expect(':');
  minute = cursor.digits(2);
  cursor.expect(':');
  second = cursor.digits(2);
}

std::string format_with(LocalTime local, bool dotted)
{
  using namespace std::chrono;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss time{floor<seconds>(local - day)};
  char buffer[48];
  const int year = static_cast<int>(ymd.year());
  const unsigned month = static_cast<unsigned>(ymd.month());
  const unsigned dom = static_cast<unsigned>(ymd.day());
  const auto h = static_cast<long>(time.hours().count());
  const auto m = static_cast<long>(time.minutes().count());
  const auto s = static_cast<long>(time.seconds().count());
  if (dotted) {
    std::snprintf(buffer, sizeof buffer, "%02u.%02u.%04d %02ld:%02ld:%02ld", dom, month, year, h, m,
                  s);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02ld:%02ld:%02ld", year, month, dom, h, m,
                  s);
  }
  return buffer;
}

} // namespace

void validate_time_zone(std::string_view name)
{
  if (find_zone(name) == nullptr) {
    throw ConfigError("unknown time zone '" + std::string(name) + "'");
  }
}

ClinicZone::ClinicZone(std::string_view name) : m_name(name), m_zone(find_zone(name))
{
  if (m_zone == nullptr) {
    throw DataError("unknown time zone '" + m_name + "'");
  }
}

ResolvedTime ClinicZone::to_utc(LocalTime local) const
{
  const date::local_time<microseconds> tp{local.time_since_epoch()};
  const auto info = m_zone->get_info(tp);
  // For a nonexistent time `first` is the period before the gap, so subtracting its offset is the
  // rule of Decision 24 (choose::earliest would return the transition instant instead). For an
  // ambiguous time `first` is the earlier period: the earlier instant.
  const auto instant = Instant{local.time_since_epoch() - info.first.offset};
  switch (info.result) {
  case date::local_info::nonexistent:
    return {instant, LocalTimeKind::in_gap};
  case date::local_info::ambiguous:
    return {instant, LocalTimeKind::in_overlap};
  default:
    return {instant, LocalTimeKind::unique};
  }
}

LocalTime ClinicZone::to_local(Instant instant) const
{
  const date::sys_time<microseconds> tp{instant.time_since_epoch()};
  const auto info = m_zone->get_info(tp);
  return LocalTime{instant.time_since_epoch() + info.offset};
}

std::chrono::year_month_day ClinicZone::local_date(Instant instant) const
{
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(to_local(instant))};
}

std::string format_local(LocalTime local) { return format_with(local, false); }

std::string format_local_dotted(LocalTime local) { return format_with(local, true); }

std::string format_date(std::chrono::year_month_day date)
{
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

LocalTime parse_local(std::string_view text)
{
  Cursor cursor(text);
  const int year = cursor.digits(4);
  cursor.expect('-');
  const int month = cursor.digits(2);
  cursor.expect('-');
  const int day = cursor.digits(2);
  cursor.expect(' ');
  int hour = 0;
  int minute = 0;
  int second = 0;
  read_time(cursor, hour, minute, second);
  if (!cursor.done()) {
    cursor.fail();
  }
  return make_local(cursor, year, month, day, hour, minute, second, 0);
}

LocalTime parse_local_dotted(std::string_view text)
{
  Cursor cursor(text);
  const int day = cursor.digits(2);
  cursor.expect('.');
  const int month = cursor.digits(2);
  cursor.expect('.');
  const int year = cursor.digits(4);
  cursor.expect(' ');
  int hour = 0;
  int minute = 0;
  int second = 0;
  read_time(cursor, hour, minute, second);
  if (!cursor.done()) {
    cursor.fail();
  }
  return make_local(cursor, year, month, day, hour, minute, second, 0);
}

ResolvedTime parse_clinic_time(std::string_view text, const ClinicZone& zone)
{
  if (text.size() >= 3 && text[2] == '.') {
    return zone.to_utc(parse_local_dotted(text));
  }
  Cursor cursor(text);
  const int year = cursor.digits(4);
  cursor.expect('-');
  const int month = cursor.digits(2);
  cursor.expect('-');
  const int day = cursor.digits(2);
  const bool iso = cursor.at('T');
  if (!iso && !cursor.at(' ')) {
    cursor.fail();
  }
  cursor.skip();
  int hour = 0;
  int minute = 0;
  int second = 0;
  read_time(cursor, hour, minute, second);
  std::int64_t micros = 0;
  if (iso && cursor.at('.')) {
    cursor.skip();
    int count = 0;
    while (!cursor.done() && !cursor.at('Z') && !cursor.at('+') && !cursor.at('-')) {
      const int digit = cursor.digits(1);
      if (count < 6) {
        micros = micros * 10 + digit;
      }
      ++count;
    }
    if (count == 0) {
      cursor.fail();
    }
    for (; count < 6; ++count) {
      micros *= 10;
    }
  }
  if (cursor.done()) {
    return zone.to_utc(make_local(cursor, year, month, day, hour, minute, second, micros));
  }
  if (!iso) {
    cursor.fail();
  }
  // `Z` or an offset: an instant; parse_iso8601 checks the rest strictly.
  return {parse_iso8601(text), LocalTimeKind::unique};
}

LocalQueryRange local_query_range(const ClinicZone& zone, Instant from, Instant to)
{
  using namespace std::chrono;
  if (to < from) {
    throw std::invalid_argument("local_query_range: window end before its start");
  }
  const auto first = zone.local_date(from);
  const auto last = zone.local_date(to);
  const LocalTime start{local_days{first}.time_since_epoch()};
  const LocalTime end =
      LocalTime{local_days{last}.time_since_epoch()} + hours{23} + minutes{59} + seconds{59};
  return {start, end, first, last};
}

} // namespace shared
