#include "stages/extract/extract_stage.hpp"

#include "shared/credentials/credential_store.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"
#include "shared/idexx/http_idexx_client.hpp"
#include "shared/logging/logger.hpp"
#include "shared/metrics/run_metrics.hpp"
#include "shared/runs/clinic_counts.hpp"
#include "shared/runs/clinic_loop.hpp"
#include "shared/runs/run_ledger.hpp"
#include "stages/extract/clinic_extractor.hpp"
#include "stages/extract/extract_repository.hpp"


#include <memory>

namespace extract {

namespace {

WindowSettings load_window_settings(const shared::config::ConfigFile& config)
{
  return WindowSettings{.window = std::chrono::hours{config.integer("extract.window_hours")},
                        .overlap = std::chrono::hours{config.integer("extract.overlap_hours")},
                        .max_lookback = std::chrono::days{config.integer("extract.max_lookback_days")}};
}

// What a refused login means for the stored credential: invalid and 2FA suspend the clinic until
// someone stores new credentials (data-model.md 8); an unrecognised form says nothing about them.
std::optional<std::string> validation_status_for(shared::idexx::LoginFailure failure)
{
  switch (failure) {
  case shared::idexx::LoginFailure::invalid_credentials: return "invalid";
  case shared::idexx::LoginFailure::two_factor_unsupported: return "2fa_unsupported";
  case shared::idexx::LoginFailure::login_form_unrecognised: return std::nullopt;
  }
  return std::nullopt;
}

void extract_one(pqxx::connection& connection, shared::runs::WorkQueue& queue, const shared::runs::WorkItem& item,
                 shared::idexx::HttpIdexxClient& client, shared::crypto::KeyRing& key_ring,
                 const shared::idexx::IdexxConfig& idexx_config, const WindowSettings& window_settings,
                 shared::Instant now, shared::runs::CountTotals& totals)
{
  // Choose the credential and open the session in a transaction of their own: later rows need the
  // session id, and a failure after this point is recorded against it.
  ClinicToExtract info;
  shared::credentials::StoredCredential stored;
  Window window;
  std::string session_id;
  shared::db::with_transaction(connection, [&](pqxx::work& tx) {
    ExtractRepository repo(tx);
    info = repo.clinic(item.clinic_id);
    auto chosen = shared::credentials::choose_credential(tx, item.clinic_id.value);
    if (!chosen || !chosen->sync_enabled) {
      throw shared::ClinicError("no_credentials", "the clinic has no active IDEXX Neo credential");
    }
    if (chosen->validation_status == "invalid" || chosen->validation_status == "2fa_unsupported") {
      // No login attempt: a refused account stays suspended until new credentials are stored.
      throw shared::ClinicError(chosen->validation_status == "invalid" ? "invalid_credentials" : "2fa_unsupported",
                                "the stored credential was refused before; store new credentials");
    }
    stored = *chosen;
    window = extraction_window(now, info.last_window_end, window_settings, info.backfills);
    session_id = repo.open_session(item.run_id, item.clinic_id, stored.user_id, stored.id, window);
  });

  shared::credentials::DecryptedCredential credential;
  try {
    credential = shared::credentials::decrypt_credential(key_ring, stored);
  } catch (const shared::crypto::DecryptionFailed& error) {
    throw shared::ClinicError("credential_undecryptable", error.what());
  }
  const shared::ClinicZone zone(info.timezone);
  shared::idexx::Session session;
  try {
    session = client.log_in(shared::idexx::ClinicLogin{
        .clinic_id = item.clinic_id, .base_url = info.base_url.value_or(idexx_config.default_base_url),
        .company_id = credential.company_id, .username = credential.username.reveal(),
        .password = credential.password, .time_zone = info.timezone});
  } catch (const shared::idexx::LoginRejected& error) {
    const auto code = std::string(shared::idexx::to_string(error.reason()));
    if (const auto status = validation_status_for(error.reason())) {
      shared::db::with_transaction(connection,
                                   [&](pqxx::work& tx) { ExtractRepository(tx).record_login_refusal(stored.id, *status); });
    }
    throw shared::ClinicError(code, "IDEXX Neo refused the login (" + code + ")");
  }

  ExtractedClinic extracted;
  try {
    extracted = extract_clinic(client, session, zone, window, idexx_config.search_enabled);
  } catch (const shared::idexx::SessionExpired&) {
    throw shared::ClinicError("session_lost", "the IDEXX Neo session kept expiring");
  } catch (const shared::idexx::ForbiddenError&) {
    throw shared::ClinicError("forbidden", "the IDEXX Neo account lacks rights (403)");
  } catch (const shared::idexx::RateLimited&) {
    throw shared::ClinicError("rate_limited", "IDEXX Neo kept answering 429");
  } catch (const shared::idexx::DeadlineExceeded& error) {
    throw shared::ClinicError("deadline_exceeded", error.what());
  } catch (const shared::idexx::SchemaError& error) {
    throw shared::ClinicError("schema_error", error.what());
  }

  shared::db::with_transaction(connection, [&](pqxx::work& tx) {
    const auto counts = ExtractRepository(tx).stage(item.run_id, item.clinic_id, session_id, window, extracted, info);
    const shared::runs::ClinicCounts clinic_counts{{"appointments_staged", counts.appointments},
                                                   {"consultations_staged", counts.consultations},
                                                   {"consultations_fetch_failed", counts.fetch_failures},
                                                   {"records_quarantined", counts.quarantined},
                                                   {"search_unavailable", extracted.search_unavailable ? 1 : 0},
                                                   {"unstable_listing", extracted.unstable_listing ? 1 : 0}};
    queue.add_counts(tx, item, shared::runs::counts_json(clinic_counts));
    queue.advance(tx, item, shared::runs::k_extract_states);
    totals.add(clinic_counts);
    shared::logging::info("clinic.extracted", {{"clinic_id", item.clinic_id.value},
                                               {"appointments", counts.appointments},
                                               {"consultations", counts.consultations},
                                               {"fetch_failures", counts.fetch_failures},
                                               {"quarantined", counts.quarantined},
                                               {"window_start", shared::format_iso8601(window.from)},
                                               {"window_end", shared::format_iso8601(window.to)}});
  });
}

} // namespace

shared::app::StageSummary run_extract(shared::app::StageContext& context)
{
  shared::app::StageSummary summary;
  const auto& config = context.config_file();
  const auto database = shared::db::load_database_config(config);
  const auto idexx_config = shared::idexx::load_idexx_config(config);
  const auto window_settings = load_window_settings(config);
  const auto loop = shared::runs::load_loop_settings(config, "extract.threads");
  shared::crypto::KeyRing key_ring(shared::crypto::load_key_ring_config(config));
  {
    auto connection = shared::db::open_connection(database, "extract.ledger");
    shared::runs::RunLedger ledger(*connection, {.abandon_after = config.seconds("run.abandon_after_seconds")});
    const auto trigger = shared::runs::trigger_for(context.run_id().value, config.text("run.cronjob_name"));
    const auto now = context.clock().now();
    const Window default_window{.from = now - window_settings.window, .to = now};
    const auto membership = ledger.open_or_join(context.run_id(), trigger, default_window.from, default_window.to);
    if (membership != shared::runs::Membership::working) {
      shared::logging::info("run.not_open", {{"action", "nothing to extract"}});
      return summary;
    }
    const auto added = shared::db::with_transaction(
        *connection, [&](pqxx::work& tx) { return ExtractRepository(tx).add_work_items(context.run_id(), default_window); });
    shared::logging::info("run.joined", {{"trigger", shared::runs::to_string(trigger)}, {"clinics_added", added}});
    // Metrics (issue 6): the run's start, pushed with POST so a run in flight can alert; every pod of the run
    // pushes the same sync_runs.started_at. Never fails the stage (a malformed URL is a ConfigError, exit 78).
    shared::metrics::push_opened_run(config, *connection, context.run_id());
  }
  shared::runs::CountTotals totals;
  const auto now = context.clock().now();
  // One IDEXX Neo client per worker: its TLS context and keep-alive connection serve all the clinics
  // the worker claims; each clinic still logs in to a session (and cookie jar) of its own.
  const auto result = shared::runs::run_clinic_loop(
      database, context.run_id(), context.worker_id(), "extract", shared::runs::k_extract_states, loop,
      [&]() -> shared::runs::ClinicStep {
        auto client = std::make_shared<shared::idexx::HttpIdexxClient>(idexx_config);
        return [&, client](pqxx::connection& connection, shared::runs::WorkQueue& queue,
                           const shared::runs::WorkItem& item) {
          extract_one(connection, queue, item, *client, key_ring, idexx_config, window_settings, now, totals);
        };
      });
  summary.add("clinics_extracted", result.succeeded);
  summary.add("clinics_failed", result.failed);
  totals.report(summary);
  return summary;
}

} // namespace extract
