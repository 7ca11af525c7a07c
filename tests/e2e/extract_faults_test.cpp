// The real extract stage against an IDEXX Neo simulator that fights back (idexx-neo.md 11, 13):
// every fault the stage must survive, one per test, then all at once. The oracle is always the
// simulator's own count of consultations in each clinic's session window: each one staged exactly
// once, and the clinic `extracted`.
#include "tests/e2e/pipeline_world.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace {

namespace fakes = tests::fakes;

// Tiny waits so the suite stays fast: backoff 10-50 ms (from PipelineWorld), Retry-After capped,
// and a host rate limit the simulator does not need.
const std::string k_fast_limits = R"("rate_per_second": 1000, "burst": 1000)";
const std::string k_fast_retries = R"("retry_after_cap_seconds": 0, "max_relogins": 20, )" + k_fast_limits;

tests::PipelineWorldOptions options(const std::string& idexx_keys, std::vector<std::size_t> wrong_passwords = {})
{
  tests::PipelineWorldOptions out;
  out.extra_idexx_keys = idexx_keys;
  out.wrong_password_clinics = std::move(wrong_passwords);
  return out;
}

struct ClinicOutcome
{
  std::string state;
  std::string error_code;
  std::int64_t staged = 0;    // rows, except consultations Neo deleted after listing them
  std::int64_t distinct = 0;  // distinct consultation ids among those
  std::int64_t not_found = 0; // listed, then deleted before their page-data was fetched
};

ClinicOutcome outcome(const tests::PipelineWorld& world, const std::string& run_id, const std::string& clinic_id)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  ClinicOutcome out;
  const auto item = tx.exec_params("SELECT state, coalesce(error_code, '') FROM sync_work_items "
                                   "WHERE run_id = $1 AND clinic_id = $2",
                                   run_id, clinic_id);
  if (!item.empty()) {
    out.state = item[0][0].as<std::string>();
    out.error_code = item[0][1].as<std::string>();
  }
  const auto staged = tx.exec_params1(
      "SELECT count(*) FILTER (WHERE fetch_error IS DISTINCT FROM 'not_found'), "
      "       count(DISTINCT neo_consultation_id) FILTER (WHERE fetch_error IS DISTINCT FROM 'not_found'), "
      "       count(*) FILTER (WHERE fetch_error = 'not_found') "
      "  FROM staging_consultations WHERE run_id = $1 AND clinic_id = $2",
      run_id, clinic_id);
  out.staged = staged[0].as<std::int64_t>();
  out.distinct = staged[1].as<std::int64_t>();
  out.not_found = staged[2].as<std::int64_t>();
  return out;
}

// Runs extract alone and fails the test unless it exits 0.
void extract(const tests::PipelineWorld& world, const std::string& run_id)
{
  const auto result = world.run_stage("idexx-sync-extract", run_id);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, "extract exited " << result.exit_code << ":\n" << result.err);
}

// Every clinic of `world` except those in `skipped` (indices into world.clinics) is `extracted`
// with every consultation of its session window staged exactly once.
void expect_every_consultation_staged_once(const tests::PipelineWorld& world, const std::string& run_id,
                                           const std::vector<std::size_t>& skipped = {})
{
  for (std::size_t i = 0; i < world.clinics.size(); ++i) {
    if (std::find(skipped.begin(), skipped.end(), i) != skipped.end()) {
      continue;
    }
    const auto& clinic = world.clinics[i];
    const auto got = outcome(world, run_id, clinic.clinic_id);
    const auto expected = world.simulator_count_for(run_id, clinic.clinic_id);
    BOOST_TEST_CONTEXT("clinic " << i << " (" << clinic.clinic_id << ")")
    {
      BOOST_TEST(got.state == "extracted", "state " << got.state << ", error " << got.error_code);
      BOOST_TEST(expected > 0U);
      BOOST_TEST(static_cast<std::size_t>(got.staged) == expected);
      BOOST_TEST(got.distinct == got.staged);
      // Only a consultation Neo deleted after listing it may be staged as not found.
      BOOST_TEST(static_cast<std::size_t>(got.not_found) <=
                 world.simulator->stats().tenants.at(clinic.tenant).deletions);
    }
  }
}

void set_faults_everywhere(const tests::PipelineWorld& world, const fakes::FaultSettings& faults)
{
  for (const auto& clinic : world.clinics) {
    world.simulator->set_faults(clinic.tenant, faults);
  }
}

std::int64_t count(const tests::PipelineWorld& world, const std::string& sql, const std::string& param)
{
  auto connection = world.database.connect();
  pqxx::read_transaction tx(*connection);
  return tx.exec_params1(sql, param)[0].as<std::int64_t>();
}

std::size_t login_attempts(const tests::PipelineWorld& world, std::size_t tenant)
{
  const auto stats = world.simulator->stats().tenants.at(tenant);
  return stats.logins + stats.failed_logins;
}

} // namespace

BOOST_AUTO_TEST_SUITE(e2e_extract_faults)

BOOST_AUTO_TEST_CASE(server_errors_500_and_502_to_504_are_retried_and_every_consultation_is_staged_once)
{
  const tests::PipelineWorld world(101, 3, 30, options(k_fast_retries));
  fakes::FaultSettings faults;
  faults.http500_probability = 0.1;
  faults.http5xx_probability = 0.1;
  set_faults_everywhere(world, faults);
  extract(world, "faults-5xx");
  expect_every_consultation_staged_once(world, "faults-5xx");
  std::size_t injected = 0;
  for (const auto& tenant : world.simulator->stats().tenants) {
    injected += tenant.injected_errors;
  }
  BOOST_TEST(injected > 0U);
}

BOOST_AUTO_TEST_CASE(rate_limits_429_with_retry_after_in_seconds_or_as_an_http_date_are_waited_out)
{
  // Retry-After is honoured up to the cap: 1 s here, so the HTTP-date tenant really waits.
  const tests::PipelineWorld world(103, 3, 30, options(R"("retry_after_cap_seconds": 1, )" + k_fast_limits));
  fakes::FaultSettings faults;
  faults.http429_probability = 0.1;
  faults.retry_after_seconds = 0;
  world.simulator->set_faults(world.clinics[0].tenant, faults);
  world.simulator->set_faults(world.clinics[1].tenant, faults);
  faults.http429_probability = 0.08;
  faults.retry_after_seconds = 1;
  faults.retry_after_http_date = true;
  world.simulator->set_faults(world.clinics[2].tenant, faults);
  extract(world, "faults-429");
  expect_every_consultation_staged_once(world, "faults-429");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST(world.simulator->stats().tenants.at(clinic.tenant).injected_errors > 0U);
  }
}

BOOST_AUTO_TEST_CASE(session_expiry_every_n_requests_in_each_style_is_survived_by_re_login)
{
  for (const auto style : {fakes::ExpiryStyle::redirect_to_login, fakes::ExpiryStyle::login_page,
                           fakes::ExpiryStyle::unauthorized}) {
    BOOST_TEST_CONTEXT("expiry style " << static_cast<int>(style))
    {
      const tests::PipelineWorld world(107, 2, 30, options(k_fast_retries));
      fakes::FaultSettings faults;
      faults.expire_session_every_n_requests = 6;
      faults.expiry_style = style;
      set_faults_everywhere(world, faults);
      extract(world, "faults-expiry");
      expect_every_consultation_staged_once(world, "faults-expiry");
      for (const auto& clinic : world.clinics) {
        const auto stats = world.simulator->stats().tenants.at(clinic.tenant);
        BOOST_TEST(stats.session_expiries > 0U);
        BOOST_TEST(stats.logins == stats.session_expiries + 1); // one re-login per expiry
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(pagination_drift_during_the_consultation_search_loses_and_duplicates_nothing)
{
  // 80 visits a clinic: the search listing spans several pages.
  const tests::PipelineWorld world(109, 3, 80, options(k_fast_retries));
  fakes::FaultSettings faults;
  faults.pagination_drift = 2;
  set_faults_everywhere(world, faults);
  extract(world, "faults-drift");
  expect_every_consultation_staged_once(world, "faults-drift");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST(world.simulator->stats().tenants.at(clinic.tenant).drift_insertions == 2U);
  }
}

BOOST_AUTO_TEST_CASE(a_consultation_deleted_between_two_search_pages_shifts_nothing_out_of_the_staging)
{
  // The deleted head was served on page 1; every later item moves up one place, so the first
  // item of page 2 lands on page 1, already read. Only paging again finds it.
  const tests::PipelineWorld world(157, 3, 80, options(k_fast_retries));
  fakes::FaultSettings faults;
  faults.pagination_deletions = 1;
  set_faults_everywhere(world, faults);
  extract(world, "faults-deletion");
  expect_every_consultation_staged_once(world, "faults-deletion");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST(world.simulator->stats().tenants.at(clinic.tenant).deletions == 1U);
  }
}

BOOST_AUTO_TEST_CASE(connection_resets_and_bodies_cut_half_way_are_retried_and_every_consultation_is_staged_once)
{
  const tests::PipelineWorld world(159, 3, 30, options(k_fast_retries));
  fakes::FaultSettings faults;
  faults.connection_reset_probability = 0.08;
  faults.cut_body_probability = 0.08;
  set_faults_everywhere(world, faults);
  extract(world, "faults-transport");
  expect_every_consultation_staged_once(world, "faults-transport");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST(world.simulator->stats().tenants.at(clinic.tenant).transport_faults > 0U);
  }
}

BOOST_AUTO_TEST_CASE(a_response_that_never_completes_times_out_and_is_retried)
{
  const tests::PipelineWorld world(161, 2, 20,
                                   options(R"("request_timeout_seconds": 1, "retry_after_cap_seconds": 0, )" + k_fast_limits));
  fakes::FaultSettings faults;
  faults.never_complete_every_n_requests = 5; // a clinic makes ~10-20 data requests here
  set_faults_everywhere(world, faults);
  extract(world, "faults-hang");
  expect_every_consultation_staged_once(world, "faults-hang");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST(world.simulator->stats().tenants.at(clinic.tenant).transport_faults > 0U);
  }
}

BOOST_AUTO_TEST_CASE(one_malformed_record_in_the_calendar_and_the_search_is_quarantined_and_the_rest_staged)
{
  const tests::PipelineWorld world(113, 2, 30, options(k_fast_retries));
  fakes::FaultSettings faults;
  faults.malformed_record = true;
  faults.malformed_search_record = true;
  set_faults_everywhere(world, faults);
  extract(world, "faults-malformed");
  expect_every_consultation_staged_once(world, "faults-malformed");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST_CONTEXT("clinic " << clinic.clinic_id)
    {
      BOOST_TEST(count(world,
                       "SELECT count(*) FROM staging_quarantine WHERE run_id = 'faults-malformed' AND clinic_id = $1 "
                       "AND record_kind = 'appointment' AND reason = 'unparseable start'",
                       clinic.clinic_id) == 1);
      BOOST_TEST(count(world,
                       "SELECT count(*) FROM staging_quarantine WHERE run_id = 'faults-malformed' AND clinic_id = $1 "
                       "AND record_kind = 'consultation' AND reason = 'missing id'",
                       clinic.clinic_id) == 1);
      BOOST_TEST(count(world, "SELECT count(*) FROM staging_quarantine WHERE run_id = 'faults-malformed' AND clinic_id = $1",
                       clinic.clinic_id) == 2);
    }
  }
}

BOOST_AUTO_TEST_CASE(more_than_three_consecutive_429s_fail_only_that_clinic_with_rate_limited)
{
  // The rule of idexx-neo.md 11 holds whatever idexx.max_attempts says.
  const tests::PipelineWorld world(149, 3, 20, options(R"("max_attempts": 10, )" + k_fast_retries));
  fakes::FaultSettings faults;
  faults.http429_probability = 1.0;
  world.simulator->set_faults(world.clinics[0].tenant, faults);
  extract(world, "faults-throttled");
  const auto got = outcome(world, "faults-throttled", world.clinics[0].clinic_id);
  BOOST_TEST(got.state == "failed");
  BOOST_TEST(got.error_code == "rate_limited");
  BOOST_TEST(got.staged == 0);
  const auto stats = world.simulator->stats().tenants.at(world.clinics[0].tenant);
  BOOST_TEST(stats.injected_errors == 4U);
  BOOST_TEST(stats.requests_by_endpoint.at("calendar") == 4U);
  expect_every_consultation_staged_once(world, "faults-throttled", {0});
}

BOOST_AUTO_TEST_CASE(a_clinic_over_its_time_budget_fails_with_deadline_exceeded_and_the_others_are_unaffected)
{
  const tests::PipelineWorld world(151, 3, 30, options(R"("clinic_deadline_seconds": 3, )" + k_fast_retries));
  fakes::FaultSettings faults;
  faults.latency = std::chrono::milliseconds{500};
  world.simulator->set_faults(world.clinics[0].tenant, faults);
  extract(world, "faults-deadline");
  const auto got = outcome(world, "faults-deadline", world.clinics[0].clinic_id);
  BOOST_TEST(got.state == "failed");
  BOOST_TEST(got.error_code == "deadline_exceeded");
  BOOST_TEST(got.staged == 0);
  expect_every_consultation_staged_once(world, "faults-deadline", {0});
}

BOOST_AUTO_TEST_CASE(slow_responses_and_an_occasional_one_beyond_the_request_timeout_are_survived)
{
  const tests::PipelineWorld world(127, 3, 30,
                                   options(R"("request_timeout_seconds": 1, "retry_after_cap_seconds": 0, )" + k_fast_limits));
  fakes::FaultSettings faults;
  faults.latency = std::chrono::milliseconds{5};
  faults.very_slow_every_n_requests = 9;
  faults.very_slow_latency = std::chrono::milliseconds{1300};
  set_faults_everywhere(world, faults);
  faults.very_slow_every_n_requests = 0; // the last clinic: slow by chance instead
  faults.very_slow_probability = 0.1;
  world.simulator->set_faults(world.clinics.back().tenant, faults);
  extract(world, "faults-slow");
  expect_every_consultation_staged_once(world, "faults-slow");
  for (const auto& clinic : world.clinics) {
    BOOST_TEST(world.simulator->stats().tenants.at(clinic.tenant).slow_responses > 0U);
  }
}

BOOST_AUTO_TEST_CASE(all_faults_at_once_over_several_clinics)
{
  const tests::PipelineWorld world(131, 5, 60, options(k_fast_retries));
  fakes::FaultSettings faults;
  faults.http500_probability = 0.05;
  faults.http429_probability = 0.02;
  faults.expire_session_every_n_requests = 25;
  faults.pagination_drift = 1;
  // Beyond the issue's mix: the transport failures and a deletion while paging as well.
  faults.connection_reset_probability = 0.01;
  faults.cut_body_probability = 0.01;
  faults.pagination_deletions = 1;
  const std::array styles{fakes::ExpiryStyle::redirect_to_login, fakes::ExpiryStyle::login_page,
                          fakes::ExpiryStyle::unauthorized};
  for (std::size_t i = 0; i < world.clinics.size(); ++i) {
    faults.expiry_style = styles[i % styles.size()];
    world.simulator->set_faults(world.clinics[i].tenant, faults);
  }
  extract(world, "faults-all");
  expect_every_consultation_staged_once(world, "faults-all");
  std::size_t injected = 0;
  std::size_t expiries = 0;
  std::size_t drift = 0;
  for (const auto& tenant : world.simulator->stats().tenants) {
    injected += tenant.injected_errors;
    expiries += tenant.session_expiries;
    drift += tenant.drift_insertions;
    BOOST_TEST(tenant.peak_concurrent <= 2U); // idexx-neo.md 11: at most 2 in flight per clinic
  }
  BOOST_TEST(injected > 0U);
  BOOST_TEST(expiries > 0U);
  BOOST_TEST(drift > 0U);
}

BOOST_AUTO_TEST_CASE(a_wrong_password_fails_that_clinic_once_and_the_next_run_does_not_try_again)
{
  const tests::PipelineWorld world(137, 3, 20,
                                   options(k_fast_retries, {1}));
  const auto& refused = world.clinics[1];
  world.simulator->reset_stats();
  extract(world, "faults-password-1");

  const auto got = outcome(world, "faults-password-1", refused.clinic_id);
  BOOST_TEST(got.state == "failed");
  BOOST_TEST(got.error_code == "invalid_credentials");
  BOOST_TEST(got.staged == 0);
  expect_every_consultation_staged_once(world, "faults-password-1", {1});
  BOOST_TEST(login_attempts(world, refused.tenant) <= 1U);
  BOOST_TEST(world.simulator->stats().tenants.at(refused.tenant).logins == 0U);
  BOOST_TEST(count(world,
                   "SELECT count(*) FROM idexx_credentials WHERE clinic_id = $1 AND is_active "
                   "AND validation_status = 'invalid'",
                   refused.clinic_id) == 1);

  // Close the first run, then a second one: no login attempt at all for the refused clinic.
  for (const char* stage : {"idexx-sync-reconcile", "idexx-sync-schedule", "idexx-sync-audit"}) {
    const auto result = world.run_stage(stage, "faults-password-1");
    BOOST_REQUIRE_MESSAGE(result.exit_code == 0, stage << " exited " << result.exit_code << ":\n" << result.err);
  }
  world.simulator->reset_stats();
  extract(world, "faults-password-2");
  BOOST_TEST(login_attempts(world, refused.tenant) == 0U);
  const auto second = outcome(world, "faults-password-2", refused.clinic_id);
  BOOST_TEST(second.state != "extracted");
  BOOST_TEST(second.staged == 0);
  BOOST_TEST(login_attempts(world, world.clinics[0].tenant) == 1U);
}

BOOST_AUTO_TEST_CASE(a_wrong_password_answered_by_a_redirect_back_to_login_is_invalid_credentials_too)
{
  auto settings = options(k_fast_retries, {0});
  settings.simulator.failed_login_redirects = true;
  const tests::PipelineWorld world(163, 2, 20, settings);
  extract(world, "faults-password-redirect");
  const auto got = outcome(world, "faults-password-redirect", world.clinics[0].clinic_id);
  BOOST_TEST(got.state == "failed");
  BOOST_TEST(got.error_code == "invalid_credentials");
  BOOST_TEST(login_attempts(world, world.clinics[0].tenant) == 1U);
  expect_every_consultation_staged_once(world, "faults-password-redirect", {0});
}

BOOST_AUTO_TEST_CASE(a_two_factor_account_fails_that_clinic_with_2fa_unsupported)
{
  const tests::PipelineWorld world(139, 3, 20, options(k_fast_retries));
  world.simulator->set_requires_2fa(world.clinics[0].tenant, true);
  extract(world, "faults-2fa");
  const auto got = outcome(world, "faults-2fa", world.clinics[0].clinic_id);
  BOOST_TEST(got.state == "failed");
  BOOST_TEST(got.error_code == "2fa_unsupported");
  BOOST_TEST(got.staged == 0);
  BOOST_TEST(world.simulator->stats().tenants.at(world.clinics[0].tenant).requests_by_endpoint.count("calendar") == 0U);
  expect_every_consultation_staged_once(world, "faults-2fa", {0});
}

BOOST_AUTO_TEST_SUITE_END()
