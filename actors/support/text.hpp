#pragma once
/// Small text helpers shared by the engines.

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

} // namespace lastgram
