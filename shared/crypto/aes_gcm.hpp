#pragma once

// Low-level AES-256-GCM for the envelopes in this folder and for their known-answer tests. Other
// code encrypts credentials through credential_envelope.hpp.

#include "shared/core/secret.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace shared::crypto::detail {

inline constexpr std::size_t k_gcm_nonce_size = 12;
inline constexpr std::size_t k_gcm_tag_size = 16;

// Encrypts `plaintext` with a 32-byte `key` and a 12-byte `nonce`, authenticating `associated_data`
// as well. Returns ciphertext ‖ tag (16 bytes). Throws InvariantError for a key or nonce of the
// wrong size. Never reuse a (key, nonce) pair.
std::vector<std::byte> aes256_gcm_seal(std::span<const std::byte> key,
                                       std::span<const std::byte> nonce,
                                       std::span<const std::byte> associated_data,
                                       std::span<const std::byte> plaintext);

// Decrypts ciphertext ‖ tag sealed by aes256_gcm_seal (or any AES-256-GCM with a 16-byte tag).
// Returns false and leaves `plaintext` untouched when the tag check fails (wrong key, nonce,
// associated data, or altered bytes). Throws InvariantError for a key or nonce of the wrong size or
// an input shorter than the tag.
bool aes256_gcm_open(std::span<const std::byte> key, std::span<const std::byte> nonce,
                     std::span<const std::byte> associated_data,
                     std::span<const std::byte> ciphertext_and_tag, shared::Secret& plaintext);

// `count` bytes from the operating system's generator (getrandom), safe to call from any thread.
std::vector<std::byte> random_bytes(std::size_t count);

} // namespace shared::crypto::detail
