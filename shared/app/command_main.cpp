#include "shared/app/command_main.hpp"

#include "shared/app/process_setup.hpp"
#include "shared/app/version.hpp"
#include "shared/core/errors.hpp"
#include "shared/logging/logger.hpp"

#include <algorithm>
#include <iostream>
#include <iterator>
#include <sstream>

namespace shared::app {

CommandContext::CommandContext(CommandLine flags, Clock clock, std::istream& in, std::ostream& out)
    : m_flags(std::move(flags)), m_clock(clock), m_in(in), m_out(out)
{
}

const config::ConfigFile& CommandContext::config()
{
  if (!m_config) {
    m_config = load_config(m_flags);
  }
  return *m_config;
}

namespace {

std::string usage(std::string_view program, const std::vector<Command>& commands)
{
  std::ostringstream out;
  out << "Usage: " << program << " COMMAND [flags]\n\nCommands:\n";
  for (const auto& command : commands) {
    std::string left = "  " + command.name;
    left.resize(std::max<std::size_t>(left.size() + 2, 26), ' ');
    out << left << command.summary << "\n";
  }
  out << "\nCommon flags:\n" << describe_flags(common_flags())
      << "\n'" << program << " COMMAND --help' shows the command's own flags.\n"
      << "Exit codes: 0 ok, 1 bug, 64 usage, 75 database or network unavailable, 78 configuration.\n";
  return out.str();
}

std::vector<FlagSpec> flags_of(const Command& command)
{
  std::vector<FlagSpec> all(common_flags().begin(), common_flags().end());
  all.insert(all.end(), command.flags.begin(), command.flags.end());
  return all;
}

} // namespace

int command_main(int argc, char** argv, std::string_view program, const std::vector<Command>& commands)
{
  logging::configure(std::string(program), logging::Level::info);
  try {
    const auto args = arguments(argc, argv, 1);
    // The command is the leading words before the first flag; the longest matching name wins.
    std::vector<std::string> words;
    for (const auto& arg : args) {
      if (arg.rfind("--", 0) == 0) {
        break;
      }
      words.push_back(arg);
    }
    const Command* chosen = nullptr;
    std::size_t chosen_words = 0;
    for (const auto& command : commands) {
      std::istringstream name(command.name);
      std::vector<std::string> parts{std::istream_iterator<std::string>(name), {}};
      if (parts.size() <= words.size() && std::equal(parts.begin(), parts.end(), words.begin()) &&
          parts.size() > chosen_words) {
        chosen = &command;
        chosen_words = parts.size();
      }
    }
    if (chosen == nullptr) {
      const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(words.size()), args.end());
      const auto flags = CommandLine::parse(rest, common_flags());
      if (words.empty() && flags.has("help")) {
        std::cout << usage(program, commands);
        return 0;
      }
      if (words.empty() && flags.has("version")) {
        std::cout << program << " " << k_version << "\n";
        return 0;
      }
      std::string given;
      for (const auto& word : words) {
        given += (given.empty() ? "" : " ") + word;
      }
      throw UsageError(words.empty() ? "no command given (see --help)"
                                     : "unknown command '" + given + "' (see --help)");
    }
    const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(chosen_words), args.end());
    const auto specs = flags_of(*chosen);
    auto flags = CommandLine::parse(rest, specs);
    if (flags.has("help")) {
      std::cout << "Usage: " << program << " " << chosen->name << " [flags]\n\n"
                << chosen->summary << "\n\nFlags:\n"
                << describe_flags(specs);
      return 0;
    }
    if (flags.has("version")) {
      std::cout << program << " " << k_version << "\n";
      return 0;
    }
    auto clock = clock_from(flags);
    CommandContext context(std::move(flags), clock, std::cin, std::cout);
    return chosen->run(context);
  } catch (const std::exception& error) {
    return report_failure("command", error);
  }
}

} // namespace shared::app
