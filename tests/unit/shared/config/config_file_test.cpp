#include "shared/config/config_file.hpp"
#include "shared/config/config_schema.hpp"
#include "shared/core/errors.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

using shared::ConfigError;
using shared::config::ConfigFile;

namespace {

std::string error_of(const std::string& json)
{
  try {
    (void)ConfigFile::from_text(json, "test.json");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

} // namespace

BOOST_AUTO_TEST_SUITE(config_config_file)

BOOST_AUTO_TEST_CASE(an_unknown_key_is_named_by_its_full_path)
{
  BOOST_TEST(error_of(R"({"idexx": {"ca_fiel": "x"}})") == "idexx.ca_fiel: unknown key");
  BOOST_TEST(error_of(R"({"idex": {}})") == "idex: unknown key");
}

BOOST_AUTO_TEST_CASE(a_value_of_the_wrong_type_or_out_of_range_is_refused_with_its_path)
{
  BOOST_TEST(error_of(R"({"extract": {"window_hours": "48"}})") == "extract.window_hours: expected an integer, got a string");
  BOOST_TEST(error_of(R"({"extract": {"window_hours": 0}})") == "extract.window_hours: expected 1..168, got 0");
  BOOST_TEST(error_of(R"({"qstash": {"destination_mode": "sms"}})") ==
             "qstash.destination_mode: expected one of webhook, vapi, got 'sms'");
  BOOST_TEST(error_of(R"({"extract": []})") == "extract: expected an object, got an array");
  BOOST_TEST(error_of("[1]").find("the top level must be an object") != std::string::npos);
  BOOST_TEST(error_of("{").find("not valid JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(absent_keys_take_their_defaults_and_required_keys_name_themselves)
{
  const auto config = ConfigFile::from_text(R"({"extract": {"threads": 7}})", "test.json");
  BOOST_TEST(config.integer("extract.threads") == 7);
  BOOST_TEST(config.integer("extract.window_hours") == 48);
  BOOST_TEST(config.text("qstash.destination_mode") == "webhook");
  BOOST_TEST(config.boolean("reconcile.create_missing_cases") == true);
  BOOST_TEST(!config.optional_text("qstash.webhook_url").has_value());
  BOOST_CHECK_EXCEPTION((void)config.text("database.uri_file"), ConfigError,
                        [](const ConfigError& e) { return std::string(e.what()) == "database.uri_file: missing required key"; });
}

BOOST_AUTO_TEST_CASE(a_secret_file_is_read_without_its_trailing_newline_and_never_echoed)
{
  const auto dir = std::filesystem::temp_directory_path() / ("config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "uri";
  std::ofstream(file) << "host=/tmp password=hunter2\n";
  const auto config = ConfigFile::from_text(R"({"database": {"uri_file": ")" + file.string() + R"("}})", "t");
  BOOST_TEST(config.secret("database.uri_file").reveal() == "host=/tmp password=hunter2");

  std::ofstream(dir / "empty") << "\n";
  const auto empty = ConfigFile::from_text(R"({"database": {"uri_file": ")" + (dir / "empty").string() + R"("}})", "t");
  BOOST_CHECK_EXCEPTION((void)empty.secret("database.uri_file"), ConfigError, [](const ConfigError& e) {
    return std::string(e.what()).find("database.uri_file: secret file") == 0;
  });
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(every_secret_key_is_a_file_key)
{
  for (const auto& key : shared::config::all_keys()) {
    const std::string path(key.path);
    for (const char* secret_word : {"token", "password", "private_key", "api_key", "signing_key"}) {
      if (path.find(secret_word) != std::string::npos) {
        BOOST_TEST(path.ends_with("_file"), path << " holds a secret but is not a *_file key");
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
