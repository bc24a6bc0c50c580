// Property: whatever text users and Last.fm put in a reply, the HTML sent to
// Telegram is well formed in its subset, and split pieces fit the limit.

#include "fuzz/targets.hpp"
#include "fuzz/rich_text_input.hpp"

#include <vector>

#include "platforms/telegram/html.hpp"

namespace lastgram::fuzz {

namespace {

constexpr std::string_view target = "telegram_html";

// Decodes the entity at the start of `s` (which starts with '&') into
// `visible`; returns its length, 0 when it is not one of Telegram's four.
std::size_t read_entity(std::string_view s, std::string& visible) {
  static constexpr std::pair<std::string_view, char> entities[] = {
    {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}};
  for (const auto& [name, c] : entities)
    if (s.substr(0, name.size()) == name) {
      visible += c;
      return name.size();
    }
  return 0;
}

// Opens or closes the tag `tag` (the text between '<' and '>').
void read_tag(std::string_view tag, std::vector<std::string>& open) {
  const bool in_code = !open.empty() && open.back() == "code";
  if (!tag.empty() && tag.front() == '/') {
    require(!open.empty() && open.back() == tag.substr(1), target, "a closing tag out of order");
    open.pop_back();
    return;
  }
  require(!in_code, target, "a tag inside <code>");
  if (tag == "b" || tag == "i") {
    open.emplace_back(tag);
    return;
  }
  if (tag == "code") {
    require(open.empty(), target, "<code> inside another tag");
    open.emplace_back(tag);
    return;
  }
  constexpr std::string_view href = "a href=\"";
  require(tag.size() > href.size() && tag.substr(0, href.size()) == href && tag.back() == '"',
          target, "a tag outside Telegram's subset");
  for (const auto& t : open)
    require(t != "a", target, "a link inside a link");
  auto value = tag.substr(href.size(), tag.size() - href.size() - 1);
  std::string url;
  for (std::size_t i = 0; i < value.size();) {
    require(value[i] != '"' && value[i] != '<' && value[i] != '>', target,
            "an unescaped character in an attribute");
    if (value[i] == '&') {
      auto n = read_entity(value.substr(i), url);
      require(n > 0, target, "an unknown entity in an attribute");
      i += n;
    } else {
      url += value[i++];
    }
  }
  require(telegram::is_allowed_url(url), target, "a link to a refused URL");
  open.emplace_back("a");
}

// Checks `html` and returns its visible text (tags dropped, entities decoded).
std::string check_html(std::string_view html) {
  std::vector<std::string> open;
  std::string visible;
  for (std::size_t i = 0; i < html.size();) {
    char c = html[i];
    if (c == '<') {
      auto close = html.find('>', i);
      require(close != std::string_view::npos, target, "an unterminated tag");
      read_tag(html.substr(i + 1, close - i - 1), open);
      i = close + 1;
    } else if (c == '&') {
      auto n = read_entity(html.substr(i), visible);
      require(n > 0, target, "an unknown entity");
      i += n;
    } else {
      require(c != '>', target, "an unescaped '>'");
      visible += c;
      ++i;
    }
  }
  require(open.empty(), target, "a tag left open");
  return visible;
}

// `s` without the white space a split may drop or add at a line break.
std::string squeezed(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
      out += c;
  return out;
}

} // namespace

void fuzz_telegram_html(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  // Small limits too, so that short inputs reach the splitting code.
  const std::size_t limit = in.byte() % 64 + std::size_t{in.byte()} * 16;
  auto text = read_rich_text(in);
  bool utf8 = true;
  for (const auto& span : text)
    utf8 = utf8 && valid_utf8(span.text) && valid_utf8(span.url);
  auto whole = telegram::to_html(text);
  const auto whole_visible = check_html(whole);
  require(!utf8 || valid_utf8(whole), target, "HTML of UTF-8 text is not UTF-8");
  (void) telegram::fits_caption(text);
  const std::size_t effective = limit < 2 ? 2 : limit;
  std::string pieces_visible;
  for (const auto& piece : telegram::split_message(text, limit)) {
    auto visible = check_html(piece);
    pieces_visible += visible;
    require(telegram::utf16_length(visible) <= effective, target, "a piece over the limit");
    require(visible.find_first_not_of(" \n\t\r") != std::string::npos, target,
            "an empty or blank piece");
    require(!utf8 || valid_utf8(piece), target, "a piece of UTF-8 text is not UTF-8");
  }
  // Splitting only moves line breaks: no text is lost or added.
  require(squeezed(pieces_visible) == squeezed(whole_visible), target,
          "the pieces do not show the text the whole message shows");
}

} // namespace lastgram::fuzz
