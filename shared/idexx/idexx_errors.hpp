#pragma once

#include "shared/core/errors.hpp"
#include "shared/idexx/idexx_types.hpp"

#include <string>

namespace shared::idexx {

// IDEXX Neo refused the login, wants a second factor, or serves a login page we cannot read. Never
// retried: one attempt per clinic per run (idexx-neo.md §2.3). The message never holds the
// password.
class LoginRejected : public shared::Error
{
public:
  LoginRejected(LoginFailure reason, const std::string& message)
      : shared::Error(std::string(to_string(reason)) + ": " + message), m_reason(reason)
  {
  }
  [[nodiscard]] LoginFailure reason() const { return m_reason; }

private:
  LoginFailure m_reason;
};

// The session ended and could not be renewed within the clinic's re-login budget, or a fresh
// session expired again at once. The clinic fails with reason `session_lost`.
class SessionExpired : public shared::Error
{
public:
  using shared::Error::Error;
};

// A 2xx answer whose JSON has no accepted shape (idexx-neo.md §3.1): fails the request, never
// "empty".
class SchemaError : public shared::Error
{
public:
  using shared::Error::Error;
};

// HTTP 403: the account lacks rights. Fails the clinic.
class ForbiddenError : public shared::Error
{
public:
  using shared::Error::Error;
};

// /consultations/search answered 404: go on with the calendar alone (idexx-neo.md §11).
class SearchUnavailable : public shared::Error
{
public:
  using shared::Error::Error;
};

// A 4xx other than those above: the request is wrong; no retry. Carries the status.
class RequestRejected : public shared::Error
{
public:
  RequestRejected(int status, const std::string& message) : shared::Error(message), m_status(status)
  {
  }
  [[nodiscard]] int status() const { return m_status; }

private:
  int m_status;
};

// More than 3 consecutive 429s, or 429 on every attempt: the clinic fails with `rate_limited`
// (idexx-neo.md §11).
class RateLimited : public shared::TransientError
{
public:
  using shared::TransientError::TransientError;
};

// The per-clinic time budget (idexx.clinic_deadline_seconds) is spent: the clinic fails with
// `deadline_exceeded` (idexx-neo.md §11).
class DeadlineExceeded : public shared::TransientError
{
public:
  using shared::TransientError::TransientError;
};

} // namespace shared::idexx
