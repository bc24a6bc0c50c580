#pragma once

/// Whether a text is one emoji, by Unicode's emoji properties (ICU), so
/// that ICU stays inside i18n/.

#include <string_view>

namespace lastgram::i18n {

/// True when `text` is exactly one user-perceived character (an extended
/// grapheme cluster, so ZWJ sequences, flags, keycaps and skin tones count
/// as one) that displays as an emoji: it holds an Extended_Pictographic or
/// Emoji_Presentation code point, or an Emoji code point turned into one by
/// U+FE0F or a keycap (so "1" and "#" alone are not emoji, "1️⃣" is).
/// Invalid UTF-8, white space around it and more than 32 bytes are refused.
bool is_single_emoji(std::string_view text);

} // namespace lastgram::i18n
