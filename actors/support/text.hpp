#pragma once
/// Small text helpers shared by the engines.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace lastgram {

/// `s` with A-Z lowered; every other byte (UTF-8 included) unchanged. For
/// protocol tokens: command names, Last.fm methods and names in cache keys,
/// bot usernames.
inline std::string to_lower_ascii(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// `text` when it has at most `max` UTF-8 characters, else its first
/// `max - 1` and an ellipsis. Never cuts inside a character.
inline std::string clip_chars(std::string text, std::size_t max) {
  std::size_t chars = 0;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
      continue; // a continuation byte
    if (++chars == max)
      cut = i;
    if (chars > max) {
      text.resize(cut);
      text += "…";
      return text;
    }
  }
  return text;
}

/// What the user wrote, safe to quote back: ASCII control characters (NUL
/// included) dropped, at most `max` characters (see clip_chars).
inline std::string quotable(std::string_view text, std::size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max * 4));
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F)
      continue;
    out += c;
    if (out.size() > max * 4 + 4)
      break; // enough bytes for `max` characters and the sign that more came
  }
  return clip_chars(std::move(out), max);
}

} // namespace lastgram
