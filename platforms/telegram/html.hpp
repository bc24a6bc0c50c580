#pragma once

/// Rendering for Telegram: rich text as `parse_mode=HTML`, splitting long
/// replies under the message limit, and inline keyboards as reply_markup
/// JSON. Pure functions; RapidJSON stays in html.cpp.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "messages/model.hpp"

namespace lastgram::telegram {

/// Telegram's limit for a message text, in UTF-16 code units after entity
/// parsing.
constexpr std::size_t message_limit = 4096;

/// Telegram's limit for a photo caption, counted the same way.
constexpr std::size_t caption_limit = 1024;

/// The length Telegram measures: UTF-16 code units of `text` (a code point
/// above U+FFFF, e.g. most emoji, counts 2). Invalid UTF-8 bytes count 1 each.
std::size_t utf16_length(std::string_view text);

/// The visible length of rich text: utf16_length of its plain text. This is
/// what Telegram's limits apply to, since tags and `&amp;` are gone after
/// entity parsing.
std::size_t visible_length(const rich_text& text);

/// Whether `url` may be an HTML link or URL button: http, https or tg scheme
/// (case-insensitive). Anything else (javascript:, relative) is refused.
bool is_allowed_url(std::string_view url);

/// Escapes `&`, `<` and `>` (and `"` when `in_attribute`) as the four
/// entities Telegram's HTML mode knows.
std::string escape_html(std::string_view text, bool in_attribute = false);

/// Renders rich text for parse_mode=HTML. Every text is escaped. Bold and
/// italic become <b>/<i> and combine; code becomes <code>; a link with an
/// allowed URL becomes <a href="...">, otherwise its plain label. Telegram
/// forbids nesting code inside other entities (and links inside code), so a
/// span that is both code and bold/italic renders as <code> only, and a span
/// that is code and a valid link renders as a (bold/italic) link.
std::string to_html(const rich_text& text);

/// Splits rich text into HTML messages of at most `limit` visible UTF-16
/// units each (see visible_length), breaking at line boundaries; the line
/// break at a split is dropped. A single line longer than `limit` is cut at
/// the limit on a code point boundary. Each piece is rendered separately, so
/// no tag or entity is ever cut. Pieces that would be empty or only
/// whitespace (Telegram rejects them) are left out. `limit` below 2 is
/// treated as 2 so that a surrogate pair always fits.
std::vector<std::string> split_message(const rich_text& text,
                                       std::size_t limit = message_limit);

/// Whether `text` fits a photo caption (caption_limit).
bool fits_caption(const rich_text& text);

/// Renders rows of buttons as a reply_markup object:
/// `{"inline_keyboard":[[{"text":..,"url":..}|{"text":..,"callback_data":..}]]}`.
/// A button with a URL becomes a URL button (the URL wins when both are set);
/// otherwise its callback data is used. A button Telegram would reject (empty
/// label, URL with a refused scheme, callback data empty or longer than 64
/// bytes) is left out and, when `omitted` is given, appended to it; rows left
/// empty are dropped.
std::string inline_keyboard_json(const std::vector<std::vector<button>>& rows,
                                 std::vector<button>* omitted = nullptr);

} // namespace lastgram::telegram
