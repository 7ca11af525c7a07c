#pragma once

#include <string>
#include <utility>

namespace shared {

// A password, token, key or connection string. It has no operator<< and no implicit conversion,
// so it cannot reach the logger or an exception message by accident; `reveal()` is greppable.
class Secret
{
public:
  Secret() = default;
  explicit Secret(std::string value) : m_value(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(const Secret&) = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret() { wipe(); }

  [[nodiscard]] const std::string& reveal() const { return m_value; }
  [[nodiscard]] bool empty() const { return m_value.empty(); }
  [[nodiscard]] std::size_t size() const { return m_value.size(); }
  friend bool operator==(const Secret& a, const Secret& b) { return a.m_value == b.m_value; }

private:
  void wipe() noexcept
  {
    // Overwrite before the buffer is freed, so a heap dump is less likely to hold it.
    volatile char* bytes = m_value.data();
    for (std::size_t i = 0; i < m_value.size(); ++i) {
      bytes[i] = 0;
    }
  }

  std::string m_value;
};

} // namespace shared
