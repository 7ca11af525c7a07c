#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shared::app {

// One flag a binary or command accepts: `--name VALUE` / `--name=VALUE`, or `--name` alone.
struct FlagSpec
{
  std::string name;      // without the dashes
  std::string value_name; // empty: a switch without a value
  std::string help;
};

// The flags every binary has (architecture.md, Decision 1-3): --config, --run-id, --now, --help,
// --version.
std::span<const FlagSpec> common_flags();

class CommandLine
{
public:
  // Parses `args` (without the program name) against `specs`. Throws UsageError on an unknown flag,
  // a missing value, a repeated flag or a positional argument.
  static CommandLine parse(std::span<const std::string> args, std::span<const FlagSpec> specs);

  [[nodiscard]] bool has(std::string_view name) const;
  [[nodiscard]] std::optional<std::string> value(std::string_view name) const;
  // The value, or UsageError "--<name> is required".
  [[nodiscard]] std::string required(std::string_view name) const;

private:
  std::map<std::string, std::string, std::less<>> m_values;
};

// The help text's flag table, one line per flag.
std::string describe_flags(std::span<const FlagSpec> specs);

} // namespace shared::app
