#include "shared/crypto/aes_gcm.hpp"

#include "shared/core/errors.hpp"

#include <botan/aead.h>
#include <botan/exceptn.h>
#include <botan/system_rng.h>

#include <cstdint>
#include <string>

namespace shared::crypto::detail {
namespace {

constexpr std::size_t k_key_size = 32;

const std::uint8_t* as_uint8(std::span<const std::byte> bytes)
{
  return reinterpret_cast<const std::uint8_t*>(bytes.data());
}

std::unique_ptr<Botan::AEAD_Mode> start_gcm(Botan::Cipher_Dir direction,
                                            std::span<const std::byte> key,
                                            std::span<const std::byte> nonce,
                                            std::span<const std::byte> associated_data)
{
  if (key.size() != k_key_size) {
    throw InvariantError("AES-256-GCM needs a 32-byte key, got " + std::to_string(key.size()));
  }
  if (nonce.size() != k_gcm_nonce_size) {
    throw InvariantError("AES-256-GCM needs a 12-byte nonce, got " + std::to_string(nonce.size()));
  }
  auto mode = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", direction);
  mode->set_key(as_uint8(key), key.size());
  // Botan wants the associated data after the key and before start(), once per message.
  mode->set_associated_data(as_uint8(associated_data), associated_data.size());
  mode->start(as_uint8(nonce), nonce.size());
  return mode;
}

} // namespace

std::vector<std::byte> aes256_gcm_seal(std::span<const std::byte> key,
                                       std::span<const std::byte> nonce,
                                       std::span<const std::byte> associated_data,
                                       std::span<const std::byte> plaintext)
{
  const auto mode = start_gcm(Botan::ENCRYPTION, key, nonce, associated_data);
  Botan::secure_vector<std::uint8_t> buffer(as_uint8(plaintext),
                                            as_uint8(plaintext) + plaintext.size());
  mode->finish(buffer);
  const auto* sealed = reinterpret_cast<const std::byte*>(buffer.data());
  return {sealed, sealed + buffer.size()};
}

bool aes256_gcm_open(std::span<const std::byte> key, std::span<const std::byte> nonce,
                     std::span<const std::byte> associated_data,
                     std::span<const std::byte> ciphertext_and_tag, shared::Secret& plaintext)
{
  if (ciphertext_and_tag.size() < k_gcm_tag_size) {
    throw InvariantError("AES-256-GCM input is shorter than its tag");
  }
  const auto mode = start_gcm(Botan::DECRYPTION, key, nonce, associated_data);
  Botan::secure_vector<std::uint8_t> buffer(
      as_uint8(ciphertext_and_tag), as_uint8(ciphertext_and_tag) + ciphertext_and_tag.size());
  try {
    mode->finish(buffer);
  } catch (const Botan::Invalid_Authentication_Tag&) {
    return false;
  }
  plaintext =
      shared::Secret(std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size()));
  return true;
}

std::vector<std::byte> random_bytes(std::size_t count)
{
  std::vector<std::byte> bytes(count);
  Botan::system_rng().randomize(reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size());
  return bytes;
}

} // namespace shared::crypto::detail
