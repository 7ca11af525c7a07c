#include "tests/fakes/fault_settings_json.hpp"

#include <functional>
#include <map>
#include <stdexcept>
#include <string>

namespace tests::fakes {

namespace {

using Setter = std::function<void(FaultSettings&, const nlohmann::json&)>;

Setter probability(double FaultSettings::*member)
{
  return [member](FaultSettings& faults, const nlohmann::json& value) {
    if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() > 1.0) {
      throw std::invalid_argument("wants a probability from 0 to 1");
    }
    faults.*member = value.get<double>();
  };
}

Setter count(int FaultSettings::*member)
{
  return [member](FaultSettings& faults, const nlohmann::json& value) {
    if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 1000000) {
      throw std::invalid_argument("wants a whole number from 0 to 1000000");
    }
    faults.*member = value.get<int>();
  };
}

Setter flag(bool FaultSettings::*member)
{
  return [member](FaultSettings& faults, const nlohmann::json& value) {
    if (!value.is_boolean()) {
      throw std::invalid_argument("wants true or false");
    }
    faults.*member = value.get<bool>();
  };
}

Setter millis(std::chrono::milliseconds FaultSettings::*member)
{
  return [member](FaultSettings& faults, const nlohmann::json& value) {
    if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 600000) {
      throw std::invalid_argument("wants milliseconds from 0 to 600000");
    }
    faults.*member = std::chrono::milliseconds{value.get<long long>()};
  };
}

const std::map<std::string, Setter>& setters()
{
  static const std::map<std::string, Setter> table{
      {"expire_session_every_n_requests", count(&FaultSettings::expire_session_every_n_requests)},
      {"expiry_style",
       [](FaultSettings& faults, const nlohmann::json& value) {
         static const std::map<std::string, ExpiryStyle> styles{{"redirect_to_login", ExpiryStyle::redirect_to_login},
                                                                {"login_page", ExpiryStyle::login_page},
                                                                {"unauthorized", ExpiryStyle::unauthorized}};
         const auto it = value.is_string() ? styles.find(value.get<std::string>()) : styles.end();
         if (it == styles.end()) {
           throw std::invalid_argument("wants redirect_to_login, login_page or unauthorized");
         }
         faults.expiry_style = it->second;
       }},
      {"http500_probability", probability(&FaultSettings::http500_probability)},
      {"http5xx_probability", probability(&FaultSettings::http5xx_probability)},
      {"http429_probability", probability(&FaultSettings::http429_probability)},
      {"retry_after_seconds", count(&FaultSettings::retry_after_seconds)},
      {"retry_after_http_date", flag(&FaultSettings::retry_after_http_date)},
      {"malformed_record", flag(&FaultSettings::malformed_record)},
      {"malformed_search_record", flag(&FaultSettings::malformed_search_record)},
      {"pagination_drift", count(&FaultSettings::pagination_drift)},
      {"pagination_deletions", count(&FaultSettings::pagination_deletions)},
      {"latency_ms", millis(&FaultSettings::latency)},
      {"very_slow_every_n_requests", count(&FaultSettings::very_slow_every_n_requests)},
      {"very_slow_probability", probability(&FaultSettings::very_slow_probability)},
      {"very_slow_latency_ms", millis(&FaultSettings::very_slow_latency)},
      {"connection_reset_probability", probability(&FaultSettings::connection_reset_probability)},
      {"cut_body_probability", probability(&FaultSettings::cut_body_probability)},
      {"never_complete_every_n_requests", count(&FaultSettings::never_complete_every_n_requests)},
  };
  return table;
}

} // namespace

FaultSettings fault_settings_from_json(const nlohmann::json& object)
{
  if (!object.is_object()) {
    throw std::invalid_argument("fault settings: want a JSON object");
  }
  FaultSettings faults;
  for (const auto& [key, value] : object.items()) {
    const auto it = setters().find(key);
    if (it == setters().end()) {
      throw std::invalid_argument("fault settings: unknown key '" + key + "'");
    }
    try {
      it->second(faults, value);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument("fault settings: '" + key + "' " + error.what());
    }
  }
  return faults;
}

} // namespace tests::fakes
