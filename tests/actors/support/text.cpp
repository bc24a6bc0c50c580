#include <catch2/catch.hpp>

#include "actors/support/text.hpp"

using namespace lastgram;

TEST_CASE("clip_chars counts UTF-8 characters and never cuts inside one", "[text]") {
  CHECK(clip_chars("abc", 3) == "abc");
  CHECK(clip_chars("abcd", 3) == "ab…");
  CHECK(clip_chars("ñññ", 3) == "ñññ");
  CHECK(clip_chars("ññññ", 3) == "ññ…");
  CHECK(clip_chars("", 3).empty());
}

TEST_CASE("quotable drops control characters and bounds the length", "[text]") {
  CHECK(quotable(std::string{"a\0b\x01" "c\x7f" "d\n", 8}, 10) == "abcd");
  CHECK(quotable(std::string(100000, 'x'), 5) == "xxxx…");
  CHECK(quotable("🎵🎵🎵", 2) == "🎵…");
  CHECK(quotable("ok", 2) == "ok");
}
