#include "stages/admin/admin_commands.hpp"

#include "shared/app/version.hpp"
#include "shared/audit/audit_chain.hpp"
#include "shared/core/clinic_time.hpp"
#include "shared/core/errors.hpp"
#include "shared/credentials/credential_store.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"
#include "shared/idexx/http_idexx_client.hpp"
#include "shared/logging/logger.hpp"
#include "shared/posthog/posthog_outbox.hpp"
#include "shared/posthog/posthog_sender.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <iterator>
#include <regex>

namespace admin {

namespace {

using shared::db::Query;

constexpr Query k_clinic_login_target{"admin.select_clinic_login_target", R"sql(
  SELECT coalesce(timezone, 'America/Los_Angeles'), nullif(idexx_base_url, '') FROM clinics WHERE id = $1)sql"};

std::string require_uuid(const shared::app::CommandContext& context, const std::string& flag)
{
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  const auto value = context.flags().required(flag);
  if (!std::regex_match(value, uuid)) {
    throw shared::UsageError("--" + flag + ": expected a lower-case UUID");
  }
  return value;
}

shared::Secret read_password(std::istream& in)
{
  std::string password((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!password.empty() && password.back() == '\n') {
    password.pop_back();
  }
  if (password.empty()) {
    throw shared::UsageError("--password-stdin: no password on standard input");
  }
  return shared::Secret(std::move(password));
}

// A real login followed by the first authenticated JSON call (today's calendar): only then is a
// login valid (idexx-neo.md 2.2). Returns valid, invalid, 2fa_unsupported or throws.
std::string validate_login(const shared::config::ConfigFile& config, const std::string& clinic_id,
                           const std::string& timezone, const std::optional<std::string>& base_url,
                           const std::string& username, const std::string& company_id, const shared::Secret& password,
                           shared::Instant now)
{
  const auto idexx_config = shared::idexx::load_idexx_config(config);
  shared::idexx::HttpIdexxClient client(idexx_config);
  try {
    auto session = client.log_in(shared::idexx::ClinicLogin{
        .clinic_id = shared::ClinicId{clinic_id}, .base_url = base_url.value_or(idexx_config.default_base_url),
        .company_id = company_id, .username = username, .password = password, .time_zone = timezone});
    const shared::ClinicZone zone(timezone);
    const auto today = zone.local_date(now);
    (void)client.calendar(session, shared::idexx::LocalDays{.first = today, .last = today});
    return "valid";
  } catch (const shared::idexx::LoginRejected& error) {
    if (error.reason() == shared::idexx::LoginFailure::invalid_credentials) {
      return "invalid";
    }
    if (error.reason() == shared::idexx::LoginFailure::two_factor_unsupported) {
      return "2fa_unsupported";
    }
    throw;
  }
}

// Key ids ([a-z0-9-], "v1:" prefix) and UUIDs need no escaping; anything else is refused rather
// than written into an audit entry half-escaped.
std::string json_text(const std::string& value)
{
  const auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':'; };
  if (!std::all_of(value.begin(), value.end(), plain)) {
    throw shared::InvariantError("unexpected character in an audit detail value");
  }
  return value;
}

std::string user_agent()
{
  return std::string("idexx-sync/") + shared::app::k_version + " (admin)";
}

void audit_credential(pqxx::work& tx, const std::string& action, const std::string& user_id,
                      const std::string& clinic_id, const std::string& credential_id, const std::string& status,
                      const std::string& detail_status, shared::Instant now)
{
  const shared::audit::AuditEntry entry{
      .user_id = user_id, .clinic_id = clinic_id, .sync_session_id = std::nullopt, .run_id = "admin",
      .action_type = action, .resource_type = "credential", .resource_id = credential_id, .status = status,
      .details_json = std::string(R"({"validation_status":")") + detail_status + "\"}",
      .event_key = "admin|" + action + "|" + credential_id + "|" + detail_status + "|" + shared::format_iso8601(now)};
  shared::audit::append_entry(tx, entry, shared::Clock{}.now(), user_agent());
}

// PostHog's credential.validated, queued with the audit entry; the next audit stage sends it.
void enqueue_validation_event(pqxx::work& tx, const shared::config::ConfigFile& config, const std::string& clinic_id,
                              const std::string& credential_id, const std::string& status, shared::Instant now)
{
  if (!shared::posthog::load_posthog_config(config).enabled()) {
    return;
  }
  shared::posthog::enqueue(tx, {.event = "credential.validated",
                                .natural_key = credential_id + "|" + shared::format_iso8601(now),
                                .distinct_id = clinic_id, .occurred_at = now,
                                .properties = {{"credential_id", credential_id}, {"validation_status", status}}});
}

} // namespace

int credentials_set(shared::app::CommandContext& context)
{
  const auto user_id = require_uuid(context, "user");
  const auto clinic_id = require_uuid(context, "clinic");
  const auto username = context.flags().required("username");
  const auto company_id = context.flags().value("company-id").value_or("");
  if (!context.flags().has("password-stdin")) {
    throw shared::UsageError("--password-stdin is required: a password is never taken from the command line");
  }
  const auto password = read_password(context.in());
  const auto& config = context.config();
  shared::crypto::KeyRing key_ring(shared::crypto::load_key_ring_config(config));
  auto connection = shared::db::open_connection(shared::db::load_database_config(config), "admin.credentials");
  const auto target = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    const auto rows = shared::db::run(tx, k_clinic_login_target, clinic_id);
    if (rows.empty()) {
      throw shared::UsageError("--clinic: no clinic " + clinic_id);
    }
    return std::pair{rows[0][0].as<std::string>(),
                     rows[0][1].is_null() ? std::nullopt : std::optional<std::string>(rows[0][1].as<std::string>())};
  });
  std::string status = "unknown";
  if (!context.flags().has("no-validate")) {
    status = validate_login(config, clinic_id, target.first, target.second, username, company_id, password,
                            context.clock().now());
    if (status != "valid") {
      context.out() << "IDEXX Neo refused the login (" << status << "); nothing was stored\n";
      shared::logging::warn("credential.refused", {{"clinic_id", clinic_id}, {"validation_status", status}});
      return 1;
    }
  }
  const auto credential_id = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    const auto id = shared::credentials::store_credential(
        tx, key_ring,
        shared::credentials::NewCredential{.user_id = user_id, .clinic_id = clinic_id, .username = shared::Secret(username),
                                           .password = password, .company_id = company_id,
                                           .validation_status = status});
    audit_credential(tx, "credential_configured", user_id, clinic_id, id, "success", status, context.clock().now());
    if (status != "unknown") {
      audit_credential(tx, "credential_validated", user_id, clinic_id, id, "success", status, context.clock().now());
      enqueue_validation_event(tx, config, clinic_id, id, status, context.clock().now());
    }
    return id;
  });
  shared::logging::info("credential.stored", {{"clinic_id", clinic_id}, {"credential_id", credential_id},
                                              {"validation_status", status}});
  context.out() << "stored credential " << credential_id << " for clinic " << clinic_id << " (validation: " << status
                << ")\n";
  return 0;
}

int credentials_validate(shared::app::CommandContext& context)
{
  const auto clinic_id = require_uuid(context, "clinic");
  const auto& config = context.config();
  shared::crypto::KeyRing key_ring(shared::crypto::load_key_ring_config(config));
  auto connection = shared::db::open_connection(shared::db::load_database_config(config), "admin.credentials");
  const auto [stored, target] = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    auto chosen = shared::credentials::choose_credential(tx, clinic_id);
    if (!chosen) {
      throw shared::UsageError("--clinic: clinic " + clinic_id + " has no active credential");
    }
    const auto rows = shared::db::run(tx, k_clinic_login_target, clinic_id);
    return std::pair{*chosen, std::pair{rows[0][0].as<std::string>(),
                                        rows[0][1].is_null() ? std::nullopt
                                                             : std::optional<std::string>(rows[0][1].as<std::string>())}};
  });
  const auto credential = shared::credentials::decrypt_credential(key_ring, stored);
  const auto status = validate_login(config, clinic_id, target.first, target.second, credential.username.reveal(),
                                     credential.company_id, credential.password, context.clock().now());
  shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    shared::credentials::record_validation(tx, stored.id, status);
    audit_credential(tx, "credential_validated", stored.user_id, clinic_id, stored.id,
                     status == "valid" ? "success" : "failure", status, context.clock().now());
    enqueue_validation_event(tx, config, clinic_id, stored.id, status, context.clock().now());
  });
  context.out() << "clinic " << clinic_id << ": " << status << "\n";
  return status == "valid" ? 0 : 1;
}

int credentials_rotate(shared::app::CommandContext& context)
{
  const auto& config = context.config();
  shared::crypto::KeyRing key_ring(shared::crypto::load_key_ring_config(config));
  auto connection = shared::db::open_connection(shared::db::load_database_config(config), "admin.credentials");
  const auto now = context.clock().now();
  // Each row commits on its own with its audit entry, so stages may run meanwhile and an interrupted
  // rotation is simply run again (rows already on the current key are skipped).
  const auto report = shared::credentials::rotate_all_credentials(
      *connection, key_ring, [&](pqxx::work& tx, const shared::credentials::RotationResult& rotated) {
        const shared::audit::AuditEntry entry{
            .user_id = rotated.user_id, .clinic_id = rotated.clinic_id, .sync_session_id = std::nullopt,
            .run_id = "admin", .action_type = "credential_rotated", .resource_type = "credential",
            .resource_id = rotated.credential_id, .status = "success",
            .details_json = R"({"from_encryption_key_id":")" + json_text(rotated.from_key_id_column) +
                            R"(","to_encryption_key_id":")" + json_text(rotated.to_key_id_column) + "\"}",
            .event_key = "admin|credential_rotated|" + rotated.credential_id + "|" + rotated.from_key_id_column +
                         "|" + rotated.to_key_id_column + "|" + shared::format_iso8601(now)};
        shared::audit::append_entry(tx, entry, shared::Clock{}.now(), user_agent());
        shared::logging::info("credential.rotated",
                              {{"clinic_id", rotated.clinic_id.value_or("")}, {"credential_id", rotated.credential_id},
                               {"from_encryption_key_id", rotated.from_key_id_column},
                               {"to_encryption_key_id", rotated.to_key_id_column}});
      });
  for (const auto& failure : report.failures) {
    // The message names the field and the key id, never the bytes.
    shared::logging::error("credential.rotation_failed",
                           {{"clinic_id", failure.clinic_id.value_or("")}, {"credential_id", failure.credential_id},
                            {"field", failure.failed_field}, {"encryption_key_id", failure.from_key_id_column}});
    context.out() << "failed: credential " << failure.credential_id << " field "
                  << (failure.failed_field.empty() ? "-" : failure.failed_field) << " (encryption_key_id "
                  << failure.from_key_id_column << "): " << failure.failure << "\n";
  }
  context.out() << "rotated " << report.rotated << ", already current " << report.already_current << ", failed "
                << report.failed;
  if (report.gone > 0) {
    context.out() << ", deleted meanwhile " << report.gone;
  }
  context.out() << " (current key id " << key_ring.current_key_id() << ")\n";
  return report.failed > 0 ? 1 : 0;
}

int credentials_revoke(shared::app::CommandContext& context)
{
  const auto clinic_id = require_uuid(context, "clinic");
  auto connection = shared::db::open_connection(shared::db::load_database_config(context.config()),
                                                "admin.credentials");
  const auto now = context.clock().now();
  const auto revocation = shared::db::with_transaction(*connection, [&](pqxx::work& tx) {
    auto result = shared::credentials::revoke_clinic_credentials(tx, clinic_id);
    std::string ids;
    std::optional<std::string> owner;
    for (const auto& credential : result.deactivated) {
      ids += (ids.empty() ? "\"" : ",\"") + credential.id + "\"";
      owner = credential.user_id;
    }
    if (std::any_of(result.deactivated.begin(), result.deactivated.end(),
                    [&](const auto& credential) { return credential.user_id != owner; })) {
      owner.reset(); // rows of several users: the entry names none
    }
    const shared::audit::AuditEntry entry{
        .user_id = owner, .clinic_id = clinic_id, .sync_session_id = std::nullopt, .run_id = "admin",
        .action_type = "credential_revoked", .resource_type = "credential",
        .resource_id = result.deactivated.size() == 1 ? std::optional<std::string>(result.deactivated.front().id)
                                                      : std::nullopt,
        .status = "success",
        .details_json = R"({"credential_ids":[)" + ids + R"(],"credentials_deactivated":)" +
                        std::to_string(result.deactivated.size()) + "}",
        .event_key = "admin|credential_revoked|" + clinic_id + "|" + shared::format_iso8601(now)};
    shared::audit::append_entry(tx, entry, shared::Clock{}.now(), user_agent());
    return result;
  });
  shared::logging::info("credential.revoked",
                        {{"clinic_id", clinic_id},
                         {"credentials_deactivated", revocation.deactivated.size()}});
  context.out() << "clinic " << clinic_id << ": " << revocation.deactivated.size()
                << " credential(s) deactivated, sync disabled\n";
  for (const auto& credential : revocation.deactivated) {
    context.out() << "  deactivated " << credential.id << "\n";
  }
  if (revocation.user_wide_rows_left > 0) {
    context.out() << "note: " << revocation.user_wide_rows_left
                  << " active user-wide credential(s) of users linked to this clinic stay active (they serve the "
                     "users' other clinics); the clinic's sync switch is off\n";
  }
  return 0;
}

} // namespace admin
