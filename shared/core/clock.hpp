#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shared {

using Instant = std::chrono::sys_time<std::chrono::microseconds>;

// The time every binary works with. `--now` fixes it for tests and the demo (architecture.md,
// Decision 2); otherwise it is the system clock.
class Clock
{
public:
  Clock() = default;
  explicit Clock(std::optional<Instant> fixed) : m_fixed(fixed) {}
  [[nodiscard]] Instant now() const;
  [[nodiscard]] bool is_fixed() const { return m_fixed.has_value(); }

private:
  std::optional<Instant> m_fixed;
};

// Parses an ISO-8601 instant: `2026-03-09T14:30:00Z`, with optional fractional seconds and an
// optional `+HH:MM` offset. Throws DataError on anything else (a local time without offset included).
Instant parse_iso8601(std::string_view text);

// `2026-03-09T14:30:00.123456Z`: UTC with microseconds, the canonical form in logs and hashes.
std::string format_iso8601(Instant instant);

// Seconds since the Unix epoch.
std::int64_t unix_seconds(Instant instant);

} // namespace shared
