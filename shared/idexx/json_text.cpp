#include "shared/idexx/json_text.hpp"

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace shared::idexx {

namespace {

using nlohmann::json;

// Well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, no surrogates, nothing above
// U+10FFFF. The same set nlohmann's decoder accepts.
bool is_valid_utf8(std::string_view text)
{
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      low = lead == 0xE0 ? 0xA0 : 0x80;
      high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      low = lead == 0xF0 ? 0x90 : 0x80;
      high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
      return false;
    }
    if (i + length > size || bytes[i + 1] < low || bytes[i + 1] > high) {
      return false;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

void append_string(std::string& out, const std::string& text, json::error_handler_t handler)
{
  if (!is_valid_utf8(text)) {
    out += json(text).dump(-1, ' ', false, handler);
    return;
  }
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      continue;
    }
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\f': out += "\\f"; break;
    case '\r': out += "\\r"; break;
    default: {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
      out += escape;
    }
    }
  }
  out.append(text, run, std::string::npos);
  out += '"';
}

void append(std::string& out, const json& value, json::error_handler_t handler)
{
  switch (value.type()) {
  case json::value_t::object: {
    out += '{';
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) {
        out += ',';
      }
      first = false;
      append_string(out, key, handler);
      out += ':';
      append(out, member, handler);
    }
    out += '}';
    return;
  }
  case json::value_t::array: {
    out += '[';
    bool first = true;
    for (const auto& element : value) {
      if (!first) {
        out += ',';
      }
      first = false;
      append(out, element, handler);
    }
    out += ']';
    return;
  }
  case json::value_t::string:
    append_string(out, value.get_ref<const std::string&>(), handler);
    return;
  // Integers, booleans and null as nlohmann writes them, without building a serializer per value.
  case json::value_t::number_integer:
    out += std::to_string(value.get<std::int64_t>());
    return;
  case json::value_t::number_unsigned:
    out += std::to_string(value.get<std::uint64_t>());
    return;
  case json::value_t::boolean:
    out += value.get<bool>() ? "true" : "false";
    return;
  case json::value_t::null:
    out += "null";
    return;
  default: // floating-point numbers, binary: nlohmann's own text
    out += value.dump(-1, ' ', false, handler);
    return;
  }
}

} // namespace

std::string compact_json(const nlohmann::json& value, bool replace_invalid_utf8)
{
  std::string out;
  append(out, value, replace_invalid_utf8 ? json::error_handler_t::replace : json::error_handler_t::strict);
  return out;
}

void append_json_string(std::string& out, const std::string& text, bool replace_invalid_utf8)
{
  append_string(out, text, replace_invalid_utf8 ? json::error_handler_t::replace : json::error_handler_t::strict);
}

} // namespace shared::idexx
