#pragma once

// Hex digits for the other files of this folder (bytea text, digests, UUIDs).

#include <cstddef>
#include <span>
#include <string>

namespace shared::crypto::detail {

// Two lower-case hex digits per byte of `bytes`.
std::string to_lower_hex(std::span<const std::byte> bytes);

// The value of the hex digit `c` (either case), or -1 when `c` is not a hex digit.
int hex_digit_value(char c);

} // namespace shared::crypto::detail
