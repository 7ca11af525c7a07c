#include "shared/crypto/legacy_envelope.hpp"

#include "shared/crypto/aes_gcm.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"

#include <string>

namespace shared::crypto {

shared::Secret open_legacy_envelope(KeyRing& key_ring, std::string_view key_id,
                                    std::span<const std::byte> blob, std::string_view field)
{
  const auto fail = [&](std::string_view reason) {
    return DecryptionFailed("cannot decrypt credential field '" + std::string(field) +
                            "' with legacy key '" + std::string(key_id) +
                            "': " + std::string(reason));
  };
  // The previous product rejected empty values, so a blob without ciphertext is not one of its.
  if (blob.size() < detail::k_gcm_nonce_size + detail::k_gcm_tag_size + 1) {
    throw fail("value too short for the legacy format");
  }
  const auto& key = key_ring.legacy_key(key_id);
  const auto iv = blob.first(detail::k_gcm_nonce_size);
  const auto tag = blob.subspan(detail::k_gcm_nonce_size, detail::k_gcm_tag_size);
  const auto ciphertext = blob.subspan(detail::k_gcm_nonce_size + detail::k_gcm_tag_size);

  // Its blob puts the tag before the ciphertext; GCM wants it after.
  std::vector<std::byte> ciphertext_and_tag(ciphertext.begin(), ciphertext.end());
  ciphertext_and_tag.insert(ciphertext_and_tag.end(), tag.begin(), tag.end());

  shared::Secret plaintext;
  if (!detail::aes256_gcm_open(key.reveal(), iv, {}, ciphertext_and_tag, plaintext)) {
    throw fail("authentication tag check failed");
  }
  return plaintext;
}

} // namespace shared::crypto
