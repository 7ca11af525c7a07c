#pragma once

#include <chrono>
#include <optional>

// The controllable clock of fake QStash and fake VAPI (external-services.md 4.1). Not thread-safe:
// the owning fake guards it with its own mutex.
namespace tests::fakes {

class FakeClock
{
public:
  // Real time (default), or stopped at a fixed instant, or ticking in real time from a start.
  [[nodiscard]] std::chrono::sys_seconds now() const
  {
    if (m_fixed)
      return *m_fixed;
    if (m_running_from) {
      return *m_running_from +
             std::chrono::floor<std::chrono::seconds>(std::chrono::steady_clock::now() - m_anchor);
    }
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  // Stops the clock at `at`.
  void set(std::chrono::sys_seconds at)
  {
    m_fixed = at;
    m_running_from.reset();
  }
  // Ticks in real time from `start`.
  void run_from(std::chrono::sys_seconds start)
  {
    m_fixed.reset();
    m_running_from = start;
    m_anchor = std::chrono::steady_clock::now();
  }
  // Moves the clock; a real-time clock becomes a stopped one, a running one keeps running.
  void advance(std::chrono::seconds by)
  {
    if (m_running_from)
      *m_running_from += by;
    else
      m_fixed = now() + by;
  }
  [[nodiscard]] bool is_stopped() const { return m_fixed.has_value(); }

private:
  std::optional<std::chrono::sys_seconds> m_fixed;
  std::optional<std::chrono::sys_seconds> m_running_from;
  std::chrono::steady_clock::time_point m_anchor{};
};

} // namespace tests::fakes
