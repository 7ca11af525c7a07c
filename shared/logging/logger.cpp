#include "shared/logging/logger.hpp"

#include "shared/core/clock.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

namespace shared::logging {

namespace {

struct State
{
  std::mutex mutex;
  std::string stage = "unknown";
  std::string run_id;
  Level minimum = Level::info;
  bool terminal = ::isatty(2) == 1;
};

State& state()
{
  static State instance;
  return instance;
}

const char* level_name(Level level)
{
  switch (level) {
  case Level::debug: return "debug";
  case Level::info: return "info";
  case Level::warn: return "warn";
  case Level::error: return "error";
  }
  return "info";
}

nlohmann::json to_json(const Value& value)
{
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

std::string to_text(const Value& value)
{
  if (const auto* text = std::get_if<std::string>(&value)) {
    return *text;
  }
  return to_json(value).dump();
}

std::int64_t steady_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

void configure(std::string stage, Level minimum)
{
  auto& s = state();
  const std::lock_guard lock(s.mutex);
  s.stage = std::move(stage);
  s.minimum = minimum;
}

void configure_level(Level minimum)
{
  auto& s = state();
  const std::lock_guard lock(s.mutex);
  s.minimum = minimum;
}

void set_run_id(std::string run_id)
{
  auto& s = state();
  const std::lock_guard lock(s.mutex);
  s.run_id = std::move(run_id);
}

Level parse_level(std::string_view text)
{
  if (text == "debug") {
    return Level::debug;
  }
  if (text == "warn") {
    return Level::warn;
  }
  if (text == "error") {
    return Level::error;
  }
  return Level::info;
}

void log(Level level, std::string_view event, Fields fields)
{
  log(level, event, std::vector<Field>(fields.begin(), fields.end()));
}

void log(Level level, std::string_view event, const std::vector<Field>& fields)
{
  auto& s = state();
  if (level < s.minimum) {
    return;
  }
  const auto now = Clock{}.now();
  std::string line;
  if (s.terminal) {
    line = format_iso8601(now).substr(11, 12) + " " + level_name(level) + " " + std::string(event);
    for (const auto& field : fields) {
      line += " " + std::string(field.key) + "=" + to_text(field.value);
    }
  } else {
    nlohmann::ordered_json object;
    object["ts"] = format_iso8601(now);
    object["level"] = level_name(level);
    {
      const std::lock_guard lock(s.mutex);
      object["stage"] = s.stage;
      object["run_id"] = s.run_id;
    }
    object["event"] = event;
    for (const auto& field : fields) {
      object[std::string(field.key)] = to_json(field.value);
    }
    // Invalid UTF-8 in a field must not kill the process: replace it.
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  line += '\n';
  const std::lock_guard lock(s.mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

Progress::Progress(std::string what, std::int64_t total) : m_what(std::move(what)), m_total(total)
{
  m_last_emit_ms = steady_ms();
}

void Progress::set_total(std::int64_t total)
{
  m_total = total;
}

void Progress::advance(std::int64_t by)
{
  m_done += by;
  const auto now = steady_ms();
  if (m_done >= m_total || now - m_last_emit_ms >= 5000) {
    m_last_emit_ms = now;
    emit();
  }
}

void Progress::emit()
{
  info("progress", {{"what", m_what}, {"done", m_done}, {"total", m_total}});
}

} // namespace shared::logging
