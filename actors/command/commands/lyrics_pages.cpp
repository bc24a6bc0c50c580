#include "actors/command/commands/lyrics_pages.hpp"

#include <algorithm>

namespace lastgram::command::music {

namespace {

/// Bytes of the UTF-8 character starting with `lead`.
std::size_t char_bytes(unsigned char lead) {
  if (lead >= 0xF0)
    return 4;
  if (lead >= 0xE0)
    return 3;
  if (lead >= 0xC0)
    return 2;
  return 1;
}

/// Splits one over-long line into pieces of at most `max_units`.
std::vector<std::string> split_line(std::string_view line, std::size_t max_units) {
  std::vector<std::string> out;
  std::string piece;
  std::size_t units = 0;
  for (std::size_t i = 0; i < line.size();) {
    auto n = std::min(char_bytes(static_cast<unsigned char>(line[i])), line.size() - i);
    std::size_t u = n == 4 ? 2 : 1;
    if (units + u > max_units) {
      out.push_back(std::move(piece));
      piece.clear();
      units = 0;
    }
    piece.append(line.substr(i, n));
    units += u;
    i += n;
  }
  if (!piece.empty())
    out.push_back(std::move(piece));
  return out;
}

} // namespace

std::size_t utf16_units(std::string_view text) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto n = char_bytes(static_cast<unsigned char>(text[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

std::vector<std::string> lyrics_pages(std::string_view text, std::size_t max_units) {
  std::vector<std::string> pages;
  std::string page;
  std::size_t units = 0;
  // Where the page may best be cut: after the last blank line in it.
  std::size_t stanza_cut = std::string::npos;
  auto add_line = [&](std::string_view line) {
    auto u = utf16_units(line) + (page.empty() ? 0 : 1);
    if (units + u > max_units && !page.empty()) {
      std::string carry;
      if (stanza_cut != std::string::npos && stanza_cut > 0) {
        carry = page.substr(stanza_cut);
        page.resize(stanza_cut);
        carry.erase(0, carry.find_first_not_of('\n'));
      }
      while (!page.empty() && page.back() == '\n')
        page.pop_back();
      pages.push_back(std::move(page));
      page = std::move(carry);
      units = utf16_units(page);
      stanza_cut = std::string::npos;
      u = utf16_units(line) + (page.empty() ? 0 : 1);
      if (units + u > max_units && !page.empty()) {
        pages.push_back(std::move(page));
        page.clear();
        units = 0;
        u = utf16_units(line);
      }
    }
    if (!page.empty())
      page += '\n';
    if (line.empty() && !page.empty())
      stanza_cut = page.size();
    page.append(line);
    units += u;
  };
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (utf16_units(line) > max_units) {
      for (auto& piece : split_line(line, max_units))
        add_line(piece);
    } else {
      add_line(line);
    }
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  while (!page.empty() && page.back() == '\n')
    page.pop_back();
  if (!page.empty())
    pages.push_back(std::move(page));
  return pages;
}

} // namespace lastgram::command::music
