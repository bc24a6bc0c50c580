#include "actors/fm/parse_text.hpp"

#include <cctype>
#include <cstdint>

namespace lastgram::fm {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  // Surrogates and out-of-range values cannot be encoded: show U+FFFD rather
  // than produce invalid UTF-8 that a platform would reject.
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the numeric reference body after "&#" (e.g. "39" or "x27").
bool numeric_reference(std::string_view body, std::uint32_t& cp) {
  int base = 10;
  if (!body.empty() && (body[0] == 'x' || body[0] == 'X')) {
    base = 16;
    body.remove_prefix(1);
  }
  if (body.empty() || body.size() > 8)
    return false;
  std::uint32_t value = 0;
  for (char c : body) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return false;
    value = value * static_cast<std::uint32_t>(base)
            + static_cast<std::uint32_t>(digit);
  }
  cp = value;
  return true;
}

bool named_reference(std::string_view name, std::uint32_t& cp) {
  struct entry {
    std::string_view name;
    std::uint32_t cp;
  };
  static constexpr entry table[] = {
    {"amp", '&'},     {"lt", '<'},      {"gt", '>'},
    {"quot", '"'},    {"apos", '\''},   {"nbsp", 0xA0},
    {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D},
  };
  for (const auto& e : table)
    if (e.name == name) {
      cp = e.cp;
      return true;
    }
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::size_t ifind(std::string_view hay, std::string_view needle,
                  std::size_t from) {
  if (needle.size() > hay.size())
    return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle))
      return i;
  return std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

// The tag name of "<a href=...>" or "</p>" (without '/' and attributes).
std::string_view tag_name(std::string_view tag) {
  tag = tag.substr(1, tag.size() - 2); // drop '<' and '>'
  if (!tag.empty() && tag.front() == '/')
    tag.remove_prefix(1);
  std::size_t n = 0;
  while (n < tag.size() && std::isalnum(static_cast<unsigned char>(tag[n])))
    ++n;
  return tag.substr(0, n);
}

} // namespace

std::string decode_entities(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    if (in[i] != '&') {
      out.push_back(in[i++]);
      continue;
    }
    // A reference is short; a lone '&' (as in "AT&T") stays as written.
    auto semi = in.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
      out.push_back(in[i++]);
      continue;
    }
    auto body = in.substr(i + 1, semi - i - 1);
    std::uint32_t cp = 0;
    bool known = !body.empty() && body[0] == '#'
                   ? numeric_reference(body.substr(1), cp)
                   : named_reference(body, cp);
    if (!known) {
      out.push_back(in[i++]);
      continue;
    }
    append_utf8(out, cp);
    i = semi + 1;
  }
  return out;
}

std::string html_to_text(std::string_view in) {
  constexpr std::string_view read_more = "Read more on Last.fm";
  std::string stripped;
  stripped.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    // Only '<' followed by a letter, '/' or '!' starts a tag; "<3" is text.
    bool starts_tag = in[i] == '<' && i + 1 < in.size()
                      && (std::isalpha(static_cast<unsigned char>(in[i + 1]))
                          || in[i + 1] == '/' || in[i + 1] == '!');
    if (!starts_tag) {
      stripped.push_back(in[i++]);
      continue;
    }
    auto close = in.find('>', i);
    if (close == std::string_view::npos) {
      // A cut-off tag at the end: nothing after it is text.
      break;
    }
    auto tag = in.substr(i, close - i + 1);
    auto name = tag_name(tag);
    if (iequals(name, "a") && tag[1] != '/') {
      auto end = ifind(in, "</a>", close + 1);
      if (end != std::string_view::npos
          && trim(in.substr(close + 1, end - close - 1)) == read_more) {
        i = end + 4;
        continue;
      }
    } else if (iequals(name, "br") || (iequals(name, "p") && tag[1] == '/')) {
      stripped.push_back('\n');
    }
    i = close + 1;
  }
  auto text = decode_entities(stripped);
  auto view = trim(text);
  // Last.fm writes "... text. <a ...>Read more on Last.fm</a>." which leaves
  // a lone period once the link is gone.
  if (view.size() >= 2 && view.back() == '.'
      && std::isspace(static_cast<unsigned char>(view[view.size() - 2])))
    view = trim(view.substr(0, view.size() - 1));
  return std::string{view};
}

bool is_placeholder_image(std::string_view url) noexcept {
  return url.find("2a96cbd8b46e442fc41c2b86b821562f") != std::string_view::npos;
}

} // namespace lastgram::fm
