#pragma once

#include "shared/app/command_line.hpp"
#include "shared/config/config_file.hpp"
#include "shared/core/clock.hpp"

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shared::app {

// What a command of the admin CLI gets: its parsed flags, the clock, the configuration (loaded on
// first use from --config or IDEXX_SYNC_CONFIG) and the standard streams.
class CommandContext
{
public:
  CommandContext(CommandLine flags, Clock clock, std::istream& in, std::ostream& out);

  [[nodiscard]] const CommandLine& flags() const { return m_flags; }
  [[nodiscard]] const Clock& clock() const { return m_clock; }
  [[nodiscard]] const config::ConfigFile& config();
  [[nodiscard]] std::istream& in() { return m_in; }
  [[nodiscard]] std::ostream& out() { return m_out; }

private:
  CommandLine m_flags;
  Clock m_clock;
  std::optional<config::ConfigFile> m_config;
  std::istream& m_in;
  std::ostream& m_out;
};

struct Command
{
  std::string name;              // one or more words: "migrate", "credentials set"
  std::string summary;           // one line for the command table
  std::vector<FlagSpec> flags;   // besides the common flags
  std::function<int(CommandContext&)> run;
};

// The admin CLI's main (style.md L1): picks the command from the leading words, parses its flags,
// prints --help from the same table, and turns exceptions into exit codes.
int command_main(int argc, char** argv, std::string_view program, const std::vector<Command>& commands);

} // namespace shared::app
