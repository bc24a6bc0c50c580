#include "platforms/discord/markdown.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <string>

using namespace lastgram;
using lastgram::discord::cut_with_ellipsis;
using lastgram::discord::discord_length;
using lastgram::discord::escape_markdown;
using lastgram::discord::message_json;
using lastgram::discord::to_markdown;

namespace {

/// What Discord would show for escaped text: a backslash before ASCII
/// punctuation disappears, a zero-width space is invisible.
std::string shown(const std::string& md) {
  std::string out;
  for (std::size_t i = 0; i < md.size(); ++i) {
    if (md[i] == '\\' && i + 1 < md.size() && std::ispunct(static_cast<unsigned char>(md[i + 1])))
      ++i;
    else if (md.compare(i, 3, "\xE2\x80\x8B") == 0) {
      i += 2;
      continue;
    }
    out += md[i];
  }
  return out;
}

/// Whether `md` holds a Markdown-active character not preceded by a
/// backslash (ignoring the ones it holds escaped).
bool has_active(const std::string& md, const std::string& chars) {
  for (std::size_t i = 0; i < md.size(); ++i) {
    if (md[i] == '\\') {
      ++i;
      continue;
    }
    if (chars.find(md[i]) != std::string::npos)
      return true;
  }
  return false;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  REQUIRE(d.IsObject());
  return d;
}

} // namespace

TEST_CASE("hostile names are shown as written and activate nothing", "[discord][markdown]") {
  const std::vector<std::string> names = {
    "**x**", "[a](https://evil.example)", "__init__", "~~gone~~", "`code`", "||spoiler||",
    "> quoted", "# Heading", "- item", "+ item", "1. first", "  - nested", "a\\*b", "<@123456>",
    "<@&987>", "<#42>", "</cmd:1>", "x\n# y\n> z\n-# small", "***", "\\", "Jay-Z", "AC/DC (live)"};
  for (const auto& name : names) {
    auto md = escape_markdown(name);
    INFO(name << " -> " << md);
    CHECK(shown(md) == name);
    CHECK_FALSE(has_active(md, "*_~`|[]<>()#"));
    // No line of the result starts with an unescaped list marker.
    std::size_t start = 0;
    while (start < md.size()) {
      auto first = md.find_first_not_of(" \t", start);
      if (first == std::string::npos)
        break;
      CHECK(md[first] != '-');
      CHECK(md[first] != '+');
      auto nl = md.find('\n', start);
      if (nl == std::string::npos)
        break;
      start = nl + 1;
    }
  }
  CHECK(escape_markdown("1. first") == "1\\. first");
  CHECK(escape_markdown("Jay-Z") == "Jay-Z");
}

TEST_CASE("everyone and here mentions are neutralized", "[discord][markdown]") {
  for (std::string name : {"@everyone", "@here", "hi @everyone!", "@@here"}) {
    auto md = escape_markdown(name);
    INFO(md);
    CHECK(md.find("@everyone") == std::string::npos);
    CHECK(md.find("@here") == std::string::npos);
    CHECK(shown(md) == name);
  }
  CHECK(escape_markdown("me@example.org") == "me@example.org");
}

// Found by fuzz_discord_markdown (fuzz/regressions/discord_markdown/): each
// span was escaped alone, so two plain spans made a mention or a list
// marker together.
TEST_CASE("spans that together make a mention or a list marker are escaped",
          "[discord][markdown]") {
  auto plain = [](std::initializer_list<const char*> texts) {
    rich_text t;
    for (const char* x : texts)
      t.push_back(text_span{x, style_plain, {}});
    return t;
  };
  for (const auto& spans : {plain({"hi @", "everyone"}), plain({"@every", "one"}),
                            plain({"@", "here now"})}) {
    auto md = to_markdown(spans);
    INFO(md);
    CHECK(md.find("@everyone") == std::string::npos);
    CHECK(md.find("@here") == std::string::npos);
  }
  CHECK(to_markdown(plain({"1", ". x"})) == "1\\. x");
  CHECK(to_markdown(plain({"a\n  ", "- x"})) == "a\n  \\- x");
  CHECK(shown(to_markdown(plain({"12", ". @", "here"}))) == "12. @here");
}

TEST_CASE("styles render as Discord Markdown around escaped text", "[discord][markdown]") {
  auto text = text_builder{}
                .bold("**Artist**")
                .plain(" - ")
                .italic(" _Track_ ")
                .newline()
                .code("a*b")
                .plain(" ")
                .link("[x]", "https://www.last.fm/music/A_(B)")
                .plain(" ")
                .link("bad", "javascript:alert(1)")
                .take();
  auto md = to_markdown(text);
  CHECK(md
        == "**\\*\\*Artist\\*\\*** -  *\\_Track\\_* \n`a*b` "
           "[\\[x\\]](https://www.last.fm/music/A_%28B%29) bad");
  // A span in mid-line is no list marker; at a line start it is.
  CHECK(to_markdown(text_builder{}.plain("a ").plain("- b").take()) == "a - b");
  CHECK(to_markdown(text_builder{}.plain("a").newline().plain("- b").take()) == "a\n\\- b");
  // Code holding a backtick falls back to escaped text.
  CHECK(to_markdown(text_builder{}.code("a`b").take()) == "a\\`b");
}

TEST_CASE("cuts keep code points whole and end in an ellipsis", "[discord][markdown]") {
  CHECK(cut_with_ellipsis("short", 10) == "short");
  CHECK(cut_with_ellipsis("abcdef", 4) == "abc\xE2\x80\xA6");
  // "é" is 2 bytes, one unit; "😀" is 4 bytes, two units.
  std::string s;
  for (int i = 0; i < 3000; ++i)
    s += i % 2 ? "\xC3\xA9" : "\xF0\x9F\x98\x80";
  for (std::size_t limit : {1u, 2u, 3u, 100u, 2000u, 4096u}) {
    auto cut = cut_with_ellipsis(s, limit);
    CHECK(discord_length(cut) <= limit);
    CHECK(cut.size() >= 3);
    CHECK(cut.compare(cut.size() - 3, 3, "\xE2\x80\xA6") == 0);
    // Everything before the ellipsis is whole code points.
    auto body = cut.substr(0, cut.size() - 3);
    CHECK(s.compare(0, body.size(), body) == 0);
    if (!body.empty()) {
      auto next = static_cast<unsigned char>(s[body.size()]);
      CHECK((next & 0xC0) != 0x80);
    }
  }
  // No dangling backslash that would escape the ellipsis.
  CHECK(cut_with_ellipsis("ab\\*cdef", 4) == "ab\xE2\x80\xA6");
}

TEST_CASE("a reply becomes an embed with no mentions and valid components",
          "[discord][markdown]") {
  outgoing_reply r;
  r.text = text_builder{}.bold("@everyone").plain(std::string(5000, 'x')).take();
  r.image_url = "https://lastfm.freetls.fastly.net/i/u/300x300/cover.png";
  std::vector<button> row;
  for (int i = 0; i < 7; ++i)
    row.push_back(button{"b" + std::to_string(i), {}, "cb:" + std::to_string(i)});
  r.buttons = {row,
               {button{"dup", {}, "cb:0"}, button{"long", {}, std::string(101, 'c')},
                button{"", {}, "cb:empty"}, button{"web", "https://last.fm", {}},
                button{"js", "javascript:x", {}}}};
  auto d = parse(message_json(r));
  REQUIRE(d["allowed_mentions"]["parse"].IsArray());
  CHECK(d["allowed_mentions"]["parse"].Size() == 0);
  CHECK_FALSE(d.HasMember("content"));
  const auto& embed = d["embeds"][0];
  std::string description = embed["description"].GetString();
  CHECK(discord_length(description) <= discord::description_limit);
  CHECK(description.find("@everyone") == std::string::npos);
  CHECK(std::string{embed["thumbnail"]["url"].GetString()} == r.image_url);
  const auto& rows = d["components"];
  REQUIRE(rows.Size() == 2);
  CHECK(rows[0]["components"].Size() == 5);
  REQUIRE(rows[1]["components"].Size() == 1);
  CHECK(std::string{rows[1]["components"][0]["url"].GetString()} == "https://last.fm");
  CHECK(rows[1]["components"][0]["style"].GetInt() == 5);
}

TEST_CASE("an ephemeral reply is plain content with flag 64, or an embed when longer than "
          "content may be",
          "[discord][markdown]") {
  outgoing_reply r;
  r.ephemeral = true;
  r.text = text_builder{}.plain("You are not registered *yet*.").take();
  auto d = parse(message_json(r));
  CHECK(d["flags"].GetInt() == 64);
  CHECK(std::string{d["content"].GetString()} == "You are not registered \\*yet\\*.");
  CHECK_FALSE(d.HasMember("embeds"));
  // A long one (the list of /help) is not cut at 2,000: it is an embed.
  outgoing_reply list;
  list.ephemeral = true;
  list.text = text_builder{}.plain("Commands *all*: " + std::string(3000, 'y')).take();
  auto l = parse(message_json(list));
  CHECK(l["flags"].GetInt() == 64);
  CHECK_FALSE(l.HasMember("content"));
  std::string description = l["embeds"][0]["description"].GetString();
  CHECK(description.find("\\*all\\*") != std::string::npos);
  CHECK(description.find(std::string(3000, 'y')) != std::string::npos);
  outgoing_reply image_only;
  image_only.image_url = "https://example.org/c.png";
  auto e = parse(message_json(image_only));
  CHECK(e["embeds"][0].HasMember("image"));
  CHECK_FALSE(e["embeds"][0].HasMember("description"));
}

TEST_CASE("a drawn picture is listed as attachment 0 and shown as the embed's image",
          "[discord][markdown]") {
  outgoing_reply r;
  r.text.push_back(text_span{"Ana's 3x3", style_bold, {}});
  r.image_url = "https://lastfm.freetls.fastly.net/i/u/300x300/cover.png";
  r.photo_jpeg = "\xFF\xD8\xFF";
  rapidjson::Document d;
  d.Parse(message_json(r).c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d["attachments"].IsArray());
  REQUIRE(d["attachments"].Size() == 1);
  CHECK(std::string{d["attachments"][0]["id"].GetString()} == "0");
  CHECK(std::string{d["attachments"][0]["filename"].GetString()} == "picture.jpg");
  auto& embed = d["embeds"][0];
  CHECK(std::string{embed["image"]["url"].GetString()} == "attachment://picture.jpg");
  CHECK_FALSE(embed.HasMember("thumbnail"));
  CHECK(std::string{embed["description"].GetString()} == "**Ana's 3x3**");
  // Without a picture there is no attachments field (an edit keeps its files).
  r.photo_jpeg.clear();
  CHECK(message_json(r).find("attachments") == std::string::npos);
}
