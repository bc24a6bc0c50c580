// UTF-8 validity and the scrub that the platform parsers apply.

#include <catch2/catch.hpp>

#include "i18n/utf8.hpp"

#include <string>

using lastgram::i18n::invalid_utf8_at;
using lastgram::i18n::scrub_utf8;

namespace {
const std::string fffd = "\xEF\xBF\xBD";
}

TEST_CASE("valid UTF-8 passes whole", "[utf8]") {
  for (std::string s : {"", "ascii", "caf\xC3\xA9", "\xE2\x9D\xA4", "\xF0\x9F\x94\xA5",
                        "\xF4\x8F\xBF\xBF"}) {
    CHECK(invalid_utf8_at(s) == std::string::npos);
    CHECK(scrub_utf8(s) == s);
  }
}

TEST_CASE("the first broken byte is found", "[utf8]") {
  CHECK(invalid_utf8_at("ab\xFF") == 2);
  CHECK(invalid_utf8_at("a\xC3") == 1);                // cut short
  CHECK(invalid_utf8_at("\xC0\x80") == 0);             // overlong NUL
  CHECK(invalid_utf8_at("x\xED\xBE\xA2") == 1);        // a low surrogate
  CHECK(invalid_utf8_at("\xF4\x90\x80\x80") == 0);     // past U+10FFFF
  CHECK(invalid_utf8_at("\xE2\x28\xA1") == 0);         // a bad continuation
}

TEST_CASE("each broken sequence becomes one U+FFFD and the rest stays", "[utf8]") {
  CHECK(scrub_utf8("x\xED\xBE\xA2y") == "x" + fffd + "y");
  CHECK(scrub_utf8("\xFF\xFE") == fffd + fffd);
  CHECK(scrub_utf8("a\xC3") == "a" + fffd);
  CHECK(scrub_utf8("\xE2\x28\xA1") == fffd + "(" + fffd);
  CHECK(scrub_utf8("\xC3\xA9\x80\xC3\xA9") == "\xC3\xA9" + fffd + "\xC3\xA9");
  auto out = scrub_utf8("\xED\xA0\x80\xF0\x9F\x94\xA5\xC0\xAF");
  CHECK(out == fffd + "\xF0\x9F\x94\xA5" + fffd);
  CHECK(invalid_utf8_at(out) == std::string::npos);
}
