#include "shared/credentials/credential_store.hpp"

#include "shared/core/errors.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"

#include <algorithm>

namespace shared::credentials {

namespace {

using db::Query;

// Rows for the clinic carry no link time, so among them only created_at DESC decides (the newest).
constexpr Query k_choose{"credentials.choose", R"sql(
  SELECT id, user_id, clinic_id, username_encrypted::text, password_encrypted::text, company_id_encrypted::text,
         coalesce(encryption_key_id, 'default'), coalesce(validation_status, 'unknown'), coalesce(sync_enabled, true)
    FROM (SELECT k.*, 0 AS rank, false AS not_primary, NULL::timestamptz AS linked_at, 0 AS wide
            FROM idexx_credentials k
           WHERE k.clinic_id = $1 AND k.is_active
          UNION ALL
          SELECT k.*, 1, NOT coalesce(a.is_primary, false), a.created_at, CASE WHEN k.clinic_id IS NULL THEN 1 ELSE 0 END
            FROM user_clinic_access a
            JOIN idexx_credentials k ON k.user_id = a.user_id AND k.is_active
                                    AND (k.clinic_id = $1 OR k.clinic_id IS NULL)
           WHERE a.clinic_id = $1) AS candidates
   ORDER BY rank, not_primary, linked_at, wide, created_at DESC, id
   LIMIT 1)sql"};

constexpr Query k_has_access{"credentials.has_access",
                             "SELECT 1 FROM user_clinic_access WHERE user_id = $1 AND clinic_id = $2"};

constexpr Query k_deactivate{"credentials.deactivate_previous", R"sql(
  UPDATE idexx_credentials SET is_active = false, updated_at = now()
   WHERE user_id = $1 AND clinic_id = $2 AND is_active)sql"};

constexpr Query k_insert{"credentials.insert", R"sql(
  INSERT INTO idexx_credentials (user_id, clinic_id, username_encrypted, password_encrypted, company_id_encrypted,
                                 encryption_key_id, is_active, sync_enabled, validation_status, last_validated_at,
                                 created_at, updated_at)
  VALUES ($1, $2, $3::bytea, $4::bytea, $5::bytea, $6, true, true, $7,
          CASE WHEN $7 <> 'unknown' THEN now() END, now(), now())
  RETURNING id)sql"};

constexpr Query k_list_ids{"credentials.list_ids",
                           "SELECT id FROM idexx_credentials ORDER BY created_at, id"};

constexpr Query k_lock_for_rotation{"credentials.lock_for_rotation", R"sql(
  SELECT user_id, clinic_id, username_encrypted::text, password_encrypted::text, company_id_encrypted::text,
         encryption_key_id
    FROM idexx_credentials WHERE id = $1 FOR UPDATE)sql"};

// Conditional on the key id read under the lock: all fields and the key id change in one statement.
constexpr Query k_rotate{"credentials.update_rotated", R"sql(
  UPDATE idexx_credentials
     SET username_encrypted = $2::bytea, password_encrypted = $3::bytea, company_id_encrypted = $4::bytea,
         encryption_key_id = $5, updated_at = now()
   WHERE id = $1 AND encryption_key_id IS NOT DISTINCT FROM $6::text)sql"};

constexpr Query k_clinic_exists{"credentials.select_clinic", "SELECT 1 FROM clinics WHERE id = $1"};

constexpr Query k_revoke{"credentials.revoke_clinic", R"sql(
  UPDATE idexx_credentials SET is_active = false, updated_at = now()
   WHERE clinic_id = $1 AND is_active
  RETURNING id, user_id)sql"};

constexpr Query k_disable_sync{"credentials.disable_clinic_sync", R"sql(
  INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled) VALUES ($1, false)
  ON CONFLICT (clinic_id) DO UPDATE SET idexx_sync_enabled = false, updated_at = now())sql"};

constexpr Query k_user_wide_left{"credentials.count_user_wide_for_clinic", R"sql(
  SELECT count(*) FROM user_clinic_access a
    JOIN idexx_credentials k ON k.user_id = a.user_id AND k.clinic_id IS NULL AND k.is_active
   WHERE a.clinic_id = $1)sql"};

constexpr Query k_validation{"credentials.record_validation", R"sql(
  UPDATE idexx_credentials SET validation_status = $2, last_validated_at = now(), updated_at = now()
   WHERE id = $1)sql"};

std::optional<std::string> optional_text(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

crypto::CredentialBinding binding_for(const std::optional<std::string>& clinic_id, const std::string& user_id,
                                      const char* field)
{
  return crypto::CredentialBinding{.clinic_id = clinic_id, .user_id = user_id, .field = field};
}

Secret open_field(crypto::KeyRing& key_ring, const StoredCredential& stored, const std::string& bytea_text,
                  const char* field)
{
  const auto bytes = crypto::bytes_from_bytea_text(bytea_text);
  return crypto::decrypt(key_ring, binding_for(stored.clinic_id, stored.user_id, field), bytes,
                         stored.encryption_key_id);
}

std::string seal_field(crypto::KeyRing& key_ring, const NewCredential& credential, const Secret& value,
                       const char* field)
{
  return crypto::to_bytea_hex(crypto::encrypt(key_ring, binding_for(credential.clinic_id, credential.user_id, field), value));
}

} // namespace

std::optional<StoredCredential> choose_credential(pqxx::transaction_base& tx, const std::string& clinic_id)
{
  const auto rows = db::run(tx, k_choose, clinic_id);
  if (rows.empty()) {
    return std::nullopt;
  }
  const auto& row = rows[0];
  return StoredCredential{.id = row[0].as<std::string>(), .user_id = row[1].as<std::string>(),
                          .clinic_id = optional_text(row[2]), .username_encrypted = row[3].as<std::string>(),
                          .password_encrypted = row[4].as<std::string>(), .company_id_encrypted = optional_text(row[5]),
                          .encryption_key_id = row[6].as<std::string>(), .validation_status = row[7].as<std::string>(),
                          .sync_enabled = row[8].as<bool>()};
}

DecryptedCredential decrypt_credential(crypto::KeyRing& key_ring, const StoredCredential& stored)
{
  DecryptedCredential out{.credential_id = stored.id, .user_id = stored.user_id,
                          .username = open_field(key_ring, stored, stored.username_encrypted, "username"),
                          .password = open_field(key_ring, stored, stored.password_encrypted, "password"),
                          .company_id = ""};
  if (stored.company_id_encrypted) {
    out.company_id = open_field(key_ring, stored, *stored.company_id_encrypted, "company_id").reveal();
  }
  if (out.company_id == "default") {
    out.company_id.clear(); // the product stored "default" when no company id was given
  }
  return out;
}

std::string store_credential(pqxx::work& tx, crypto::KeyRing& key_ring, const NewCredential& credential)
{
  if (db::run(tx, k_has_access, credential.user_id, credential.clinic_id).empty()) {
    throw UsageError("user " + credential.user_id + " has no user_clinic_access to clinic " + credential.clinic_id);
  }
  const auto username = seal_field(key_ring, credential, credential.username, "username");
  const auto password = seal_field(key_ring, credential, credential.password, "password");
  std::optional<std::string> company;
  if (!credential.company_id.empty()) {
    company = seal_field(key_ring, credential, Secret(credential.company_id), "company_id");
  }
  db::run(tx, k_deactivate, credential.user_id, credential.clinic_id);
  return db::run(tx, k_insert, credential.user_id, credential.clinic_id, username, password, company,
                 crypto::encryption_key_id_column(key_ring.current_key_id()), credential.validation_status)[0][0]
      .as<std::string>();
}

void record_validation(pqxx::work& tx, const std::string& credential_id, const std::string& status)
{
  db::run(tx, k_validation, credential_id, status);
}

std::vector<std::string> list_credential_ids(pqxx::transaction_base& tx)
{
  std::vector<std::string> ids;
  for (const auto& row : db::run(tx, k_list_ids)) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

RotationResult rotate_credential(pqxx::work& tx, crypto::KeyRing& key_ring, const std::string& credential_id)
{
  RotationResult result;
  result.outcome = RotationOutcome::not_found;
  result.credential_id = credential_id;
  result.to_key_id_column = crypto::encryption_key_id_column(key_ring.current_key_id());
  const auto rows = db::run(tx, k_lock_for_rotation, credential_id);
  if (rows.empty()) {
    return result;
  }
  const auto& row = rows[0];
  const auto key_id_read = optional_text(row[5]);
  StoredCredential stored{.id = credential_id, .user_id = row[0].as<std::string>(), .clinic_id = optional_text(row[1]),
                          .username_encrypted = row[2].as<std::string>(),
                          .password_encrypted = row[3].as<std::string>(),
                          .company_id_encrypted = optional_text(row[4]),
                          .encryption_key_id = key_id_read.value_or("default"), .validation_status = "",
                          .sync_enabled = true};
  result.user_id = stored.user_id;
  result.clinic_id = stored.clinic_id;
  result.from_key_id_column = stored.encryption_key_id;
  if (key_id_read == result.to_key_id_column) {
    result.outcome = RotationOutcome::already_current;
    return result;
  }

  // Decrypt every field before writing anything: a row is rotated whole or not at all.
  const auto open = [&](const std::string& bytea_text, const char* field) -> std::optional<Secret> {
    try {
      return open_field(key_ring, stored, bytea_text, field);
    } catch (const crypto::DecryptionFailed& error) {
      result.failure = error.what();
    } catch (const ConfigError& error) {
      result.failure = error.what(); // the key file its key id names is missing or unusable
    }
    result.outcome = RotationOutcome::failed;
    result.failed_field = field;
    return std::nullopt;
  };
  const auto username = open(stored.username_encrypted, "username");
  if (!username) {
    return result;
  }
  const auto password = open(stored.password_encrypted, "password");
  if (!password) {
    return result;
  }
  std::optional<Secret> company;
  if (stored.company_id_encrypted) {
    company = open(*stored.company_id_encrypted, "company_id");
    if (!company) {
      return result;
    }
  }

  const auto seal = [&](const Secret& value, const char* field) {
    return crypto::to_bytea_hex(
        crypto::encrypt(key_ring, binding_for(stored.clinic_id, stored.user_id, field), value));
  };
  std::optional<std::string> company_sealed;
  if (company) {
    company_sealed = seal(*company, "company_id"); // as stored, "default" included: rotation keeps meaning
  }
  const auto updated = db::run(tx, k_rotate, credential_id, seal(*username, "username"), seal(*password, "password"),
                               company_sealed, result.to_key_id_column, key_id_read);
  result.outcome = updated.affected_rows() == 1 ? RotationOutcome::rotated : RotationOutcome::changed_concurrently;
  return result;
}

RotationReport rotate_all_credentials(pqxx::connection& connection, crypto::KeyRing& key_ring,
                                      const std::function<void(pqxx::work&, const RotationResult&)>& on_rotated)
{
  constexpr int k_max_reads = 3;
  RotationReport report;
  const auto ids = db::with_transaction(connection, [](pqxx::work& tx) { return list_credential_ids(tx); });
  for (const auto& id : ids) {
    RotationResult result;
    for (int read = 1; read <= k_max_reads; ++read) {
      result = db::with_transaction(connection, [&](pqxx::work& tx) {
        auto attempt = rotate_credential(tx, key_ring, id);
        if (attempt.outcome == RotationOutcome::rotated && on_rotated) {
          on_rotated(tx, attempt);
        }
        return attempt;
      });
      if (result.outcome != RotationOutcome::changed_concurrently) {
        break;
      }
    }
    switch (result.outcome) {
    case RotationOutcome::rotated: ++report.rotated; break;
    case RotationOutcome::already_current: ++report.already_current; break;
    case RotationOutcome::not_found: ++report.gone; break;
    case RotationOutcome::changed_concurrently:
      result.outcome = RotationOutcome::failed;
      result.failure = "the row kept changing while it was rotated";
      [[fallthrough]];
    case RotationOutcome::failed:
      ++report.failed;
      report.failures.push_back(result);
      break;
    }
  }
  return report;
}

Revocation revoke_clinic_credentials(pqxx::work& tx, const std::string& clinic_id)
{
  if (db::run(tx, k_clinic_exists, clinic_id).empty()) {
    throw UsageError("--clinic: no clinic " + clinic_id);
  }
  Revocation revocation;
  for (const auto& row : db::run(tx, k_revoke, clinic_id)) {
    revocation.deactivated.push_back(RevokedCredential{.id = row[0].as<std::string>(),
                                                       .user_id = row[1].as<std::string>()});
  }
  std::sort(revocation.deactivated.begin(), revocation.deactivated.end(),
            [](const RevokedCredential& a, const RevokedCredential& b) { return a.id < b.id; });
  db::run(tx, k_disable_sync, clinic_id);
  revocation.user_wide_rows_left = db::run(tx, k_user_wide_left, clinic_id)[0][0].as<int>();
  return revocation;
}

} // namespace shared::credentials
