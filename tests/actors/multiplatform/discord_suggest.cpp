// Autocomplete suggestions: order, matching, Discord's limits and the
// callback body.

#include "actors/multiplatform/discord_suggest.hpp"

#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "platforms/discord/markdown.hpp"

using namespace lastgram;
using namespace lastgram::multiplatform;

namespace {

std::vector<std::string> values(const std::vector<suggestion>& s) {
  std::vector<std::string> out;
  for (const auto& x : s)
    out.push_back(x.value);
  return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("the latest track comes first, marked, then the library in its order",
          "[discord][suggest]") {
  auto s = rank_suggestions("", {"Tame Impala"}, {"Daft Punk", "The Weeknd"});
  REQUIRE(s.size() == 3);
  CHECK(values(s) == strings{"Tame Impala", "Daft Punk", "The Weeknd"});
  CHECK(s[0].name == "\xE2\x96\xB6 Tame Impala");
  CHECK(s[1].name == "Daft Punk");
}

TEST_CASE("suggestions match the typed text folded, by name or by the part after the dash",
          "[discord][suggest]") {
  strings library{"Daft Punk - Discovery", "The Weeknd - After Hours", "Sigur Rós - Takk..."};
  CHECK(values(rank_suggestions("DAFT  punk", {}, library)) == strings{"Daft Punk - Discovery"});
  CHECK(values(rank_suggestions("after", {}, library)) == strings{"The Weeknd - After Hours"});
  CHECK(values(rank_suggestions("sigur rÓs - t", {}, library)) == strings{"Sigur Rós - Takk..."});
  CHECK(values(rank_suggestions("zzz", {"Tame Impala - Currents"}, library)).empty());
  // The latest track is filtered like the rest.
  CHECK(values(rank_suggestions("curr", {"Tame Impala - Currents"}, library))
        == strings{"Tame Impala - Currents"});
}

TEST_CASE("a name that folds like one offered already is not offered again",
          "[discord][suggest]") {
  auto s = rank_suggestions("", {"The Weeknd"}, {"the weeknd", "THE WEEKND", "Daft Punk"});
  CHECK(values(s) == strings{"The Weeknd", "Daft Punk"});
}

TEST_CASE("at most 25 choices, names within 100 characters, overlong values left out",
          "[discord][suggest]") {
  strings library;
  for (int i = 0; i < 40; ++i)
    library.push_back("Artist " + std::to_string(i));
  // 100 characters as a value is allowed; marked as the latest track its
  // name is 102 and gets cut.
  std::string hundred(100, 'a');
  std::string too_long(101, 'b');
  auto s = rank_suggestions("", {hundred}, [&] {
    auto l = library;
    l.insert(l.begin(), too_long);
    return l;
  }());
  REQUIRE(s.size() == max_choices);
  CHECK(s[0].value == hundred);
  CHECK(discord::discord_length(s[0].name) == 100);
  CHECK(s[0].name.substr(s[0].name.size() - 3) == "\xE2\x80\xA6"); // …
  CHECK(s[1].value == "Artist 0");
  CHECK(s.back().value == "Artist 23");
  for (const auto& x : s) {
    CHECK(discord::discord_length(x.name) <= max_choice_length);
    CHECK(x.value != too_long);
  }
  // Multi-byte characters count as Discord counts them (UTF-16 units).
  std::string wide;
  for (int i = 0; i < 60; ++i)
    wide += "\xC3\xA9"; // é: 2 bytes, 1 unit
  CHECK(values(rank_suggestions("", {}, {wide})) == strings{wide});
}

TEST_CASE("the latest track suggests the name of the option's kind", "[discord][suggest]") {
  CHECK(track_names(entity_kind::artist, "Tame Impala", "Currents", "Let It Happen")
        == strings{"Tame Impala"});
  CHECK(track_names(entity_kind::album, "Tame Impala", "Currents", "Let It Happen")
        == strings{"Tame Impala - Currents"});
  CHECK(track_names(entity_kind::track, "Tame Impala", "Currents", "Let It Happen")
        == strings{"Tame Impala - Let It Happen"});
  CHECK(track_names(entity_kind::album, "Tame Impala", "", "Let It Happen").empty());
  CHECK(track_names(entity_kind::artist, "", "", "").empty());
}

TEST_CASE("the autocomplete callback is type 8 with its choices", "[discord][suggest]") {
  rapidjson::Document d;
  auto body = autocomplete_callback({{"\xE2\x96\xB6 A \"quoted\" name", "A \"quoted\" name"}});
  d.Parse(body.c_str());
  REQUIRE(d.IsObject());
  CHECK(d["type"].GetInt() == 8);
  REQUIRE(d["data"]["choices"].Size() == 1);
  CHECK(std::string{d["data"]["choices"][0]["value"].GetString()} == "A \"quoted\" name");
  CHECK(autocomplete_callback({}) == R"({"type":8,"data":{"choices":[]}})");
}
