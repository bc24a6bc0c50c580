// One emoji, by ICU's emoji properties and grapheme clusters.

#include <catch2/catch.hpp>

#include "i18n/emoji.hpp"

using lastgram::i18n::is_single_emoji;

TEST_CASE("one emoji is accepted whatever its sequence", "[emoji]") {
  CHECK(is_single_emoji("🔥"));
  CHECK(is_single_emoji("❤️"));           // U+2764 U+FE0F
  CHECK(is_single_emoji("❤"));            // Extended_Pictographic without FE0F
  CHECK(is_single_emoji("👍🏽"));           // skin tone modifier
  CHECK(is_single_emoji("👨‍👩‍👧‍👦"));   // ZWJ family
  CHECK(is_single_emoji("🇧🇷"));           // a flag: two regional indicators
  CHECK(is_single_emoji("1️⃣"));           // keycap
}

TEST_CASE("text and several emoji are refused", "[emoji]") {
  CHECK_FALSE(is_single_emoji(""));
  CHECK_FALSE(is_single_emoji("a"));
  CHECK_FALSE(is_single_emoji("1"));   // Emoji property, but shown as a digit
  CHECK_FALSE(is_single_emoji("#"));
  CHECK_FALSE(is_single_emoji("🔥🔥"));
  CHECK_FALSE(is_single_emoji("🔥 "));
  CHECK_FALSE(is_single_emoji("ok🔥"));
  CHECK_FALSE(is_single_emoji("é"));
  CHECK_FALSE(is_single_emoji("\xF0\x9F\x94"));  // truncated UTF-8
}
