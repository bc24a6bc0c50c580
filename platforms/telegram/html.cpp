#include "platforms/telegram/html.hpp"

#include <algorithm>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace lastgram::telegram {

namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The byte length of the UTF-8 sequence starting at `pos`; 1 for a byte that
// does not start a well-formed sequence, so that bad input still advances.
std::size_t code_point_size(std::string_view s, std::size_t pos) {
  auto lead = static_cast<unsigned char>(s[pos]);
  std::size_t n = 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    n = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    n = 3;
  else if (lead >= 0xF0 && lead <= 0xF4)
    n = 4;
  if (pos + n > s.size())
    return 1;
  for (std::size_t i = 1; i < n; ++i)
    if (!is_continuation(static_cast<unsigned char>(s[pos + i])))
      return 1;
  return n;
}

// UTF-16 units of one code point given its UTF-8 size: only four-byte
// sequences (above U+FFFF) need a surrogate pair.
std::size_t utf16_units(std::size_t utf8_size) {
  return utf8_size == 4 ? 2 : 1;
}

bool is_blank(const rich_text& text) {
  for (auto& span : text)
    for (char c : span.text)
      if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
        return false;
  return true;
}

// Whether `span` is a link with an empty label, which shows its URL.
bool shows_url(const text_span& span) {
  return span.text.empty() && (span.style & style_link) != 0 && is_allowed_url(span.url);
}

// The text split at '\n' into lines (without the breaks), styles kept.
std::vector<rich_text> split_lines(const rich_text& text) {
  std::vector<rich_text> lines(1);
  for (auto& span : text) {
    // A link's URL standing for its label is split like a label, rather
    // than the link being dropped as empty.
    std::string_view rest = shows_url(span) ? span.url : span.text;
    for (;;) {
      auto nl = rest.find('\n');
      auto part = rest.substr(0, nl);
      if (!part.empty())
        lines.back().push_back(text_span{std::string{part}, span.style,
                                         span.url});
      if (nl == std::string_view::npos)
        break;
      lines.emplace_back();
      rest.remove_prefix(nl + 1);
    }
  }
  return lines;
}

// Cuts one over-long line into pieces of at most `limit` UTF-16 units, on
// code point boundaries.
std::vector<rich_text> hard_split(const rich_text& line, std::size_t limit) {
  std::vector<rich_text> pieces(1);
  std::size_t used = 0;
  for (auto& span : line) {
    std::string_view s = span.text;
    std::size_t start = 0;
    std::size_t pos = 0;
    auto flush_segment = [&] {
      if (pos > start)
        pieces.back().push_back(
          text_span{std::string{s.substr(start, pos - start)}, span.style,
                    span.url});
      start = pos;
    };
    while (pos < s.size()) {
      auto size = code_point_size(s, pos);
      auto units = utf16_units(size);
      if (used > 0 && used + units > limit) {
        flush_segment();
        pieces.emplace_back();
        used = 0;
      }
      pos += size;
      used += units;
    }
    flush_segment();
  }
  return pieces;
}

void render_span(std::string& out, const text_span& span) {
  bool link = (span.style & style_link) != 0 && is_allowed_url(span.url);
  // Telegram lets bold/italic wrap links but not code, and code contain
  // nothing: see the header for which style wins.
  bool code = (span.style & style_code) != 0 && !link;
  bool bold = (span.style & style_bold) != 0 && !code;
  bool italic = (span.style & style_italic) != 0 && !code;
  const std::string& label = link && span.text.empty() ? span.url : span.text;
  if (label.empty())
    return;
  if (bold)
    out += "<b>";
  if (italic)
    out += "<i>";
  if (link) {
    out += "<a href=\"";
    out += escape_html(span.url, true);
    out += "\">";
  }
  if (code)
    out += "<code>";
  out += escape_html(label);
  if (code)
    out += "</code>";
  if (link)
    out += "</a>";
  if (italic)
    out += "</i>";
  if (bold)
    out += "</b>";
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    auto c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i])
      return false;
  }
  return true;
}

} // namespace

std::size_t utf16_length(std::string_view text) {
  std::size_t units = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto size = code_point_size(text, pos);
    units += utf16_units(size);
    pos += size;
  }
  return units;
}

std::size_t visible_length(const rich_text& text) {
  std::size_t units = 0;
  for (auto& span : text) {
    units += utf16_length(shows_url(span) ? span.url : span.text);
  }
  return units;
}

bool is_allowed_url(std::string_view url) {
  return starts_with_nocase(url, "https://") || starts_with_nocase(url, "http://")
         || starts_with_nocase(url, "tg://");
}

std::string escape_html(std::string_view text, bool in_attribute) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        if (in_attribute)
          out += "&quot;";
        else
          out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string to_html(const rich_text& text) {
  std::string out;
  for (auto& span : text)
    render_span(out, span);
  return out;
}

std::vector<std::string> split_message(const rich_text& text,
                                       std::size_t limit) {
  limit = std::max<std::size_t>(limit, 2);
  std::vector<rich_text> chunks;
  rich_text current;
  std::size_t used = 0;
  bool has_line = false;
  auto flush = [&] {
    // Trailing empty lines would only be trimmed by Telegram.
    while (!current.empty() && current.back().text == "\n")
      current.pop_back();
    if (has_line)
      chunks.push_back(std::move(current));
    current.clear();
    used = 0;
    has_line = false;
  };
  for (auto& line : split_lines(text)) {
    auto len = visible_length(line);
    if (has_line && used + 1 + len <= limit) {
      current.push_back(text_span{"\n", style_plain, {}});
      current.insert(current.end(), line.begin(), line.end());
      used += 1 + len;
      continue;
    }
    flush();
    if (len <= limit) {
      current = line;
      used = len;
      has_line = true;
      continue;
    }
    auto pieces = hard_split(line, limit);
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i)
      chunks.push_back(std::move(pieces[i]));
    // The tail may share its message with the lines that follow.
    current = std::move(pieces.back());
    used = visible_length(current);
    has_line = true;
  }
  flush();
  std::vector<std::string> out;
  for (auto& chunk : chunks)
    if (!is_blank(chunk))
      out.push_back(to_html(chunk));
  return out;
}

bool fits_caption(const rich_text& text) {
  return visible_length(text) <= caption_limit;
}

std::string inline_keyboard_json(const std::vector<std::vector<button>>& rows,
                                 std::vector<button>* omitted) {
  auto omit = [&](const button& b) {
    if (omitted != nullptr)
      omitted->push_back(b);
  };
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto str = [&](const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("inline_keyboard");
  w.StartArray();
  for (auto& row : rows) {
    std::vector<const button*> kept;
    for (auto& b : row) {
      bool valid = !b.label.empty()
                   && (b.url.empty() ? !b.callback_data.empty()
                                         && b.callback_data.size() <= 64
                                     : is_allowed_url(b.url));
      if (valid)
        kept.push_back(&b);
      else
        omit(b);
    }
    if (kept.empty())
      continue;
    w.StartArray();
    for (auto* b : kept) {
      w.StartObject();
      w.Key("text");
      str(b->label);
      if (!b->url.empty()) {
        w.Key("url");
        str(b->url);
      } else {
        w.Key("callback_data");
        str(b->callback_data);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace lastgram::telegram
