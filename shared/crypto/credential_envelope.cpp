#include "shared/crypto/credential_envelope.hpp"

#include "shared/crypto/aes_gcm.hpp"
#include "shared/crypto/hex.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/crypto/legacy_envelope.hpp"

#include <algorithm>
#include <array>

namespace shared::crypto {
namespace {

constexpr std::string_view k_v1_column_prefix = "v1:";
constexpr std::string_view k_lower_hex_digits = "0123456789abcdef";
constexpr std::array<std::string_view, 3> k_fields{"username", "password", "company_id"};

bool is_lower_case_uuid(std::string_view text)
{
  constexpr std::size_t k_uuid_size = 36;
  if (text.size() != k_uuid_size) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    const bool ok = dash_position ? c == '-' : k_lower_hex_digits.find(c) != std::string_view::npos;
    if (!ok) {
      return false;
    }
  }
  return true;
}

// The bytes `hex` spells, or std::nullopt when it is not an even-length string of hex digits.
std::optional<std::vector<std::byte>> decode_hex(std::string_view hex)
{
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::vector<std::byte> bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = detail::hex_digit_value(hex[i]);
    const int low = detail::hex_digit_value(hex[i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    bytes.push_back(static_cast<std::byte>((high << 4) | low));
  }
  return bytes;
}

std::span<const std::byte> as_bytes(std::string_view text)
{
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

shared::Secret open_v1_envelope(KeyRing& key_ring, const CredentialBinding& binding,
                                std::span<const std::byte> envelope, std::string_view key_id)
{
  const auto fail = [&](std::string_view reason) {
    return DecryptionFailed("cannot decrypt credential field '" + binding.field +
                            "' with v1 key '" + std::string(key_id) + "': " + std::string(reason));
  };
  const auto associated_data = binding.associated_data();
  if (envelope.empty() || envelope[0] != k_envelope_version_v1) {
    throw fail("value is not a v1 envelope");
  }
  if (envelope.size() < 2) {
    throw fail("value too short for a v1 envelope");
  }
  const auto id_size = std::to_integer<std::size_t>(envelope[1]);
  const std::size_t header_size = 2 + id_size;
  if (envelope.size() < header_size + detail::k_gcm_nonce_size + 1 + detail::k_gcm_tag_size) {
    throw fail("value too short for a v1 envelope");
  }
  const auto stored_id = envelope.subspan(2, id_size);
  const auto expected_id = as_bytes(key_id);
  if (!std::equal(stored_id.begin(), stored_id.end(), expected_id.begin(), expected_id.end())) {
    throw fail("the envelope names another key id than its encryption_key_id column");
  }
  const auto nonce = envelope.subspan(header_size, detail::k_gcm_nonce_size);
  const auto ciphertext_and_tag = envelope.subspan(header_size + detail::k_gcm_nonce_size);

  const auto& key = key_ring.v1_key(key_id);
  shared::Secret plaintext;
  if (!detail::aes256_gcm_open(key.reveal(), nonce, as_bytes(associated_data), ciphertext_and_tag,
                               plaintext)) {
    throw fail("authentication tag check failed");
  }
  return plaintext;
}

} // namespace

std::string CredentialBinding::associated_data() const
{
  if (std::find(k_fields.begin(), k_fields.end(), field) == k_fields.end()) {
    throw InvariantError("credential field '" + field +
                         "' is not one of username, password, company_id");
  }
  if (clinic_id.has_value()) {
    if (!is_lower_case_uuid(*clinic_id)) {
      throw InvariantError("credential clinic id '" + *clinic_id + "' is not a lower-case UUID");
    }
    return "idexx_credentials|" + *clinic_id + "|" + field;
  }
  if (!is_lower_case_uuid(user_id)) {
    throw InvariantError("credential user id '" + user_id + "' is not a lower-case UUID");
  }
  return "idexx_credentials|user:" + user_id + "|" + field;
}

std::string encryption_key_id_column(std::string_view key_id)
{
  return std::string(k_v1_column_prefix) + std::string(key_id);
}

std::vector<std::byte> encrypt(KeyRing& key_ring, const CredentialBinding& binding,
                               const shared::Secret& plaintext)
{
  const auto associated_data = binding.associated_data();
  if (plaintext.empty()) {
    throw DataError("credential field '" + binding.field +
                    "' is empty; empty values are not stored");
  }
  const auto& key_id = key_ring.current_key_id();
  const auto& key = key_ring.v1_key(key_id);
  const auto nonce = detail::random_bytes(detail::k_gcm_nonce_size);
  const auto sealed = detail::aes256_gcm_seal(key.reveal(), nonce, as_bytes(associated_data),
                                              as_bytes(plaintext.reveal()));

  std::vector<std::byte> envelope;
  envelope.reserve(2 + key_id.size() + nonce.size() + sealed.size());
  envelope.push_back(k_envelope_version_v1);
  // A valid key id has at most 32 characters, so its length fits the one length byte.
  envelope.push_back(static_cast<std::byte>(key_id.size()));
  const auto id_bytes = as_bytes(key_id);
  envelope.insert(envelope.end(), id_bytes.begin(), id_bytes.end());
  envelope.insert(envelope.end(), nonce.begin(), nonce.end());
  envelope.insert(envelope.end(), sealed.begin(), sealed.end());
  return envelope;
}

shared::Secret decrypt(KeyRing& key_ring, const CredentialBinding& binding,
                       std::span<const std::byte> stored, std::string_view encryption_key_id_column)
{
  if (encryption_key_id_column.starts_with(k_v1_column_prefix)) {
    return open_v1_envelope(key_ring, binding, stored,
                            encryption_key_id_column.substr(k_v1_column_prefix.size()));
  }
  // Legacy rows carry no associated data, but a bad binding is still a caller's bug worth stopping.
  (void)binding.associated_data();
  return open_legacy_envelope(key_ring, encryption_key_id_column, stored, binding.field);
}

std::vector<std::byte> bytes_from_bytea_text(std::string_view text)
{
  if (text.starts_with("\\x")) {
    if (auto bytes = decode_hex(text.substr(2))) {
      return std::move(*bytes);
    }
  } else if (!text.empty()) {
    if (auto bytes = decode_hex(text)) {
      return std::move(*bytes);
    }
  }
  const auto raw = as_bytes(text);
  return {raw.begin(), raw.end()};
}

std::string to_bytea_hex(std::span<const std::byte> bytes)
{
  return "\\x" + detail::to_lower_hex(bytes);
}

} // namespace shared::crypto
