#include "fuzz/targets.hpp"

#include <algorithm>
#include <cstring>

namespace lastgram::fuzz {

void require(bool ok, std::string_view target, std::string_view what) {
  if (!ok)
    throw property_violation(std::string(target) + ": " + std::string(what));
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= text.size())
      return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0u) != 0x80u)
        return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF
        || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

std::uint8_t input::byte() {
  return pos_ < size_ ? data_[pos_++] : 0;
}

std::uint64_t input::u64() {
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k)
    v = (v << 8) | byte();
  return v;
}

std::string input::short_text(std::size_t max) {
  std::size_t n = std::min<std::size_t>(byte(), max);
  n = std::min(n, size_ - std::min(pos_, size_));
  std::string out(reinterpret_cast<const char*>(data_) + pos_, n);
  pos_ += n;
  return out;
}

std::string input::rest() {
  if (pos_ >= size_)
    return {};
  std::string out(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
  pos_ = size_;
  return out;
}

} // namespace lastgram::fuzz
