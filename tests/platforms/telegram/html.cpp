#include "platforms/telegram/html.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace lastgram;
using namespace lastgram::telegram;

namespace {

// The visible text of rendered HTML: tags dropped, the four entities decoded.
std::string strip_html(const std::string& html) {
  std::string out;
  for (std::size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      i = html.find('>', i);
      REQUIRE(i != std::string::npos);
      continue;
    }
    if (html[i] == '&') {
      auto end = html.find(';', i);
      REQUIRE(end != std::string::npos);
      auto name = html.substr(i + 1, end - i - 1);
      if (name == "amp")
        out += '&';
      else if (name == "lt")
        out += '<';
      else if (name == "gt")
        out += '>';
      else if (name == "quot")
        out += '"';
      else
        FAIL("unknown entity " << name);
      i = end;
      continue;
    }
    out += html[i];
  }
  return out;
}

// Whether every opened tag is closed in order.
bool balanced(const std::string& html) {
  std::vector<std::string> open;
  for (std::size_t i = html.find('<'); i != std::string::npos;
       i = html.find('<', i + 1)) {
    auto end = html.find('>', i);
    if (end == std::string::npos)
      return false;
    auto tag = html.substr(i + 1, end - i - 1);
    if (!tag.empty() && tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1))
        return false;
      open.pop_back();
    } else {
      open.push_back(tag.substr(0, tag.find(' ')));
    }
  }
  return open.empty();
}

} // namespace

TEST_CASE("user text with markup characters renders escaped verbatim",
          "[telegram][html]") {
  auto text = text_builder{}.bold("<b>&\"").plain(" scrobbled").take();
  CHECK(to_html(text) == "<b>&lt;b&gt;&amp;\"</b> scrobbled");
  CHECK(to_html(text_builder{}.plain("a < b && c > d").take())
        == "a &lt; b &amp;&amp; c &gt; d");
}

TEST_CASE("bold and italic nest and close in order", "[telegram][html]") {
  auto text = text_builder{}
                .styled("both", style_bold | style_italic)
                .plain(" ")
                .italic("it")
                .plain(" ")
                .code("x<y")
                .take();
  CHECK(to_html(text) == "<b><i>both</i></b> <i>it</i> <code>x&lt;y</code>");
  // Telegram forbids entities inside code, so code wins over bold.
  CHECK(to_html(text_builder{}.styled("c", style_code | style_bold).take())
        == "<code>c</code>");
}

TEST_CASE("links escape their URL and label, and refuse other schemes",
          "[telegram][html]") {
  auto text = text_builder{}
                .link("Tom & \"Jerry\" <3",
                      "https://www.last.fm/music/Tom+&+\"Jerry\"?a=<b>")
                .take();
  CHECK(to_html(text)
        == "<a href=\"https://www.last.fm/music/Tom+&amp;+&quot;Jerry&quot;"
           "?a=&lt;b&gt;\">Tom &amp; \"Jerry\" &lt;3</a>");
  CHECK(to_html(text_builder{}.link("x", "javascript:alert(1)").take())
        == "x");
  CHECK(to_html(text_builder{}.link("me", "tg://user?id=1").take())
        == "<a href=\"tg://user?id=1\">me</a>");
  CHECK(to_html(
          text_builder{}.styled("B", style_bold | style_link).take())
        == "<b>B</b>");
  rich_text bold_link{
    text_span{"L", static_cast<std::uint8_t>(style_bold | style_link),
              "HTTP://x.y"}};
  CHECK(to_html(bold_link) == "<b><a href=\"HTTP://x.y\">L</a></b>");
}

TEST_CASE("a link without a label shows its URL in a split message too",
          "[telegram][html]") {
  // Found by fuzz_telegram_html: to_html showed the URL, split_message
  // dropped the whole link (fuzz/regressions/telegram_html/).
  rich_text text{text_span{"cover: ", style_plain, {}},
                 text_span{"", style_link, "https://last.fm/a"}};
  CHECK(to_html(text) == "cover: <a href=\"https://last.fm/a\">https://last.fm/a</a>");
  CHECK(split_message(text) == std::vector<std::string>{to_html(text)});
  // Cut like any other text when it does not fit, each piece still a link.
  auto pieces = split_message(text, 12);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0] == "cover: <a href=\"https://last.fm/a\">https</a>");
  CHECK(strip_html(pieces[1]) == "://last.fm/a");
  CHECK(balanced(pieces[1]));
}

TEST_CASE("UTF-16 length counts emoji as two units", "[telegram][html]") {
  CHECK(utf16_length("abc") == 3);
  CHECK(utf16_length("дом") == 3);
  CHECK(utf16_length("日本") == 2);
  CHECK(utf16_length("🎵") == 2);
  CHECK(utf16_length("\xff\xfe") == 2);
  CHECK(visible_length(text_builder{}.bold("a&b").plain("🎵").take()) == 5);
}

TEST_CASE("a short text is one message", "[telegram][html]") {
  auto pieces = split_message(text_builder{}.bold("hi").plain(" there").take());
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0] == "<b>hi</b> there");
  CHECK(split_message(text_builder{}.plain("\n \n").take()).empty());
}

TEST_CASE("a 10,000-character multi-line text splits at line breaks",
          "[telegram][html]") {
  // Lines mix Cyrillic (1 unit, 2 bytes), emoji (2 units, 4 bytes), and
  // markup characters that grow when escaped.
  text_builder b;
  std::string expected_text;
  std::size_t lines = 0;
  while (utf16_length(expected_text) < 10000) {
    auto n = std::to_string(lines++);
    b.bold(n).plain(" Привет <&> 🎵🎶 мир").newline();
    expected_text += n + " Привет <&> 🎵🎶 мир\n";
  }
  auto text = b.take();
  auto pieces = split_message(text);
  REQUIRE(pieces.size() == 3);
  std::string joined;
  for (auto& p : pieces) {
    CHECK(balanced(p));
    auto visible = strip_html(p);
    CHECK(utf16_length(visible) <= message_limit);
    // Every piece ends at a line end: the break itself is dropped.
    REQUIRE(visible.size() > 6);
    CHECK(visible.substr(visible.size() - 6) == "мир");
    CHECK(p.rfind("<b>", 0) == 0);
    joined += visible + "\n";
  }
  CHECK(joined == expected_text);
  // The first piece is full: one more line would not have fit.
  auto line_len = utf16_length(" Привет <&> 🎵🎶 мир") + 3;
  CHECK(utf16_length(strip_html(pieces[0])) + line_len + 1 > message_limit);
}

TEST_CASE("a single over-long line is cut on code point boundaries",
          "[telegram][html]") {
  std::string line;
  for (int i = 0; i < 3000; ++i)
    line += "я🎵";
  auto pieces = split_message(text_builder{}.italic(line).plain("\nend").take(),
                              4096);
  // 9000 units: 4096 (ending in я), 4095 (a surrogate pair never straddles
  // a cut), then the rest shares its message with the next line.
  REQUIRE(pieces.size() == 3);
  std::string joined;
  for (auto& p : pieces) {
    CHECK(balanced(p));
    auto visible = strip_html(p);
    CHECK(utf16_length(visible) <= 4096);
    joined += visible;
  }
  CHECK(utf16_length(strip_html(pieces[0])) == 4096);
  CHECK(utf16_length(strip_html(pieces[1])) == 4095);
  CHECK(joined == line + "\nend");
  CHECK(pieces[2].size() > 4);
  CHECK(pieces[2].substr(pieces[2].size() - 4) == "\nend");

  auto tiny = split_message(text_builder{}.plain("a🎵b").take(), 1);
  // A limit below 2 counts as 2, so the emoji still fits a piece alone.
  REQUIRE(tiny.size() == 3);
  CHECK(tiny[0] == "a");
  CHECK(tiny[1] == "🎵");
  CHECK(tiny[2] == "b");
}

TEST_CASE("captions fit up to 1024 UTF-16 units", "[telegram][html]") {
  CHECK(fits_caption(text_builder{}.bold(std::string(1024, 'a')).take()));
  CHECK_FALSE(fits_caption(text_builder{}.plain(std::string(1025, 'a')).take()));
  std::string emoji;
  for (int i = 0; i < 512; ++i)
    emoji += "🎵";
  CHECK(fits_caption(text_builder{}.plain(emoji).take()));
  CHECK_FALSE(fits_caption(text_builder{}.plain(emoji + "x").take()));
}

TEST_CASE("inline keyboard JSON round-trips and drops invalid buttons",
          "[telegram][html]") {
  std::vector<std::vector<button>> rows{
    {button{"Open \"Last.fm\"", "https://www.last.fm/user/rj", ""},
     button{"Next ▶", "", "page:2"}},
    {button{"too long", "", std::string(65, 'x')},
     button{"bad url", "javascript:x", ""}},
    {button{"", "", "x"}, button{"max", "", std::string(64, 'y')}},
  };
  std::vector<button> omitted;
  auto json = inline_keyboard_json(rows, &omitted);
  REQUIRE(omitted.size() == 3);
  CHECK(omitted[0].label == "too long");
  CHECK(omitted[1].label == "bad url");
  CHECK(omitted[2].callback_data == "x");

  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  auto& kb = doc["inline_keyboard"];
  REQUIRE(kb.IsArray());
  REQUIRE(kb.Size() == 2);
  REQUIRE(kb[0].Size() == 2);
  CHECK(std::string{kb[0][0]["text"].GetString()} == "Open \"Last.fm\"");
  CHECK(std::string{kb[0][0]["url"].GetString()}
        == "https://www.last.fm/user/rj");
  CHECK_FALSE(kb[0][0].HasMember("callback_data"));
  CHECK(std::string{kb[0][1]["text"].GetString()} == "Next ▶");
  CHECK(std::string{kb[0][1]["callback_data"].GetString()} == "page:2");
  REQUIRE(kb[1].Size() == 1);
  CHECK(std::string{kb[1][0]["callback_data"].GetString()}
        == std::string(64, 'y'));

  CHECK(inline_keyboard_json({}) == R"({"inline_keyboard":[]})");
}
