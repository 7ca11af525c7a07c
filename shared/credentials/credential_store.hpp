#pragma once

#include "shared/core/secret.hpp"

#include <pqxx/pqxx>

#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// Rotation (architecture.md, Decisions 7 and 19): every row, active or not, v1 under an older key
// id or legacy, is re-encrypted to the key ring's current key id, one row per short transaction,
// while the pipeline keeps running.

enum class RotationOutcome
{
  rotated,              // re-encrypted and updated (the caller's transaction still has to commit)
  already_current,      // encryption_key_id is already v1:<current key id>; nothing written
  not_found,            // the row is gone (deleted since it was listed); nothing written
  changed_concurrently, // the conditional UPDATE matched no row; nothing written, read it again
  failed,               // a field did not decrypt (or its key file is unusable); nothing written
};

struct RotationResult
{
  RotationOutcome outcome = RotationOutcome::failed;
  std::string credential_id;
  std::string user_id;
  std::optional<std::string> clinic_id;
  std::string from_key_id_column;           // encryption_key_id before ("default" when it was NULL)
  std::string to_key_id_column;             // v1:<current key id>
  std::string failed_field;                 // username | password | company_id, for `failed`
  std::string failure;                      // why, naming the field and key id, never the bytes
};

// Every idexx_credentials id, oldest first.
std::vector<std::string> list_credential_ids(pqxx::transaction_base& tx);

// Locks row `credential_id` (SELECT ... FOR UPDATE), decrypts each field with the key its
// encryption_key_id names and writes all fields re-encrypted to the current key together with the
// new encryption_key_id in one UPDATE that only matches while encryption_key_id still holds the
// value read. Returns `failed` instead of throwing when a field does not decrypt; nothing is
// written then. A reader that reads the row in one statement always sees a consistent pair of
// ciphertexts and key id, before or after.
RotationResult rotate_credential(pqxx::work& tx, crypto::KeyRing& key_ring, const std::string& credential_id);

struct RotationReport
{
  int rotated = 0;
  int already_current = 0;
  int failed = 0;
  int gone = 0;                             // deleted while the rotation ran
  std::vector<RotationResult> failures;
};

// Runs rotate_credential on every row, each in its own transaction. `on_rotated` runs inside the
// transaction of each rotated row, before it commits (the audit entry goes there). A row that
// changed under the rotation is read again (at most three times, then it counts as failed).
RotationReport rotate_all_credentials(
    pqxx::connection& connection, crypto::KeyRing& key_ring,
    const std::function<void(pqxx::work&, const RotationResult&)>& on_rotated = {});

struct RevokedCredential
{
  std::string id;
  std::string user_id;
};

struct Revocation
{
  std::vector<RevokedCredential> deactivated; // the clinic's rows that were active, by id
  // Active user-wide rows (clinic_id NULL) of users linked to the clinic. Revoke leaves them alone
  // (they serve the users' other clinics), so choose_credential may still return one.
  int user_wide_rows_left = 0;
};

// Deactivates every active row with clinic_id = `clinic_id` and turns the clinic's sync off in
// clinic_sync_state, in the caller's transaction. Throws UsageError when there is no such clinic.
Revocation revoke_clinic_credentials(pqxx::work& tx, const std::string& clinic_id);

} // namespace shared::credentials
