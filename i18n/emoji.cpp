#include "i18n/emoji.hpp"

#include "i18n/detail/icu_text.hpp"

#include <memory>

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace lastgram::i18n {

namespace {

/// The longest emoji sequences (a family of four with skin tones) take 25
/// to 30 bytes; anything longer is text.
constexpr std::size_t max_emoji_bytes = 32;

constexpr UChar32 variation_selector_16 = 0xFE0F;
constexpr UChar32 combining_keycap = 0x20E3;


/// Whether the code points of one grapheme display as an emoji.
bool displays_as_emoji(const icu::UnicodeString& g) {
  for (int32_t i = 0; i < g.length(); i = g.moveIndex32(i, 1)) {
    auto c = g.char32At(i);
    if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)
        || u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION))
      return true;
    auto next_at = g.moveIndex32(i, 1);
    if (u_hasBinaryProperty(c, UCHAR_EMOJI) && next_at < g.length()) {
      auto next = g.char32At(next_at);
      if (next == variation_selector_16 || next == combining_keycap)
        return true;
    }
  }
  return false;
}

} // namespace

bool is_single_emoji(std::string_view text) {
  if (text.empty() || text.size() > max_emoji_bytes || !detail::valid_utf8(text))
    return false;
  auto str = icu::UnicodeString::fromUTF8(
    icu::StringPiece{text.data(), static_cast<int32_t>(text.size())});
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> graphemes{
    icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status)};
  if (U_FAILURE(status) || !graphemes)
    return false;
  graphemes->setText(str);
  auto first = graphemes->first();
  auto end = graphemes->next();
  // More than one grapheme: two emoji, or an emoji and text.
  if (end != str.length())
    return false;
  return displays_as_emoji(icu::UnicodeString{str, first, end - first});
}

} // namespace lastgram::i18n
