#include "shared/idexx/http_idexx_client.hpp"

#include "shared/config/config_file.hpp"
#include "shared/http/http_client.hpp"
#include "shared/idexx/idexx_parsing.hpp"
#include "shared/logging/logger.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace shared::idexx {

IdexxConfig load_idexx_config(const shared::config::ConfigFile& file)
{
  IdexxConfig config;
  config.default_base_url = file.text("idexx.default_base_url");
  config.ca_file = file.text("tls.ca_file");
  config.user_agent = file.text("idexx.user_agent");
  config.connect_timeout = file.seconds("idexx.connect_timeout_seconds");
  config.request_timeout = file.seconds("idexx.request_timeout_seconds");
  config.clinic_deadline = file.seconds("idexx.clinic_deadline_seconds");
  config.max_attempts = static_cast<int>(file.integer("idexx.max_attempts"));
  config.retry_base_delay = file.milliseconds("idexx.retry_base_delay_ms");
  config.retry_max_delay = file.milliseconds("idexx.retry_max_delay_ms");
  config.retry_after_cap = file.seconds("idexx.retry_after_cap_seconds");
  config.max_relogins = static_cast<int>(file.integer("idexx.max_relogins"));
  config.rate_per_second = static_cast<int>(file.integer("idexx.rate_per_second"));
  config.burst = static_cast<int>(file.integer("idexx.burst"));
  config.search_enabled = file.boolean("idexx.search_enabled");
  return config;
}

std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double jitter_fraction)
{
  const int doublings = std::clamp(retry - 1, 0, 30);
  const double raw = static_cast<double>(base.count()) * static_cast<double>(1LL << doublings);
  const double with_jitter = raw * (1.0 + 0.3 * std::clamp(jitter_fraction, 0.0, 1.0));
  const double capped = std::min(with_jitter, static_cast<double>(max.count()));
  return std::chrono::milliseconds{static_cast<std::int64_t>(capped)};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds cap)
{
  std::string text(value);
  text.erase(0, text.find_first_not_of(" \t"));
  text.erase(text.find_last_not_of(" \t") + 1);
  if (text.empty()) {
    return std::nullopt;
  }
  long seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error == std::errc{} && end == text.data() + text.size()) {
    return std::min(std::chrono::seconds{std::max(0L, seconds)}, cap);
  }
  // An HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT".
  int day = 0;
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  char month_name[4] = {};
  if (std::sscanf(text.c_str(), "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &day, month_name, &year, &hour,
                  &minute, &second) != 6) {
    return std::nullopt;
  }
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (std::strcmp(months[i], month_name) == 0) {
      month = i + 1;
    }
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (month == 0 || !date.ok()) {
    return std::nullopt;
  }
  const auto when = sys_days{date} + hours{hour} + minutes{minute} + std::chrono::seconds{second};
  const auto wait = duration_cast<std::chrono::seconds>(when - now);
  return std::clamp(wait, std::chrono::seconds{0}, cap);
}

namespace {

// A token bucket per host, shared by every client of the process (idexx-neo.md §11).
class HostRateLimiter
{
public:
  static HostRateLimiter& instance()
  {
    static HostRateLimiter limiter;
    return limiter;
  }

  // Blocks until a token for `host` is available.
  void acquire(const std::string& host, int rate_per_second, int burst)
  {
    for (;;) {
      std::chrono::duration<double> wait{0};
      {
        const std::lock_guard lock(m_mutex);
        auto& bucket = m_buckets[host];
        const auto now = std::chrono::steady_clock::now();
        if (!bucket.initialised) {
          bucket = {static_cast<double>(burst), now, true};
        }
        const std::chrono::duration<double> elapsed = now - bucket.updated;
        bucket.tokens =
            std::min(static_cast<double>(burst), bucket.tokens + elapsed.count() * rate_per_second);
        bucket.updated = now;
        if (bucket.tokens >= 1.0) {
          bucket.tokens -= 1.0;
          return;
        }
        wait = std::chrono::duration<double>((1.0 - bucket.tokens) / rate_per_second);
      }
      std::this_thread::sleep_for(wait);
    }
  }

private:
  struct Bucket
  {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
    bool initialised = false;
  };
  std::mutex m_mutex;
  std::map<std::string, Bucket> m_buckets;
};

bool contains_ci(std::string_view haystack, std::string_view needle)
{
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) ==
                                       std::tolower(static_cast<unsigned char>(b));
                              });
  return it != haystack.end();
}

std::string host_of(std::string_view url)
{
  try {
    return http::parse_url(url).host;
  } catch (const std::exception&) {
    return "?";
  }
}

class HttpSessionState final : public SessionState
{
public:
  ClinicLogin login;
  std::map<std::string, std::string> cookies; // never logged
  int relogins = 0;
  int requests_since_login = 0;
  std::chrono::steady_clock::time_point deadline;
};

HttpSessionState& state_of(Session& session)
{
  auto* state = dynamic_cast<HttpSessionState*>(session.state.get());
  if (state == nullptr) {
    throw std::invalid_argument("HttpIdexxClient: session was not created by this client type");
  }
  return *state;
}

// Poco has no cookie jar: keep the Set-Cookie values and send them on every request. One jar per
// clinic host, so domain and path attributes are not needed.
void store_cookies(const http::HttpResponse& response, std::map<std::string, std::string>& cookies)
{
  for (const auto& header : response.header_values("Set-Cookie")) {
    const auto pair_end = header.find(';');
    const auto pair = std::string_view(header).substr(0, pair_end);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    auto name = std::string(pair.substr(0, equals));
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    const auto value = std::string(pair.substr(equals + 1));
    const auto attributes = pair_end == std::string::npos
                                ? std::string_view{}
                                : std::string_view(header).substr(pair_end);
    if (name.empty()) {
      continue;
    }
    if (value.empty() || contains_ci(attributes, "max-age=0") ||
        contains_ci(attributes, "max-age=-")) {
      cookies.erase(name);
    } else {
      cookies[name] = value;
    }
  }
}

std::string cookie_header(const std::map<std::string, std::string>& cookies)
{
  std::string out;
  for (const auto& [name, value] : cookies) {
    if (!out.empty()) {
      out += "; ";
    }
    out += name + "=" + value;
  }
  return out;
}

bool has_session_cookie(const std::map<std::string, std::string>& cookies)
{
  return std::any_of(cookies.begin(), cookies.end(), [](const auto& cookie) {
    return contains_ci(cookie.first, "session") || contains_ci(cookie.first, "auth");
  });
}

bool is_redirect(int status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string strip_trailing_slash(std::string url)
{
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

enum class Outcome {
  ok,
  not_found,
  expired,
};

} // namespace

struct HttpIdexxClient::Impl
{
  IdexxConfig config;
  http::HttpClient http;
  Sleeper sleeper;
  std::mt19937 random{std::random_device{}()};
  int logins = 0;
  int consecutive_429 = 0; // across requests: more than 3 in a row fail the clinic (§11)

  Impl(IdexxConfig c, Sleeper s)
      : config(std::move(c)),
        http(http::HttpClientConfig{
            config.ca_file,
            std::chrono::duration_cast<std::chrono::milliseconds>(config.connect_timeout),
            std::chrono::duration_cast<std::chrono::milliseconds>(config.request_timeout),
            config.user_agent}),
        sleeper(std::move(s))
  {
    if (!sleeper) {
      sleeper = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
    }
  }

  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }

  // Sends with retries on transport failures, 5xx and 429 (idexx-neo.md §3.1). Returns any other
  // response for the caller to classify.
  // Every attempt and every wait counts against the clinic's deadline (§11): a wait that would end
  // past it fails the clinic now instead of sleeping first.
  http::HttpResponse send_with_retries(const http::HttpRequest& request, bool retry_allowed,
                                       std::chrono::steady_clock::time_point deadline)
  {
    const auto host = host_of(request.url);
    const auto path = url_path(request.url);
    const int attempts = retry_allowed ? std::max(1, config.max_attempts) : 1;
    const auto wait_within_deadline = [&](std::chrono::milliseconds wait) {
      if (std::chrono::steady_clock::now() + wait >= deadline) {
        throw DeadlineExceeded("deadline_exceeded: clinic time budget spent waiting to retry " + request.method +
                               " " + host + path);
      }
      sleeper(wait);
    };
    for (int attempt = 1;; ++attempt) {
      if (std::chrono::steady_clock::now() >= deadline) {
        throw DeadlineExceeded("deadline_exceeded: clinic time budget spent before " + request.method + " " +
                               host + path);
      }
      HostRateLimiter::instance().acquire(host, config.rate_per_second, config.burst);
      std::optional<std::chrono::milliseconds> wait;
      http::HttpResponse response;
      try {
        response = http.send(request);
      } catch (const TransientError&) {
        if (attempt >= attempts) {
          throw;
        }
        logging::info(
            "idexx.request_retried",
            {{"host", host}, {"path", path}, {"attempt", attempt}, {"cause", "transport"}});
        wait_within_deadline(backoff_delay(attempt, config.retry_base_delay, config.retry_max_delay, jitter()));
        continue;
      }
      const int status = response.status;
      consecutive_429 = status == 429 ? consecutive_429 + 1 : 0;
      const bool transient = status == 500 || status == 502 || status == 503 || status == 504;
      if (!transient && status != 429) {
        return response;
      }
      if (consecutive_429 > 3) {
        throw RateLimited(request.method + " " + host + path + ": HTTP 429 " +
                          std::to_string(consecutive_429) + " times in a row");
      }
      if (attempt >= attempts) {
        const auto message = request.method + " " + host + path + ": HTTP " +
                             std::to_string(status) + " after " + std::to_string(attempt) +
                             " attempts";
        if (status == 429) {
          throw RateLimited(message);
        }
        throw TransientError(message);
      }
      if (status == 429 || status == 503) {
        if (const auto retry_after = response.header("Retry-After")) {
          if (const auto seconds = parse_retry_after(*retry_after, std::chrono::system_clock::now(),
                                                     config.retry_after_cap)) {
            wait = std::chrono::duration_cast<std::chrono::milliseconds>(*seconds);
          }
        }
      }
      if (!wait) {
        wait = backoff_delay(attempt, config.retry_base_delay, config.retry_max_delay, jitter());
      }
      logging::info("idexx.request_retried", {{"host", host},
                                              {"path", path},
                                              {"attempt", attempt},
                                              {"status", status},
                                              {"wait_ms", wait->count()}});
      wait_within_deadline(*wait);
    }
  }

  http::HttpRequest page_request(const std::string& method, const std::string& url,
                                 const HttpSessionState& state)
  {
    http::HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers = {{"Accept", "text/html,application/xhtml+xml"}};
    if (!state.cookies.empty()) {
      request.headers.emplace_back("Cookie", cookie_header(state.cookies));
    }
    return request;
  }

  // GET /login, POST the form, follow redirects (idexx-neo.md §2). Fills `state.cookies`.
  void perform_login(HttpSessionState& state)
  {
    ++logins;
    state.cookies.clear();
    const auto base = strip_trailing_slash(state.login.base_url);
    auto url = base + "/login";
    http::HttpResponse page;
    for (int hop = 0;; ++hop) {
      page = send_with_retries(page_request("GET", url, state), true, state.deadline);
      store_cookies(page, state.cookies);
      if (!is_redirect(page.status) || hop >= 5) {
        break;
      }
      url = resolve_url(url, page.header("Location").value_or(""));
    }
    if (page.status != 200) {
      throw LoginRejected(LoginFailure::login_form_unrecognised, "login page " + url_path(url) +
                                                                     " answered HTTP " +
                                                                     std::to_string(page.status));
    }
    const auto form = parse_login_form(page.body);
    if (!form) {
      throw LoginRejected(LoginFailure::login_form_unrecognised,
                          "no login form with a username and a password field at " + url_path(url) +
                              " (title '" + page_title(page.body) + "')");
    }
    const auto body = login_form_body(*form, state.login.company_id, state.login.username,
                                      state.login.password.reveal());
    auto target = resolve_url(url, form->action);
    http::HttpRequest submit = page_request(form->method == "get" ? "GET" : "POST", target, state);
    if (form->method == "get") {
      submit.url += (submit.url.find('?') == std::string::npos ? "?" : "&") + body;
    } else {
      submit.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      submit.headers.emplace_back("Origin", base);
      submit.headers.emplace_back("Referer", url);
      submit.body = body;
    }
    // One attempt: a refused password is never retried (lockout risk, idexx-neo.md §2.3).
    auto response = send_with_retries(submit, false, state.deadline);
    store_cookies(response, state.cookies);
    for (int hop = 0; is_redirect(response.status); ++hop) {
      if (hop >= 5) {
        throw LoginRejected(LoginFailure::login_form_unrecognised,
                            "more than 5 redirects after the login form");
      }
      target = resolve_url(target, response.header("Location").value_or(""));
      if (is_two_factor_path(url_path(target))) {
        throw LoginRejected(
            LoginFailure::two_factor_unsupported,
            "2FA required - cannot proceed automatically; use an integration account without 2FA");
      }
      response = send_with_retries(page_request("GET", target, state), true, state.deadline);
      store_cookies(response, state.cookies);
    }
    if (response.status >= 500) {
      throw TransientError("login: " + host_of(target) + url_path(target) + " answered HTTP " +
                           std::to_string(response.status));
    }
    if (has_one_time_code_input(response.body)) {
      throw LoginRejected(
          LoginFailure::two_factor_unsupported,
          "2FA required - cannot proceed automatically; use an integration account without 2FA");
    }
    const bool on_login_page =
        url_path(target).find("/login") != std::string::npos || has_password_form(response.body);
    if (on_login_page || !has_session_cookie(state.cookies)) {
      auto message =
          login_error_text(response.body)
              .value_or(on_login_page ? "login refused" : "no session cookie after login");
      // The page could echo what was typed; the password must never reach a message.
      const auto& password = state.login.password.reveal();
      if (!password.empty()) {
        for (auto at = message.find(password); at != std::string::npos;
             at = message.find(password)) {
          message.replace(at, password.size(), "***");
        }
      }
      throw LoginRejected(LoginFailure::invalid_credentials, message);
    }
    state.requests_since_login = 0;
    logging::info("idexx.logged_in",
                  {{"clinic_id", state.login.clinic_id.value}, {"host", host_of(base)}});
  }

  // One XHR GET with expiry detection (idexx-neo.md §2.5, §3.1). `not_found` only for 404.
  Outcome get_once(HttpSessionState& state, const std::string& url, http::HttpResponse& response)
  {
    http::HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.headers = {{"Accept", "application/json"},
                       {"X-Requested-With", "XMLHttpRequest"},
                       {"Referer", strip_trailing_slash(state.login.base_url) + "/"}};
    if (!state.cookies.empty()) {
      request.headers.emplace_back("Cookie", cookie_header(state.cookies));
    }
    response = send_with_retries(request, true, state.deadline);
    ++state.requests_since_login;
    store_cookies(response, state.cookies);
    const int status = response.status;
    const auto where = host_of(url) + url_path(url);
    if (is_redirect(status)) {
      if (response.header("Location").value_or("").find("/login") != std::string::npos) {
        return Outcome::expired;
      }
      throw RequestRejected(status, "GET " + where + ": unexpected redirect (HTTP " +
                                        std::to_string(status) + ")");
    }
    if (status == 401 || status == 419) {
      return Outcome::expired;
    }
    if (status >= 200 && status < 300) {
      if (looks_like_html(response.body, response.header("Content-Type").value_or(""))) {
        return Outcome::expired;
      }
      if (response.body.size() < 512 && (contains_ci(response.body, "not authenticated") ||
                                         contains_ci(response.body, "session expired"))) {
        return Outcome::expired;
      }
      return Outcome::ok;
    }
    if (status == 403) {
      throw ForbiddenError("GET " + where + ": HTTP 403, the account lacks rights");
    }
    if (status == 404) {
      return Outcome::not_found;
    }
    if (contains_ci(response.body.substr(0, 2048), "not authenticated") ||
        contains_ci(response.body.substr(0, 2048), "session expired")) {
      return Outcome::expired;
    }
    throw RequestRejected(status, "GET " + where + ": HTTP " + std::to_string(status));
  }

  // get_once plus one re-login and one retry per expiry, within the session's budget.
  Outcome get(Session& session, const std::string& path_and_query, http::HttpResponse& response)
  {
    auto& state = state_of(session);
    const auto url = strip_trailing_slash(session.base_url) + path_and_query;
    auto outcome = get_once(state, url, response);
    if (outcome != Outcome::expired) {
      return outcome;
    }
    const auto where = host_of(url) + url_path(url);
    logging::info("idexx.session_expired",
                  {{"clinic_id", session.clinic_id.value}, {"path", url_path(url)}});
    // A session that expires again within 2 requests of a re-login will not hold (§2.5).
    if (state.relogins > 0 && state.requests_since_login <= 2) {
      throw SessionExpired("session_lost: a fresh session expired again at once (" + where + ")");
    }
    if (state.relogins >= config.max_relogins) {
      throw SessionExpired("session_lost: re-login budget of " +
                           std::to_string(config.max_relogins) + " spent (" + where + ")");
    }
    ++state.relogins;
    perform_login(state);
    outcome = get_once(state, url, response);
    if (outcome == Outcome::expired) {
      throw SessionExpired("session_lost: a fresh session expired again at once (" + where + ")");
    }
    return outcome;
  }
};

HttpIdexxClient::HttpIdexxClient(IdexxConfig config) : HttpIdexxClient(std::move(config), Sleeper{})
{
}

HttpIdexxClient::HttpIdexxClient(IdexxConfig config, Sleeper sleeper)
    : m_impl(std::make_unique<Impl>(std::move(config), std::move(sleeper)))
{
}

HttpIdexxClient::~HttpIdexxClient() = default;

int HttpIdexxClient::login_count() const { return m_impl->logins; }

Session HttpIdexxClient::log_in(const ClinicLogin& login)
{
  auto state = std::make_shared<HttpSessionState>();
  state->login = login;
  if (state->login.base_url.empty()) {
    state->login.base_url = m_impl->config.default_base_url;
  }
  state->login.base_url = strip_trailing_slash(state->login.base_url);
  state->deadline = std::chrono::steady_clock::now() + m_impl->config.clinic_deadline;
  static_cast<void>(ClinicZone{login.time_zone}); // fail early on an unknown zone
  m_impl->perform_login(*state);
  return Session{login.clinic_id, state->login.base_url, login.time_zone, state};
}

CalendarResult HttpIdexxClient::calendar(Session& session, const LocalDays& days)
{
  const ClinicZone zone{session.time_zone};
  using namespace std::chrono;
  const LocalTime start{local_days{days.first}.time_since_epoch()};
  const LocalTime end =
      LocalTime{local_days{days.last}.time_since_epoch()} + hours{23} + minutes{59} + seconds{59};
  // The calendar wants clinic-local "YYYY-MM-DD HH:MM:SS", %20 and %3A, never `+` or ISO `T`.
  const auto path = "/appointments/getCalendarEventData?start=" + url_encode(format_local(start)) +
                    "&end=" + url_encode(format_local(end));
  http::HttpResponse response;
  if (m_impl->get(session, path, response) == Outcome::not_found) {
    throw RequestRejected(404, "GET calendar: HTTP 404");
  }
  return parse_calendar(response.body, zone);
}

SearchResult HttpIdexxClient::search_consultations(Session& session, const LocalDays& days)
{
  const ClinicZone zone{session.time_zone};
  using namespace std::chrono;
  const LocalTime start{local_days{days.first}.time_since_epoch()};
  const LocalTime end =
      LocalTime{local_days{days.last}.time_since_epoch()} + hours{23} + minutes{59} + seconds{59};
  const auto query = "&date_start=" + url_encode(format_local_dotted(start)) +
                     "&date_end=" + url_encode(format_local_dotted(end)) + "&order" +
                     url_encode("[]") + "=" + url_encode("consultedAt:desc");
  constexpr int k_max_passes = 3;
  constexpr int k_max_pages = 50;
  SearchResult result;
  std::map<std::string, std::size_t> index; // id -> position in result.items
  // Reads one page into `result`; returns the page's total and how many of its ids were new.
  struct PageRead
  {
    long total = 0;
    std::size_t items = 0;
    std::size_t new_ids = 0;
    int per_page = 20;
  };
  const auto read_page = [&](int page) {
    http::HttpResponse response;
    if (m_impl->get(session, "/consultations/search?page=" + std::to_string(page) + query, response) ==
        Outcome::not_found) {
      throw SearchUnavailable("consultation search answered 404 on " + host_of(session.base_url));
    }
    ++result.pages_read;
    auto parsed = parse_search_page(response.body, zone);
    for (auto& bad : parsed.malformed) {
      result.malformed.push_back(std::move(bad));
    }
    PageRead read{parsed.total, parsed.items.size(), 0, parsed.per_page > 0 ? parsed.per_page : 20};
    for (auto& item : parsed.items) {
      if (const auto it = index.find(item.id.value); it != index.end()) {
        result.items[it->second] = std::move(item);
      } else {
        ++read.new_ids;
        index.emplace(item.id.value, result.items.size());
        result.items.push_back(std::move(item));
      }
    }
    return read;
  };
  bool stable = false;
  for (int pass = 0; pass < k_max_passes && !stable && result.pages_read < k_max_pages; ++pass) {
    std::optional<long> first_total;
    long last_total = 0;
    int pages_in_pass = 0;
    for (int page = 1; result.pages_read < k_max_pages; ++page) {
      const auto read = read_page(page);
      ++pages_in_pass;
      if (!first_total) {
        first_total = read.total;
      }
      last_total = read.total;
      if (read.items == 0 || static_cast<int>(read.items) < read.per_page ||
          static_cast<long>(page) * read.per_page >= read.total) {
        break;
      }
    }
    // Items shift while we page when the total moves (§4.3): page again from 1.
    stable = first_total && *first_total == last_total;
    // An insertion at the head plus a deletion leave the total where it was and still hide the new
    // item on a page already read: a listing of several pages is confirmed by page 1 once more.
    if (stable && pages_in_pass > 1 && result.pages_read < k_max_pages) {
      const auto check = read_page(1);
      stable = check.total == last_total && check.new_ids == 0;
    }
  }
  result.unstable_listing = !stable;
  if (result.unstable_listing) {
    logging::warn("idexx.search_unstable",
                  {{"clinic_id", session.clinic_id.value}, {"pages", result.pages_read}});
  }
  return result;
}

std::optional<ConsultationDetail> HttpIdexxClient::consultation(Session& session,
                                                                const ConsultationId& id)
{
  const ClinicZone zone{session.time_zone};
  http::HttpResponse response;
  if (m_impl->get(session, "/consultations/" + url_encode(id.value) + "/page-data", response) ==
      Outcome::not_found) {
    return std::nullopt;
  }
  return parse_page_data(response.body, zone);
}

} // namespace shared::idexx
