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

} // namespace

std::string fold_name(std::string_view name) {
  if (!detail::valid_utf8(name))
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
