#include "shared/credentials/credential_store.hpp"

#include "shared/core/errors.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/db/connection.hpp"

namespace shared::credentials {

namespace {

using db::Query;

constexpr Query k_choose{"credentials.choose", R"sql(
  SELECT id, user_id, clinic_id, username_encrypted::text, password_encrypted::text, company_id_encrypted::text,
         coalesce(encryption_key_id, 'default'), coalesce(validation_status, 'unknown'), coalesce(sync_enabled, true)
    FROM (SELECT k.*, 0 AS rank, false AS not_primary, k.created_at AS linked_at, 0 AS wide
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

} // namespace shared::credentials
