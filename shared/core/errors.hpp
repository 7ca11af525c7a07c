#pragma once

#include <stdexcept>
#include <string>

namespace shared {

// Base of our exceptions. Never thrown itself.
class Error : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

// The command line is wrong. Thrown only by the argument parsers.
class UsageError : public Error
{
public:
  using Error::Error;
};

// A config key is missing or wrong, or a secret file is absent. Thrown before any clinic is touched.
class ConfigError : public Error
{
public:
  using Error::Error;
};

// Postgres or the network is unavailable right now; the same work may succeed later.
class TransientError : public Error
{
public:
  using Error::Error;
};

// One record from IDEXX Neo is malformed. Caught per record and quarantined, never fatal.
class DataError : public Error
{
public:
  using Error::Error;
};

// A broken invariant that no retry will fix by itself (an edited migration, an impossible state).
class InvariantError : public Error
{
public:
  using Error::Error;
};

// A failure of one clinic with a stable, machine-readable code (`invalid_credentials`,
// `session_lost`, `deadline_exceeded`, ...) recorded on its work item and session row. The message
// carries no personal data.
class ClinicError : public Error
{
public:
  ClinicError(std::string code, const std::string& message) : Error(message), m_code(std::move(code)) {}
  [[nodiscard]] const std::string& code() const { return m_code; }

private:
  std::string m_code;
};

} // namespace shared
