#include "shared/config/config_file.hpp"

#include "shared/config/config_schema.hpp"
#include "shared/core/errors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shared::config {

namespace {

using Json = nlohmann::json;

std::string describe(const Json& value)
{
  switch (value.type()) {
  case Json::value_t::string: return "a string";
  case Json::value_t::boolean: return "a boolean";
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned: return "an integer";
  case Json::value_t::number_float: return "a number with a fraction";
  case Json::value_t::object: return "an object";
  case Json::value_t::array: return "an array";
  case Json::value_t::null: return "null";
  default: return "something else";
  }
}

std::string join_allowed(const std::vector<std::string_view>& allowed)
{
  std::string out;
  for (const auto& value : allowed) {
    out += out.empty() ? "" : ", ";
    out += value;
  }
  return out;
}

} // namespace

ConfigFile::ConfigFile(std::map<std::string, Value, std::less<>> values, std::string source)
    : m_values(std::move(values)), m_source(std::move(source))
{
}

ConfigFile ConfigFile::load(const std::filesystem::path& file)
{
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError("--config: cannot read " + file.string() + ": " + std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return from_text(content.str(), file.string());
}

ConfigFile ConfigFile::from_text(std::string_view json_text, std::string source)
{
  Json root;
  try {
    root = Json::parse(json_text);
  } catch (const Json::parse_error& error) {
    throw ConfigError(source + ": not valid JSON (" + error.what() + ")");
  }
  if (!root.is_object()) {
    throw ConfigError(source + ": the top level must be an object of sections");
  }
  std::map<std::string, Value, std::less<>> values;
  for (const auto& [section, keys] : root.items()) {
    bool known_section = false;
    for (const auto& spec : all_keys()) {
      known_section = known_section || spec.path.substr(0, spec.path.find('.')) == section;
    }
    if (!known_section) {
      throw ConfigError(section + ": unknown key");
    }
    if (!keys.is_object()) {
      throw ConfigError(section + ": expected an object, got " + describe(keys));
    }
    for (const auto& [key, value] : keys.items()) {
      const std::string path = section + "." + key;
      const KeySpec* spec = find_key(path);
      if (spec == nullptr) {
        throw ConfigError(path + ": unknown key");
      }
      switch (spec->kind) {
      case KeyKind::string: {
        if (!value.is_string()) {
          throw ConfigError(path + ": expected a string, got " + describe(value));
        }
        auto text = value.get<std::string>();
        if (!spec->allowed.empty() &&
            std::find(spec->allowed.begin(), spec->allowed.end(), text) == spec->allowed.end()) {
          throw ConfigError(path + ": expected one of " + join_allowed(spec->allowed) + ", got '" + text +
                            "'");
        }
        values.emplace(path, std::move(text));
        break;
      }
      case KeyKind::integer: {
        if (!value.is_number_integer()) {
          throw ConfigError(path + ": expected an integer, got " + describe(value));
        }
        const auto number = value.get<std::int64_t>();
        if (number < spec->min || number > spec->max) {
          throw ConfigError(path + ": expected " + std::to_string(spec->min) + ".." +
                            std::to_string(spec->max) + ", got " + std::to_string(number));
        }
        values.emplace(path, number);
        break;
      }
      case KeyKind::boolean:
        if (!value.is_boolean()) {
          throw ConfigError(path + ": expected true or false, got " + describe(value));
        }
        values.emplace(path, value.get<bool>());
        break;
      }
    }
  }
  return ConfigFile(std::move(values), std::move(source));
}

ConfigFile::Value ConfigFile::value_of(std::string_view path) const
{
  const KeySpec* spec = find_key(path);
  if (spec == nullptr) {
    // A typo in our own code, not in the file.
    throw InvariantError(std::string(path) + ": not a configuration key");
  }
  if (const auto found = m_values.find(path); found != m_values.end()) {
    return found->second;
  }
  if (spec->default_text) {
    return std::string(*spec->default_text);
  }
  if (spec->default_integer) {
    return *spec->default_integer;
  }
  if (spec->default_boolean) {
    return *spec->default_boolean;
  }
  throw ConfigError(std::string(path) + ": missing required key");
}

std::string ConfigFile::text(std::string_view path) const
{
  return std::get<std::string>(value_of(path));
}

std::int64_t ConfigFile::integer(std::string_view path) const
{
  return std::get<std::int64_t>(value_of(path));
}

bool ConfigFile::boolean(std::string_view path) const
{
  return std::get<bool>(value_of(path));
}

std::chrono::seconds ConfigFile::seconds(std::string_view path) const
{
  return std::chrono::seconds{integer(path)};
}

std::chrono::milliseconds ConfigFile::milliseconds(std::string_view path) const
{
  return std::chrono::milliseconds{integer(path)};
}

std::optional<std::string> ConfigFile::optional_text(std::string_view path) const
{
  const KeySpec* spec = find_key(path);
  if (spec == nullptr) {
    throw InvariantError(std::string(path) + ": not a configuration key");
  }
  if (!is_set(path) && !spec->default_text) {
    return std::nullopt;
  }
  auto value = text(path);
  if (value.empty()) {
    return std::nullopt;
  }
  return value;
}

bool ConfigFile::is_set(std::string_view path) const
{
  return m_values.find(path) != m_values.end();
}

Secret ConfigFile::secret(std::string_view path) const
{
  return read_secret_file(text(path), path);
}

Secret read_secret_file(const std::filesystem::path& file, std::string_view what)
{
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(std::string(what) + ": cannot read secret file " + file.string() + ": " +
                      std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string bytes = content.str();
  if (!bytes.empty() && bytes.back() == '\n') {
    bytes.pop_back();
    if (!bytes.empty() && bytes.back() == '\r') {
      bytes.pop_back();
    }
  }
  if (bytes.empty()) {
    throw ConfigError(std::string(what) + ": secret file " + file.string() + " is empty");
  }
  return Secret(std::move(bytes));
}

} // namespace shared::config
