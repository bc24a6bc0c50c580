// Lyrics pages: within the limit, cut at stanzas, nothing dropped.

#include <catch2/catch.hpp>

#include <string>

#include "actors/command/commands/lyrics_pages.hpp"

using namespace lastgram::command::music;

namespace {

/// Every non-empty line of `text`, in order.
std::string lines_of(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    auto line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty())
      out += line + "|";
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return out;
}

} // namespace

TEST_CASE("short lyrics are one page", "[lyrics]") {
  auto pages = lyrics_pages("one\ntwo\n\nthree\n");
  REQUIRE(pages.size() == 1);
  CHECK(pages[0] == "one\ntwo\n\nthree");
  CHECK(lyrics_pages("").empty());
}

TEST_CASE("long lyrics are cut between stanzas within the limit and keep every line",
          "[lyrics]") {
  std::string text;
  for (int s = 0; s < 30; ++s) {
    for (int l = 0; l < 4; ++l)
      text += "stanza " + std::to_string(s) + " line " + std::to_string(l) + "\n";
    text += "\n";
  }
  auto pages = lyrics_pages(text, 200);
  REQUIRE(pages.size() > 1);
  std::string joined;
  for (auto& p : pages) {
    CHECK(utf16_units(p) <= 200);
    // A page starts a stanza: the previous one was not split.
    CHECK(p.rfind("stanza", 0) == 0);
    CHECK(p.find(" line 0") < p.find(" line 1"));
    joined += p + "\n";
  }
  CHECK(lines_of(joined) == lines_of(text));
}

TEST_CASE("a line longer than a page is split without breaking characters", "[lyrics]") {
  std::string line;
  for (int i = 0; i < 30; ++i)
    line += "ру😀";  // 2 + 2 UTF-16 units each
  auto pages = lyrics_pages(line, 10);
  std::string joined;
  for (auto& p : pages) {
    CHECK(utf16_units(p) <= 10);
    joined += p;
  }
  CHECK(joined == line);
  CHECK(utf16_units("😀") == 2);
  CHECK(utf16_units("ру") == 2);
}
