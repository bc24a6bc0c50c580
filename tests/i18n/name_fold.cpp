#include "i18n/name_fold.hpp"

#include <catch2/catch.hpp>

#include <string>

using lastgram::i18n::fold_name;

TEST_CASE("fold_name folds case and collapses whitespace", "[name_fold]") {
  CHECK(fold_name("Taylor Swift") == "taylor swift");
  CHECK(fold_name(" taylor  swift ") == "taylor swift");
  CHECK(fold_name("\tTAYLOR\n\u00a0SWIFT\u3000") == "taylor swift");
  CHECK(fold_name("Bj\u00d6rk") == "bj\u00f6rk");
  CHECK(fold_name("\u041a\u0418\u041d\u041e") == "\u043a\u0438\u043d\u043e");
}

TEST_CASE("fold_name applies full Unicode case folding", "[name_fold]") {
  // One letter may fold to two: sharp s and the ff ligature.
  CHECK(fold_name("STRASSE") == fold_name("Stra\u00dfe"));
  CHECK(fold_name("\ufb00") == "ff");
  // Greek final sigma and capital sigma fold to the same letter.
  CHECK(fold_name("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u0391\u03a3")
        == fold_name("\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03b1\u03c2"));
}

TEST_CASE("fold_name leaves caseless text, accents and normalization forms alone",
          "[name_fold]") {
  const std::string hikaru = "\u5b87\u591a\u7530 \u30d2\u30ab\u30eb";
  CHECK(fold_name(hikaru) == hikaru);
  CHECK(fold_name("Beyonc\u00e9") != fold_name("Beyonce"));
  // Precomposed and decomposed e-acute stay distinct keys (no NFC/NFD step).
  CHECK(fold_name("\u00e9") != fold_name("e\u0301"));
}

TEST_CASE("fold_name folds ASCII exactly as ICU's path does", "[name_fold]") {
  // ASCII skips ICU; a trailing e-acute sends the same text through ICU.
  for (int c = 0; c < 128; ++c) {
    INFO("byte " << c);
    const std::string ascii = std::string{"Ab"} + static_cast<char>(c) + "Cd";
    CHECK(fold_name(ascii) + "\u00e9" == fold_name(ascii + "\u00c9"));
  }
}

TEST_CASE("fold_name of blank text is empty", "[name_fold]") {
  CHECK(fold_name("").empty());
  CHECK(fold_name(" \t\n\u00a0\u3000 ").empty());
}

TEST_CASE("fold_name keeps invalid UTF-8 byte for byte, lowering only ASCII",
          "[name_fold]") {
  CHECK(fold_name("  AB\xff  C ") == "ab\xff c");
  CHECK(fold_name("\xc3\x28 \xC3\x84") == "\xc3\x28 \xC3\x84"); // not decoded: Ä stays
}
