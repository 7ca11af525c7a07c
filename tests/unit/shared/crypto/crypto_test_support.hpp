#pragma once

// Helpers for the crypto tests: a key-file directory that removes itself, and hex for byte strings.

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace tests {

class TempKeyDirectory
{
public:
  TempKeyDirectory()
      : m_path(
            std::filesystem::temp_directory_path() /
            ("idexx_sync_keys_" + std::to_string(::getpid()) + "_" + std::to_string(next_serial())))
  {
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  TempKeyDirectory(const TempKeyDirectory&) = delete;
  TempKeyDirectory& operator=(const TempKeyDirectory&) = delete;
  ~TempKeyDirectory()
  {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  // Writes `content` byte for byte to the key file `key_id`.
  void write(std::string_view key_id, std::string_view content) const
  {
    std::ofstream out(m_path / std::string(key_id), std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }

private:
  static int next_serial()
  {
    static std::atomic<int> serial{0};
    return ++serial;
  }

  std::filesystem::path m_path;
};

// A 44-byte secret, comfortably above the 32-byte minimum.
inline std::string test_secret(std::string_view tag)
{
  return "test-secret-0123456789abcdef0123456789-" + std::string(tag);
}

// Lower-case hex of `bytes`, written here rather than taken from the library under test.
inline std::string hex_of(std::span<const std::byte> bytes)
{
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string text;
  for (const auto byte : bytes) {
    const auto value = std::to_integer<unsigned>(byte);
    text.push_back(digits[value >> 4U]);
    text.push_back(digits[value & 0x0FU]);
  }
  return text;
}

inline std::string hex_of(std::string_view bytes)
{
  return hex_of(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

inline std::vector<std::byte> from_hex(std::string_view hex)
{
  std::vector<std::byte> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

} // namespace tests
