#pragma once

/// Rendering for Discord: rich text as Discord Markdown with everything from
/// users and Last.fm escaped, and outgoing replies as message bodies (an
/// embed, buttons as components, no mentions). Pure functions; RapidJSON
/// stays in markdown.cpp.

#include <cstddef>
#include <string>
#include <string_view>

#include "messages/model.hpp"

namespace lastgram::discord {

/// Discord's limits, in characters (counted here as UTF-16 units, as
/// Discord's clients count them, so a text we accept is never refused).
constexpr std::size_t content_limit = 2000;
constexpr std::size_t description_limit = 4096;
constexpr std::size_t embed_total_limit = 6000;
constexpr std::size_t field_limit = 25;
constexpr std::size_t custom_id_limit = 100;
constexpr std::size_t button_label_limit = 80;
constexpr std::size_t buttons_per_row = 5;
constexpr std::size_t rows_per_message = 5;

/// The file name of a picture the bot drew (outgoing_reply::photo_jpeg),
/// uploaded as the message's attachment files[0].
constexpr const char* attachment_filename = "picture.jpg";

/// Message flag: only the user who ran the command sees the message.
constexpr int ephemeral_flag = 64;

/// Escapes `text` so that Discord shows it as written: `\ * _ ~ \` | > # [ ]
/// < ( )` get a backslash; list, quote and heading markers at a line start
/// (`-`, `+`, `1.`) too; `@everyone` and `@here` get a zero-width space
/// after the `@`, so they neither ping nor look like a mention.
std::string escape_markdown(std::string_view text);

/// Renders rich text as Discord Markdown: bold `**`, italic `*`, code in
/// backticks (escaped plain text when the code holds a backtick or a line
/// break), links as `[label](url)` for http(s) URLs only.
std::string to_markdown(const rich_text& text);

/// The length Discord counts (UTF-16 units; invalid bytes count 1).
std::size_t discord_length(std::string_view text);

/// `text` cut to at most `limit` units, on a code point boundary, ending in
/// "…" when it was cut.
std::string cut_with_ellipsis(std::string_view text, std::size_t limit);

/// The JSON of a message (for an interaction callback's `data`, a follow-up
/// or an edit of @original): the text as an embed's description (cut to
/// 4,096), the image as its thumbnail (as its image when there is no text),
/// buttons as rows of components (at most 5 by 5; a button Discord would
/// refuse is left out), `allowed_mentions` empty, and, for an ephemeral
/// reply, the text as plain `content` (cut to 2,000) with flag 64. A
/// picture the bot drew is listed in `attachments` (id "0", picture.jpg) and
/// is the embed's image ("attachment://picture.jpg"); its bytes go as the
/// file part files[0] of a multipart request (rest_client::call).
std::string message_json(const outgoing_reply& reply);

} // namespace lastgram::discord
