#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shared::logging {

enum class Level { debug, info, warn, error };

using Value = std::variant<std::string, std::int64_t, double, bool>;

// One typed field of a log event. Integers of every width convert to int64.
struct Field
{
  std::string_view key;
  Value value;

  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename Integer>
    requires(std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>)
  Field(std::string_view k, Integer v) : key(k), value(static_cast<std::int64_t>(v))
  {
  }
};

using Fields = std::initializer_list<Field>;

// Sets the process-wide context every line carries. Called once by stage_main / command_main.
void configure(std::string stage, Level minimum);
void set_run_id(std::string run_id);
void configure_level(Level minimum);
// Parses "debug" | "info" | "warn" | "error"; anything else is info.
Level parse_level(std::string_view text);

// Writes one event to stderr: a JSON object per line with ts, level, stage, run_id, event and the
// fields; when stderr is a terminal, one readable line instead. Never pass secrets, names, phone
// numbers or note text: log ids, counts, states and reasons.
void log(Level level, std::string_view event, Fields fields = {});
// The same, with fields known only at run time.
void log(Level level, std::string_view event, const std::vector<Field>& fields);
inline void debug(std::string_view event, Fields fields = {}) { log(Level::debug, event, fields); }
inline void info(std::string_view event, Fields fields = {}) { log(Level::info, event, fields); }
inline void warn(std::string_view event, Fields fields = {}) { log(Level::warn, event, fields); }
inline void error(std::string_view event, Fields fields = {}) { log(Level::error, event, fields); }

// A progress event (`"event":"progress"`, done, total) at most every five seconds, plus the final
// one when done == total (architecture.md, Decision 12).
class Progress
{
public:
  Progress(std::string what, std::int64_t total);
  void advance(std::int64_t by = 1);
  void set_total(std::int64_t total);

private:
  void emit();

  std::string m_what;
  std::int64_t m_total;
  std::int64_t m_done = 0;
  std::int64_t m_last_emit_ms = 0;
};

} // namespace shared::logging
