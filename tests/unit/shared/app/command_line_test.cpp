#include "shared/app/command_line.hpp"
#include "shared/core/errors.hpp"

#include <boost/test/unit_test.hpp>

using shared::UsageError;
using shared::app::CommandLine;
using shared::app::FlagSpec;

namespace {

const std::vector<FlagSpec> k_specs{{"config", "FILE", ""}, {"help", "", ""}, {"clinic", "UUID", ""}};

CommandLine parse(std::vector<std::string> args)
{
  return CommandLine::parse(args, k_specs);
}

} // namespace

BOOST_AUTO_TEST_SUITE(app_command_line)

BOOST_AUTO_TEST_CASE(reads_values_given_with_a_space_or_an_equals_sign)
{
  const auto line = parse({"--config", "a.json", "--clinic=c-1", "--help"});
  BOOST_TEST(*line.value("config") == "a.json");
  BOOST_TEST(*line.value("clinic") == "c-1");
  BOOST_TEST(line.has("help"));
  BOOST_TEST(!line.value("missing").has_value());
}

BOOST_AUTO_TEST_CASE(refuses_unknown_flags_missing_values_repeats_and_positionals)
{
  BOOST_CHECK_THROW(parse({"--nope"}), UsageError);
  BOOST_CHECK_THROW(parse({"--config"}), UsageError);
  BOOST_CHECK_THROW(parse({"--config", "a", "--config", "b"}), UsageError);
  BOOST_CHECK_THROW(parse({"stray"}), UsageError);
  BOOST_CHECK_THROW(parse({"--help=yes"}), UsageError);
}

BOOST_AUTO_TEST_CASE(a_required_flag_that_is_absent_is_a_usage_error_naming_it)
{
  BOOST_CHECK_EXCEPTION((void)parse({}).required("clinic"), UsageError,
                        [](const UsageError& e) { return std::string(e.what()).find("--clinic is required") == 0; });
}

BOOST_AUTO_TEST_SUITE_END()
