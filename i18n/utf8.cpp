#include "i18n/utf8.hpp"

#include <cstdint>

namespace lastgram::i18n {

namespace {

/// Length of the valid UTF-8 sequence at `i`, or 0 when it is not one.
std::size_t sequence_at(std::string_view s, std::size_t i) noexcept {
  auto b = static_cast<unsigned char>(s[i]);
  int extra = b < 0x80           ? 0
              : (b >> 5) == 0x06 ? 1
              : (b >> 4) == 0x0E ? 2
              : (b >> 3) == 0x1E ? 3
                                 : -1;
  if (extra < 0 || s.size() - i <= static_cast<std::size_t>(extra))
    return 0;
  std::uint32_t cp = extra == 0 ? b : b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
  if (cp < smallest[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return static_cast<std::size_t>(extra) + 1;
}

} // namespace

std::size_t invalid_utf8_at(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    auto n = sequence_at(s, i);
    if (n == 0)
      return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string scrub_utf8(std::string_view s) {
  auto bad = invalid_utf8_at(s);
  if (bad == std::string_view::npos)
    return std::string{s};
  std::string out{s.substr(0, bad)};
  out.reserve(s.size() + 2);
  std::size_t i = bad;
  while (i < s.size()) {
    if (auto n = sequence_at(s, i); n != 0) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    out += "\xEF\xBF\xBD";
    // One replacement for a run of bytes that start nothing valid, up to the
    // next byte that could begin a sequence (an ASCII byte or a lead byte).
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
      ++i;
  }
  return out;
}

} // namespace lastgram::i18n
