#include "shared/crypto/hex.hpp"

#include <string_view>

namespace shared::crypto::detail {

std::string to_lower_hex(std::span<const std::byte> bytes)
{
  constexpr std::string_view k_digits = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const auto byte : bytes) {
    const auto value = std::to_integer<unsigned>(byte);
    text.push_back(k_digits[value >> 4U]);
    text.push_back(k_digits[value & 0x0FU]);
  }
  return text;
}

int hex_digit_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace shared::crypto::detail
