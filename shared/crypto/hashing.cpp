#include "shared/crypto/hashing.hpp"

#include "shared/core/errors.hpp"
#include "shared/crypto/hex.hpp"

#include <botan/hash.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include <array>
#include <cstdint>

namespace shared::crypto {
namespace {

constexpr std::string_view k_base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t k_uuid_bytes = 16;

using UuidBytes = std::array<std::uint8_t, k_uuid_bytes>;

const std::uint8_t* as_uint8(std::string_view text)
{
  return reinterpret_cast<const std::uint8_t*>(text.data());
}

std::string to_hex(const std::uint8_t* bytes, std::size_t size)
{
  return detail::to_lower_hex(std::as_bytes(std::span<const std::uint8_t>(bytes, size)));
}

int base64url_value(char c)
{
  const auto position = k_base64url_alphabet.find(c);
  return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

UuidBytes parse_uuid(std::string_view text)
{
  const auto fail = [&] { return InvariantError("'" + std::string(text) + "' is not a UUID"); };
  constexpr std::size_t k_uuid_text_size = 36;
  if (text.size() != k_uuid_text_size) {
    throw fail();
  }
  UuidBytes bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') {
        throw fail();
      }
      ++i;
      continue;
    }
    const int high = detail::hex_digit_value(text[i]);
    const int low = detail::hex_digit_value(text[i + 1]);
    if (high < 0 || low < 0) {
      throw fail();
    }
    bytes[out++] = static_cast<std::uint8_t>((high << 4) | low);
    i += 2;
  }
  return bytes;
}

std::string format_uuid(const UuidBytes& bytes, unsigned version)
{
  UuidBytes stamped = bytes;
  stamped[6] = static_cast<std::uint8_t>((stamped[6] & 0x0FU) | (version << 4U));
  stamped[8] = static_cast<std::uint8_t>((stamped[8] & 0x3FU) | 0x80U); // RFC 4122 variant
  const auto hex = to_hex(stamped.data(), stamped.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

} // namespace

std::string sha256_hex(std::string_view data)
{
  const auto digest = sha256(data);
  return to_hex(reinterpret_cast<const std::uint8_t*>(digest.data()), digest.size());
}

std::string sha256(std::string_view data)
{
  const auto hash = Botan::HashFunction::create_or_throw("SHA-256");
  hash->update(as_uint8(data), data.size());
  const auto digest = hash->final();
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string hmac_sha256(std::string_view key, std::string_view message)
{
  const auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(as_uint8(key), key.size());
  mac->update(as_uint8(message), message.size());
  const auto tag = mac->final();
  return {reinterpret_cast<const char*>(tag.data()), tag.size()};
}

std::string base64url_encode(std::string_view bytes)
{
  std::string text;
  text.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8U) | static_cast<std::uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      text.push_back(k_base64url_alphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
    }
  }
  if (bits > 0) {
    text.push_back(k_base64url_alphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
  }
  return text;
}

std::string base64url_decode(std::string_view text)
{
  while (text.ends_with('=')) {
    text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) {
    throw DataError("base64url text has an impossible length");
  }
  std::string bytes;
  bytes.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = base64url_value(c);
    if (value < 0) {
      throw DataError("base64url text holds a character outside its alphabet");
    }
    buffer = ((buffer << 6U) | static_cast<std::uint32_t>(value)) & 0xFFFFFFU;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  // Canonical encoders leave the bits after the last whole byte zero; anything else is not what was
  // signed.
  if ((buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) {
    throw DataError("base64url text has non-zero padding bits");
  }
  return bytes;
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  return Botan::constant_time_compare(as_uint8(a), as_uint8(b), a.size());
}

std::string uuid5(std::string_view namespace_uuid, std::string_view name)
{
  const auto namespace_bytes = parse_uuid(namespace_uuid);
  const auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
  sha1->update(namespace_bytes.data(), namespace_bytes.size());
  sha1->update(as_uint8(name), name.size());
  const auto digest = sha1->final();
  UuidBytes bytes{};
  std::copy_n(digest.begin(), bytes.size(), bytes.begin());
  return format_uuid(bytes, 5);
}

std::string random_uuid_v4()
{
  UuidBytes bytes{};
  Botan::system_rng().randomize(bytes.data(), bytes.size());
  return format_uuid(bytes, 4);
}

} // namespace shared::crypto
