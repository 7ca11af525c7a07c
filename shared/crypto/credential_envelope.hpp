#pragma once

// The envelope our credentials are stored in (architecture.md, Decisions 7 and 19; data-model.md
// §8). v1 bytes: 0x01 ‖ len(key id) (1 byte) ‖ key id ‖ nonce (12) ‖ ciphertext ‖ tag (16),
// AES-256-GCM with associated data that binds the value to its row and field. The row's
// encryption_key_id column holds "v1:<key id>". Any other column value names a key of the previous
// product's format, which is read (legacy_envelope.hpp) and never written.

#include "shared/core/errors.hpp"
#include "shared/core/secret.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shared::crypto {

class KeyRing;

// A stored credential cannot be decrypted: wrong key, altered bytes, copied from another row or
// field, or not in the format its encryption_key_id column names. The message names the field and
// the key id, never the bytes. There is no fallback to another format or key.
class DecryptionFailed : public shared::Error
{
public:
  using Error::Error;
};

inline constexpr std::byte k_envelope_version_v1{0x01};

// Where a credential value belongs. `clinic_id` and `user_id` are lower-case UUID text (as Postgres
// prints a uuid); `field` is "username", "password" or "company_id".
struct CredentialBinding
{
  // std::nullopt for a user-wide row (idexx_credentials.clinic_id is NULL).
  std::optional<std::string> clinic_id;
  // Bound only for a user-wide row.
  std::string user_id;
  std::string field;

  // "idexx_credentials|<clinic_id>|<field>", or "idexx_credentials|user:<user_id>|<field>" for a
  // user-wide row. Throws InvariantError when the id it binds is not a lower-case UUID or the field
  // is not one of the three names.
  [[nodiscard]] std::string associated_data() const;
};

// The encryption_key_id column value of a v1 row: "v1:" + `key_id`.
std::string encryption_key_id_column(std::string_view key_id);

// Encrypts `plaintext` for `binding` with the key ring's current key and a fresh random nonce;
// store the result with encryption_key_id_column(key_ring.current_key_id()). Throws DataError when
// `plaintext` is empty, InvariantError for a bad binding, ConfigError when the key file is
// unusable.
std::vector<std::byte> encrypt(KeyRing& key_ring, const CredentialBinding& binding,
                               const shared::Secret& plaintext);

// Decrypts a stored value. `encryption_key_id_column` "v1:<id>" means a v1 envelope that must carry
// the same key id; any other value (including "default" and "v1") is the legacy key id of the
// previous product's IV(12) ‖ tag(16) ‖ ciphertext without associated data. Throws DecryptionFailed
// when the bytes do not fit that format or the tag check fails, ConfigError when the key id is
// invalid or its key file is missing or unusable, InvariantError for a bad binding.
shared::Secret decrypt(KeyRing& key_ring, const CredentialBinding& binding,
                       std::span<const std::byte> stored,
                       std::string_view encryption_key_id_column);

// A bytea value as the product's readers met it, in this order:
//  1. "\x" followed by an even number of hex digits (either case): Postgres' hex output, and what
//     the product wrote;
//  2. a non-empty, even-length string of hex digits only: plain hex;
//  3. anything else: the raw bytes themselves.
// Raw envelopes cannot pass for hex: a v1 envelope starts with 0x01, and a legacy blob has at least
// 29 random bytes, all of them hex digits with a probability below 1e-30. A raw blob may begin with
// "\x" (1 in 65,536), so "\x" followed by anything but hex is read as raw bytes, not rejected.
std::vector<std::byte> bytes_from_bytea_text(std::string_view text);

// "\x" + lower-case hex of `bytes`: pass it as text and cast to bytea ($1::bytea) with libpqxx.
std::string to_bytea_hex(std::span<const std::byte> bytes);

} // namespace shared::crypto
