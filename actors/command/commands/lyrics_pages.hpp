#pragma once

/// Lyrics cut into pages that fit one message, at line breaks. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::command::music {

/// Telegram's limit is 4,096 UTF-16 code units per message; the title, the
/// page number and the renderer's markup take the rest.
inline constexpr std::size_t lyrics_page_units = 3500;

/// Length of `text` in UTF-16 code units (what Telegram counts): one per
/// code point, two above U+FFFF.
std::size_t utf16_units(std::string_view text);

/// `text` in pages of at most `max_units` UTF-16 code units, cut between
/// stanzas when one fits, else between lines, and inside a line only when a
/// line alone is too long (never inside a UTF-8 character). Concatenated
/// with line breaks the pages give back every line: nothing is dropped. An
/// empty text gives no page.
std::vector<std::string> lyrics_pages(std::string_view text,
                                      std::size_t max_units = lyrics_page_units);

} // namespace lastgram::command::music
