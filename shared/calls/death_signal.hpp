#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shared::calls {

// The word or phrase of the tested list (death_signal.cpp) that `text` contains as whole words,
// case-insensitively, or std::nullopt. Whole words only: the previous product matched "pts" and
// "doa" as substrings and blocked calls for "attempts" and "adoption" (data-model.md, lesson 8).
// A phrase matches across any run of non-letters ("put  to\nsleep", "put-to-sleep").
std::optional<std::string> death_signal(std::string_view text);

} // namespace shared::calls
