#pragma once

// The previous product's credential format, read only: AES-256-GCM, IV (12) ‖ tag (16) ‖
// ciphertext, no associated data, key = KeyRing::legacy_key(key id) (data-model.md §8). Nothing
// writes it: a rotation re-encrypts legacy rows into v1 envelopes.

#include "shared/core/secret.hpp"

#include <cstddef>
#include <span>
#include <string_view>

namespace shared::crypto {

class KeyRing;

// Decrypts `blob` with the legacy key of `key_id`. Throws DecryptionFailed naming `field` and
// `key_id` when the blob is too short to hold a non-empty value or the tag check fails; ConfigError
// when the key id is invalid or its key file is missing.
shared::Secret open_legacy_envelope(KeyRing& key_ring, std::string_view key_id,
                                    std::span<const std::byte> blob, std::string_view field);

} // namespace shared::crypto
