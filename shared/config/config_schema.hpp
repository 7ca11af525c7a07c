#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace shared::config {

enum class KeyKind { string, integer, boolean };

// One configuration key. A key without a default is required by the binaries that read it; the
// whole-file check only rejects unknown keys and wrong types, so every binary accepts the one file
// the chart renders (architecture.md, Decision 3).
struct KeySpec
{
  std::string_view path;          // "idexx.request_timeout_seconds"
  KeyKind kind;
  std::optional<std::string_view> default_text; // strings
  std::optional<std::int64_t> default_integer;  // integers
  std::optional<bool> default_boolean;          // booleans
  std::int64_t min = 0;                         // integers only
  std::int64_t max = 0;                         // integers only
  std::vector<std::string_view> allowed = {};   // strings only; empty means any
  std::string_view help = "";
};

// Every key of the configuration file, in the order the README documents them.
std::span<const KeySpec> all_keys();

// The spec for `path`, or nullptr when the key is unknown.
const KeySpec* find_key(std::string_view path);

} // namespace shared::config
