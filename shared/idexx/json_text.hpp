#pragma once

#include <nlohmann/json.hpp>

#include <string>

// The compact JSON text extract stores and hashes (raw records, content hashes), written faster
// than nlohmann's serializer, which decodes every byte of every string as UTF-8.
namespace shared::idexx {

// Exactly `value.dump(-1, ' ', false, handler)`, byte for byte, with `handler` error_handler_t::replace
// when `replace_invalid_utf8`, else strict (throws nlohmann's type_error 316 on invalid UTF-8, as
// dump() does). Strings that are valid UTF-8 (all of them, for parsed bodies) are copied in runs
// between the characters JSON escapes; anything else goes through nlohmann itself.
std::string compact_json(const nlohmann::json& value, bool replace_invalid_utf8 = false);

// Appends `text` as a JSON string literal, exactly as compact_json writes a string: for building
// a document around large strings without copying them into a nlohmann::json first.
void append_json_string(std::string& out, const std::string& text, bool replace_invalid_utf8 = false);

} // namespace shared::idexx
