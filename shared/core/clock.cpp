#include "shared/core/clock.hpp"

#include "shared/core/errors.hpp"

#include <charconv>
#include <cstdio>

namespace shared {

Instant Clock::now() const
{
  if (m_fixed) {
    return *m_fixed;
  }
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

namespace {

int read_digits(std::string_view text, std::size_t& pos, std::size_t count)
{
  if (pos + count > text.size()) {
    throw DataError("not an ISO-8601 instant");
  }
  int value = 0;
  const auto* first = text.data() + pos;
  const auto [end, error] = std::from_chars(first, first + count, value);
  if (error != std::errc{} || end != first + count) {
    throw DataError("not an ISO-8601 instant");
  }
  pos += count;
  return value;
}

void expect(std::string_view text, std::size_t& pos, char wanted)
{
  if (pos >= text.size() || text[pos] != wanted) {
    throw DataError("not an ISO-8601 instant");
  }
  ++pos;
}

} // namespace

Instant parse_iso8601(std::string_view text)
{
  using namespace std::chrono;
  std::size_t pos = 0;
  const int year = read_digits(text, pos, 4);
  expect(text, pos, '-');
  const int month = read_digits(text, pos, 2);
  expect(text, pos, '-');
  const int day = read_digits(text, pos, 2);
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) {
    throw DataError("not an ISO-8601 instant");
  }
  ++pos;
  const int hour = read_digits(text, pos, 2);
  expect(text, pos, ':');
  const int minute = read_digits(text, pos, 2);
  expect(text, pos, ':');
  const int second = read_digits(text, pos, 2);
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) {
        micros = micros * 10 + (text[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      throw DataError("not an ISO-8601 instant");
    }
    for (; digits < 6; ++digits) {
      micros *= 10;
    }
  }
  minutes offset{0};
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const int offset_hours = read_digits(text, pos, 2);
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
    }
    const int offset_minutes = read_digits(text, pos, 2);
    offset = minutes{sign * (offset_hours * 60 + offset_minutes)};
  } else {
    throw DataError("ISO-8601 instant without 'Z' or an offset");
  }
  if (pos != text.size()) {
    throw DataError("not an ISO-8601 instant");
  }
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
    throw DataError("not a valid date or time");
  }
  const auto local = sys_days{date} + hours{hour} + std::chrono::minutes{minute} + seconds{second} +
                     microseconds{micros};
  return local - offset;
}

std::string format_iso8601(Instant instant)
{
  using namespace std::chrono;
  const auto day = floor<days>(instant);
  const year_month_day date{day};
  const hh_mm_ss time{instant - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long>(time.hours().count()),
                static_cast<long>(time.minutes().count()), static_cast<long>(time.seconds().count()),
                static_cast<long>(time.subseconds().count()));
  return buffer;
}

std::int64_t unix_seconds(Instant instant)
{
  return std::chrono::duration_cast<std::chrono::seconds>(instant.time_since_epoch()).count();
}

} // namespace shared
