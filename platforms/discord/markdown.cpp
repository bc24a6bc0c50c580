#include "platforms/discord/markdown.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "platforms/telegram/html.hpp"

namespace lastgram::discord {

namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::string_view ellipsis = "\xE2\x80\xA6"; // U+2026
constexpr std::string_view zero_width_space = "\xE2\x80\x8B";

bool always_escaped(char c) {
  switch (c) {
    case '\\': case '*': case '_': case '~': case '`': case '|': case '>': case '#':
    case '[': case ']': case '<': case '(': case ')':
      return true;
    default:
      return false;
  }
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// At a line start (after optional spaces): "-", "+" or "12." begin a list.
/// Returns how many bytes of `rest` to copy before a backslash goes in
/// (npos: nothing to escape).
std::size_t list_marker(std::string_view rest) {
  std::size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t'))
    ++i;
  if (i < rest.size() && (rest[i] == '-' || rest[i] == '+'))
    return i;
  std::size_t j = i;
  while (j < rest.size() && is_digit(rest[j]))
    ++j;
  if (j > i && j < rest.size() && rest[j] == '.')
    return j;
  return std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// `url` made safe inside `(...)`: spaces and parentheses percent-encoded.
std::string link_target(std::string_view url) {
  std::string out;
  for (char c : url) {
    if (c == ' ')
      out += "%20";
    else if (c == '(')
      out += "%28";
    else if (c == ')')
      out += "%29";
    else
      out += c;
  }
  return out;
}

bool is_web_url(std::string_view url) {
  auto lower = std::string{url.substr(0, 8)};
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (starts_with(lower, "https://") || starts_with(lower, "http://"))
         && url.find_first_of("\n\r\t<>") == std::string_view::npos;
}

/// Moves leading and trailing whitespace outside a styled span, because
/// `** x**` is not bold in Discord.
std::string wrap(std::string_view inner, std::string_view marker) {
  auto first = inner.find_first_not_of(" \t\n");
  if (first == std::string_view::npos)
    return std::string{inner};
  auto last = inner.find_last_not_of(" \t\n");
  std::string out{inner.substr(0, first)};
  out.append(marker).append(inner.substr(first, last - first + 1)).append(marker);
  out.append(inner.substr(last + 1));
  return out;
}

std::string escape(std::string_view text, bool line_start, bool controls = true);

std::string render_span(const text_span& span, bool at_line_start) {
  std::string_view text = span.text;
  bool code = (span.style & style_code) != 0 && text.find_first_of("`\n") == std::string_view::npos
              && !text.empty();
  std::string inner;
  if (code)
    inner = "`" + std::string{text} + "`";
  else
    // A span in the middle of a line cannot start a list; one at a line
    // start is escaped as such.
    inner = escape(text, at_line_start);
  if ((span.style & style_link) != 0 && is_web_url(span.url) && !code && !inner.empty())
    inner = "[" + inner + "](" + link_target(span.url) + ")";
  std::string marker;
  if ((span.style & style_bold) != 0)
    marker += "**";
  if ((span.style & style_italic) != 0)
    marker += "*";
  return marker.empty() ? inner : wrap(inner, marker);
}

void write_string(writer_t& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

bool valid_button(const button& b) {
  if (b.label.empty())
    return false;
  if (!b.url.empty())
    return is_web_url(b.url) && b.url.size() <= 512;
  return !b.callback_data.empty() && discord_length(b.callback_data) <= custom_id_limit;
}

/// Rows of buttons as action rows; false when none was left.
void write_components(writer_t& w, const std::vector<std::vector<button>>& rows) {
  std::set<std::string> ids; // custom_ids must be unique within a message
  w.Key("components");
  w.StartArray();
  std::size_t written_rows = 0;
  for (const auto& row : rows) {
    std::vector<const button*> kept;
    for (const auto& b : row)
      if (kept.size() < buttons_per_row && valid_button(b)
          && (!b.url.empty() || ids.insert(b.callback_data).second))
        kept.push_back(&b);
    if (kept.empty() || written_rows == rows_per_message)
      continue;
    ++written_rows;
    w.StartObject();
    w.Key("type");
    w.Int(1);
    w.Key("components");
    w.StartArray();
    for (const auto* b : kept) {
      w.StartObject();
      w.Key("type");
      w.Int(2);
      w.Key("label");
      write_string(w, cut_with_ellipsis(b->label, button_label_limit));
      w.Key("style");
      if (!b->url.empty()) {
        w.Int(5);
        w.Key("url");
        write_string(w, b->url);
      } else {
        w.Int(2);
        w.Key("custom_id");
        write_string(w, b->callback_data);
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void write_embed(writer_t& w, const outgoing_reply& reply, const std::string& markdown) {
  w.Key("embeds");
  w.StartArray();
  w.StartObject();
  if (!markdown.empty()) {
    w.Key("description");
    write_string(w, cut_with_ellipsis(markdown, description_limit));
  }
  if (!reply.photo_jpeg.empty()) {
    // The picture the bot drew, uploaded with the message: shown full size.
    w.Key("image");
    w.StartObject();
    w.Key("url");
    write_string(w, std::string{"attachment://"} + attachment_filename);
    w.EndObject();
  } else if (is_web_url(reply.image_url)) {
    w.Key(markdown.empty() ? "image" : "thumbnail");
    w.StartObject();
    w.Key("url");
    write_string(w, reply.image_url);
    w.EndObject();
  }
  w.EndObject();
  w.EndArray();
}

} // namespace

std::string escape_markdown(std::string_view text) {
  return escape(text, true);
}

namespace {

std::string escape(std::string_view text, bool line_start, bool controls) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (line_start) {
      line_start = false;
      auto at = list_marker(text.substr(i));
      if (at != std::string_view::npos) {
        out.append(text.substr(i, at));
        out += '\\';
        i += at;
      }
    }
    char c = text[i];
    if (controls && always_escaped(c))
      out += '\\';
    out += c;
    if (c == '\n')
      line_start = true;
    if (c == '@'
        && (starts_with(text.substr(i + 1), "everyone") || starts_with(text.substr(i + 1), "here")))
      out.append(zero_width_space);
  }
  return out;
}

} // namespace

std::string to_markdown(const rich_text& text) {
  std::string out;
  bool line_start = true;
  for (const auto& span : text) {
    if (span.text.empty())
      continue;
    out += render_span(span, line_start);
    line_start = span.text.back() == '\n';
  }
  // Spans escaped one by one miss what two of them make together: a list
  // marker ("1" then ". x", "  " then "- x") or a mention ("@" then
  // "everyone"). The same pass over the whole, without the characters the
  // spans escaped already, catches those.
  return escape(out, true, false);
}

std::size_t discord_length(std::string_view text) {
  return telegram::utf16_length(text);
}

std::string cut_with_ellipsis(std::string_view text, std::size_t limit) {
  if (discord_length(text) <= limit)
    return std::string{text};
  if (limit == 0)
    return {};
  // Keep code points while they and the ellipsis (1 unit) fit.
  std::size_t used = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t n = 1;
    auto lead = static_cast<unsigned char>(text[pos]);
    if (lead >= 0xF0)
      n = 4;
    else if (lead >= 0xE0)
      n = 3;
    else if (lead >= 0xC0)
      n = 2;
    n = std::min(n, text.size() - pos);
    auto units = discord_length(text.substr(pos, n));
    if (used + units + 1 > limit)
      break;
    used += units;
    pos += n;
  }
  std::string out{text.substr(0, pos)};
  // A cut right after a backslash would escape the ellipsis instead.
  if (!out.empty() && out.back() == '\\')
    out.pop_back();
  out.append(ellipsis);
  return out;
}

std::string message_json(const outgoing_reply& reply) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  auto markdown = to_markdown(reply.text);
  w.StartObject();
  // An ephemeral reply is plain content when it fits there (an error, a
  // usage line), else an embed like any other (the list of /help).
  bool as_content = reply.ephemeral && discord_length(markdown) <= content_limit
                    && !is_web_url(reply.image_url) && reply.photo_jpeg.empty();
  if (as_content) {
    w.Key("content");
    write_string(w, markdown);
  } else if (!markdown.empty() || is_web_url(reply.image_url) || !reply.photo_jpeg.empty()) {
    write_embed(w, reply, markdown);
  }
  if (reply.ephemeral) {
    w.Key("flags");
    w.Int(ephemeral_flag);
  }
  if (!reply.photo_jpeg.empty()) {
    // Uploaded as files[0]; listing it also drops an edited message's
    // earlier attachments.
    w.Key("attachments");
    w.StartArray();
    w.StartObject();
    w.Key("id");
    w.String("0");
    w.Key("filename");
    w.String(attachment_filename);
    w.EndObject();
    w.EndArray();
  }
  if (!reply.buttons.empty())
    write_components(w, reply.buttons);
  w.Key("allowed_mentions");
  w.StartObject();
  w.Key("parse");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

} // namespace lastgram::discord
