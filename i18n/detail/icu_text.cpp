#include "i18n/detail/icu_text.hpp"

#include <unicode/messagepattern.h>
#include <unicode/parseerr.h>
#include <unicode/utf8.h>
#include <unicode/utypes.h>

namespace lastgram::i18n::detail {

namespace {

std::string describe(UErrorCode status, const UParseError& where) {
  std::string text = u_errorName(status);
  if (where.offset >= 0)
    text += " at offset " + std::to_string(where.offset);
  if (where.preContext[0] != 0)
    text += " after \"" + to_utf8(icu::UnicodeString(where.preContext)) + "\"";
  return text;
}

// The kind of the argument starting at part `start`: its type word for a
// simple argument ("number"), else the complex type.
std::string kind_of(const icu::MessagePattern& parsed, std::int32_t start) {
  switch (parsed.getPart(start).getArgType()) {
    case UMSGPAT_ARG_TYPE_NONE:
      return "none";
    case UMSGPAT_ARG_TYPE_SIMPLE:
      return to_utf8(parsed.getSubstring(parsed.getPart(start + 2)));
    case UMSGPAT_ARG_TYPE_CHOICE:
      return "choice";
    case UMSGPAT_ARG_TYPE_PLURAL:
      return "plural";
    case UMSGPAT_ARG_TYPE_SELECT:
      return "select";
    case UMSGPAT_ARG_TYPE_SELECTORDINAL:
      return "selectordinal";
  }
  return "unknown";
}

} // namespace

icu::Locale icu_locale(const std::string& language) {
  // Language codes are BCP 47 tags ("zh-hant"), which ICU's plain
  // constructor would misread; it stays as the fallback for odd codes.
  UErrorCode status = U_ZERO_ERROR;
  auto locale = icu::Locale::forLanguageTag(language, status);
  if (U_FAILURE(status) || locale.isBogus())
    return icu::Locale(language.c_str());
  return locale;
}

std::string to_utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

icu::UnicodeString from_utf8(std::string_view text) {
  return icu::UnicodeString::fromUTF8(
    icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
}

std::unique_ptr<icu::MessageFormat> compile(const std::string& language, const std::string& pattern,
                                            std::string& error) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  where.offset = -1;
  auto format = std::make_unique<icu::MessageFormat>(from_utf8(pattern), icu_locale(language), where,
                                                     status);
  if (U_FAILURE(status)) {
    error = describe(status, where);
    return nullptr;
  }
  return format;
}

bool analyse(const std::string& pattern, pattern_shape& shape, std::string& error) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  where.offset = -1;
  icu::MessagePattern parsed(from_utf8(pattern), &where, status);
  if (U_FAILURE(status)) {
    error = describe(status, where);
    return false;
  }
  const auto count = parsed.countParts();
  for (std::int32_t i = 0; i < count; ++i) {
    const auto& part = parsed.getPart(i);
    if (part.getType() != UMSGPAT_PART_TYPE_ARG_START)
      continue;
    // Every ARG_START is followed by the argument's name or number.
    auto name = to_utf8(parsed.getSubstring(parsed.getPart(i + 1)));
    shape.arguments.insert(name);
    shape.typed_arguments.insert(name + ":" + kind_of(parsed, i));
    if (part.getArgType() != UMSGPAT_ARG_TYPE_PLURAL)
      continue;
    // ARG_START, the name, an optional offset, then selector / message pairs.
    shape.plurals.emplace_back(name, std::set<std::string>{});
    auto& selectors = shape.plurals.back().second;
    const auto limit = parsed.getLimitPartIndex(i);
    for (std::int32_t j = i + 2; j < limit; ++j) {
      const auto& inner = parsed.getPart(j);
      if (inner.getType() == UMSGPAT_PART_TYPE_ARG_SELECTOR)
        selectors.insert(to_utf8(parsed.getSubstring(inner)));
      else if (inner.getType() == UMSGPAT_PART_TYPE_MSG_START)
        j = parsed.getLimitPartIndex(j); // nested plurals are visited by the outer loop
    }
  }
  return true;
}

bool valid_utf8(std::string_view s) {
  int32_t i = 0;
  auto len = static_cast<int32_t>(s.size());
  while (i < len) {
    UChar32 c = 0;
    U8_NEXT(s.data(), i, len, c);
    if (c < 0)
      return false;
  }
  return true;
}

} // namespace lastgram::i18n::detail
