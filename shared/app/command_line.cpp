#include "shared/app/command_line.hpp"

#include "shared/core/errors.hpp"

#include <algorithm>

namespace shared::app {

std::span<const FlagSpec> common_flags()
{
  static const std::vector<FlagSpec> flags{
      {"config", "FILE", "the configuration file (default: $IDEXX_SYNC_CONFIG)"},
      {"run-id", "ID", "the run this process works on (default: $IDEXX_SYNC_RUN_ID, the Job's name)"},
      {"now", "ISO-8601", "pretend the time is this instant (tests and the demo only)"},
      {"help", "", "print this help and exit"},
      {"version", "", "print the version and exit"},
  };
  return flags;
}

CommandLine CommandLine::parse(std::span<const std::string> args, std::span<const FlagSpec> specs)
{
  CommandLine line;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      throw UsageError("unexpected argument '" + arg + "'");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name.erase(equals);
    }
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      throw UsageError("unknown flag --" + name + " (see --help)");
    }
    if (line.m_values.contains(name)) {
      throw UsageError("--" + name + " given twice");
    }
    if (spec->value_name.empty()) {
      if (inline_value) {
        throw UsageError("--" + name + " takes no value");
      }
      line.m_values.emplace(name, "");
      continue;
    }
    if (inline_value) {
      line.m_values.emplace(name, *inline_value);
    } else if (i + 1 < args.size()) {
      line.m_values.emplace(name, args[++i]);
    } else {
      throw UsageError("--" + name + " needs a value (" + spec->value_name + ")");
    }
  }
  return line;
}

bool CommandLine::has(std::string_view name) const
{
  return m_values.find(name) != m_values.end();
}

std::optional<std::string> CommandLine::value(std::string_view name) const
{
  if (const auto found = m_values.find(name); found != m_values.end()) {
    return found->second;
  }
  return std::nullopt;
}

std::string CommandLine::required(std::string_view name) const
{
  auto found = value(name);
  if (!found || found->empty()) {
    throw UsageError("--" + std::string(name) + " is required (see --help)");
  }
  return *found;
}

std::string describe_flags(std::span<const FlagSpec> specs)
{
  std::string out;
  for (const auto& spec : specs) {
    std::string left = "  --" + spec.name + (spec.value_name.empty() ? "" : " " + spec.value_name);
    if (left.size() < 28) {
      left.resize(28, ' ');
    } else {
      left += "  ";
    }
    out += left + spec.help + "\n";
  }
  return out;
}

} // namespace shared::app
