#pragma once

#include "shared/core/secret.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace shared::config {

// The one JSON configuration file (architecture.md, Decision 3), checked as a whole when it is
// loaded: an unknown key anywhere, a value of the wrong type or out of range throws ConfigError
// naming the key's full path. Binaries then read their own keys; a key that has no default and is
// absent throws ConfigError "<path>: missing required key" at that point.
class ConfigFile
{
public:
  // Reads and checks `file`. Throws ConfigError when it cannot be read, is not JSON, or fails the check.
  static ConfigFile load(const std::filesystem::path& file);
  // Checks `json_text`; `source` names it in error messages.
  static ConfigFile from_text(std::string_view json_text, std::string source);

  [[nodiscard]] std::string text(std::string_view path) const;
  [[nodiscard]] std::int64_t integer(std::string_view path) const;
  [[nodiscard]] bool boolean(std::string_view path) const;
  [[nodiscard]] std::chrono::seconds seconds(std::string_view path) const;
  [[nodiscard]] std::chrono::milliseconds milliseconds(std::string_view path) const;
  // The value, or std::nullopt when the key is absent and has no default (or is an empty string).
  [[nodiscard]] std::optional<std::string> optional_text(std::string_view path) const;
  // True when the file itself sets `path`.
  [[nodiscard]] bool is_set(std::string_view path) const;

  // Reads the secret held by the file that the `*_file` key `path` names. Throws ConfigError naming
  // the key (never the content) when the key is missing or the file is unreadable or empty.
  [[nodiscard]] Secret secret(std::string_view path) const;

  [[nodiscard]] const std::string& source() const { return m_source; }

private:
  using Value = std::variant<std::string, std::int64_t, bool>;
  ConfigFile(std::map<std::string, Value, std::less<>> values, std::string source);
  [[nodiscard]] Value value_of(std::string_view path) const;

  std::map<std::string, Value, std::less<>> m_values;
  std::string m_source;
};

// Reads a secret file as the key files and `*_file` keys define it: the bytes as they are, minus one
// trailing newline. Throws ConfigError naming `what` (a key path) when it cannot be read or is empty.
Secret read_secret_file(const std::filesystem::path& file, std::string_view what);

} // namespace shared::config
