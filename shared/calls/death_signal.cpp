#include "shared/calls/death_signal.hpp"

#include <array>
#include <cctype>
#include <vector>

namespace shared::calls {

namespace {

// Each entry is one or more whole words. Inflections are listed, not stemmed: a stem such as
// "euthan" or "cremat" would be a substring rule again. Chosen to name the event, not the risk:
// "death" and "dead" alone are left out ("risk of death under anaesthesia", "dead skin") and
// "died"/"deceased" are in. Declined billed lines are never scanned (a declined euthanasia means a
// living pet); the caller passes provided lines only.
constexpr std::array k_signals{
    "euthanasia", "euthanasias", "euthanize", "euthanized", "euthanizing", "euthanise", "euthanised",
    "euthanising", "euthanased", "euthanase", "euthasol", "pentobarbital", "pentobarbitone",
    "put to sleep", "put to rest", "pts", "doa", "dead on arrival", "died", "deceased", "passed away",
    "cremation", "cremations", "cremated", "cremate", "aquamation", "body disposal", "humane destruction",
};

std::vector<std::string> words(std::string_view text)
{
  std::vector<std::string> out;
  std::string current;
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    // Bytes >= 0x80 (UTF-8 letters such as "é") count as word characters, so "défunt" stays one
    // word and an accented word never splits into a short keyword.
    if (std::isalnum(c) != 0 || c >= 0x80) {
      current.push_back(static_cast<char>(std::tolower(c)));
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) {
    out.push_back(std::move(current));
  }
  return out;
}

} // namespace

std::optional<std::string> death_signal(std::string_view text)
{
  const auto text_words = words(text);
  if (text_words.empty()) {
    return std::nullopt;
  }
  for (const std::string_view signal : k_signals) {
    const auto signal_words = words(signal);
    if (signal_words.size() > text_words.size()) {
      continue;
    }
    for (std::size_t start = 0; start + signal_words.size() <= text_words.size(); ++start) {
      bool all = true;
      for (std::size_t i = 0; i < signal_words.size() && all; ++i) {
        all = text_words[start + i] == signal_words[i];
      }
      if (all) {
        return std::string(signal);
      }
    }
  }
  return std::nullopt;
}

} // namespace shared::calls
