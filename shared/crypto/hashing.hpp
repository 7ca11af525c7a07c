#pragma once

#include <string>
#include <string_view>

namespace shared::crypto {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);
// SHA-256 of `data`: 32 raw bytes.
std::string sha256(std::string_view data);

// HMAC-SHA256 of `message` under `key` (the key's bytes as they are): 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Base64url (RFC 4648 §5) of `bytes`, without '=' padding, as JWTs use it.
std::string base64url_encode(std::string_view bytes);

// The bytes `text` spells in base64url. Trailing '=' padding is accepted but not needed. Throws
// DataError for a character outside the alphabet, an impossible length, or non-zero unused bits.
std::string base64url_decode(std::string_view text);

// True when `a` and `b` hold the same bytes. The time taken depends on the lengths only, not on
// where the first difference is; strings of different lengths compare unequal at once.
bool constant_time_equal(std::string_view a, std::string_view b);

// Name-based UUID, version 5 (SHA-1; RFC 4122 §4.3; external-services.md §3.4), as lower-case text.
// `namespace_uuid` is UUID text in either case. Throws InvariantError when it is not a UUID.
std::string uuid5(std::string_view namespace_uuid, std::string_view name);

// A random UUID, version 4, as lower-case text, from the operating system's generator.
std::string random_uuid_v4();

} // namespace shared::crypto
