#pragma once

#include "shared/core/secret.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>

namespace shared::crypto {
class KeyRing;
} // namespace shared::crypto

namespace shared::credentials {

// An idexx_credentials row, still encrypted.
struct StoredCredential
{
  std::string id;
  std::string user_id;
  std::optional<std::string> clinic_id;     // NULL: a user-wide row
  std::string username_encrypted;           // bytea as text (\x...)
  std::string password_encrypted;
  std::optional<std::string> company_id_encrypted;
  std::string encryption_key_id;
  std::string validation_status;            // unknown | valid | invalid | 2fa_unsupported
  bool sync_enabled = true;
};

// A credential in memory only: never logged, never stored in plain text.
struct DecryptedCredential
{
  std::string credential_id;
  std::string user_id;
  Secret username;
  Secret password;
  std::string company_id;                   // empty when none ("default" is none too)
};

// The credential clinic `clinic_id` syncs with (data-model.md 8, made deterministic): the newest
// active row for the clinic; else, for users linked to it (primary first, then the oldest link),
// their active row for the clinic, else their active user-wide row. std::nullopt when none.
std::optional<StoredCredential> choose_credential(pqxx::transaction_base& tx, const std::string& clinic_id);

// Decrypts all fields. Throws crypto::DecryptionFailed or ConfigError (a missing key file).
DecryptedCredential decrypt_credential(crypto::KeyRing& key_ring, const StoredCredential& stored);

struct NewCredential
{
  std::string user_id;
  std::string clinic_id;
  Secret username;
  Secret password;
  std::string company_id;                   // empty: none
  std::string validation_status = "unknown";
};

// Stores a credential in the v1 envelope with the current key, deactivating the user's previous
// active row for the clinic in the same transaction. Throws UsageError when the user has no
// user_clinic_access to the clinic (Decision 19). Returns the new row's id.
std::string store_credential(pqxx::work& tx, crypto::KeyRing& key_ring, const NewCredential& credential);

// Records the outcome of a real login (valid, invalid, 2fa_unsupported).
void record_validation(pqxx::work& tx, const std::string& credential_id, const std::string& status);

} // namespace shared::credentials
