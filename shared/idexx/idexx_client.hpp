#pragma once

#include "shared/core/clinic_time.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/secret.hpp"
#include "shared/idexx/idexx_errors.hpp"
#include "shared/idexx/idexx_types.hpp"

#include <memory>
#include <optional>
#include <string>

namespace shared::idexx {

// What one clinic logs in with. The password stays a Secret until it is form-encoded.
struct ClinicLogin
{
  ClinicId clinic_id;
  std::string base_url; // clinics.idexx_base_url, e.g. "https://us.idexxneo.com" (no trailing path)
  std::string company_id; // empty or "default" means none (idexx-neo.md §2.1)
  std::string username;
  Secret password;
  std::string time_zone; // clinics.timezone (IANA)
};

// Implementation-specific state of a session (cookies, re-login budget). Never logged.
class SessionState
{
public:
  virtual ~SessionState() = default;
};

// A logged-in IDEXX Neo session of one clinic. Holds the cookies inside `state`; has no operator<<.
// Used by one thread at a time.
struct Session
{
  ClinicId clinic_id;
  std::string base_url;
  std::string time_zone;
  std::shared_ptr<SessionState> state;
};

// Local whole days to query, from local_query_range (idexx-neo.md §8).
struct LocalDays
{
  std::chrono::year_month_day first;
  std::chrono::year_month_day last;
};

// IDEXX Neo, behind one interface (style.md L5). Every failure throws; an empty result means IDEXX
// has nothing. Any call may throw TransientError (timeouts, 5xx, connection failures after
// retries), RateLimited (429 on every attempt), ForbiddenError (403), RequestRejected (other 4xx),
// SessionExpired (session lost: re-login budget spent, or a fresh session expired again at once).
class IdexxClient
{
public:
  virtual ~IdexxClient() = default;
  // Logs in over HTTPS (one attempt, never retried on a refusal). Throws LoginRejected with
  // invalid_credentials, 2fa_unsupported or login_form_unrecognised.
  virtual Session log_in(const ClinicLogin& login) = 0;
  // The calendar events of `days` (clinic-local, whole days), roster entries dropped, malformed
  // records returned separately. Throws SchemaError when the body has no accepted shape.
  virtual CalendarResult calendar(Session& session, const LocalDays& days) = 0;
  // Every page of /consultations/search for `days`, deduplicated by id, paging again while the
  // total moves (bounded; then `unstable_listing`). Throws SearchUnavailable on 404.
  virtual SearchResult search_consultations(Session& session, const LocalDays& days) = 0;
  // page-data of consultation `id`; std::nullopt when IDEXX answers 404. Throws SchemaError when
  // the body has no `consultation` object.
  virtual std::optional<ConsultationDetail> consultation(Session& session,
                                                         const ConsultationId& id) = 0;
};

} // namespace shared::idexx
