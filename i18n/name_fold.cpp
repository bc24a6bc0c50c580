#include "i18n/name_fold.hpp"

#include "i18n/detail/icu_text.hpp"

#include <cstdint>

#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace lastgram::i18n {

namespace {

// The fallback for bytes ICU cannot read: ASCII case and whitespace only.
std::string fold_bytes(std::string_view name) {
  std::string out;
  bool pending_space = false;
  for (char ch : name) {
    if (ch == ' ' || (ch >= '\t' && ch <= '\r')) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out += ' ';
    pending_space = false;
    out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  return out;
}

bool is_ascii(std::string_view text) {
  for (char ch : text)
    if (static_cast<unsigned char>(ch) >= 0x80)
      return false;
  return true;
}

} // namespace

std::string fold_name(std::string_view name) {
  // For ASCII, Unicode's case folding is A-Z to a-z and its white space is
  // the six the byte fold knows: the same result without ICU's UTF-16 round
  // trip, for most of the names the commands compare.
  if (is_ascii(name) || !detail::valid_utf8(name))
    return fold_bytes(name);
  auto text = icu::UnicodeString::fromUTF8(
    icu::StringPiece{name.data(), static_cast<int32_t>(name.size())});
  text.foldCase(U_FOLD_CASE_DEFAULT);
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < text.length();) {
    UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space)
      out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(c);
  }
  std::string result;
  out.toUTF8String(result);
  return result;
}

} // namespace lastgram::i18n
