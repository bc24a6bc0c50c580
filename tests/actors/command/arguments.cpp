// Argument kinds, their checks, the usage errors and the option list that
// platforms (Discord's slash options) build from one declaration.

#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/build_paths.hpp"
#include "actors/command/arguments.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"

using namespace lastgram;
using namespace lastgram::command;

namespace {

using words = std::vector<std::string>;

const i18n::catalog& real_texts() {
  static const auto loaded =
    i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
  REQUIRE(loaded);
  return *loaded.value;
}

/// /wait <milliseconds> [period] [action] [value...]
command_spec waiting() {
  command_spec spec{"wait"};
  spec.args = {argument::number("milliseconds").required(), argument::period("period"),
               argument::choice("action", {"fast", "Slow"}), argument::text("value").rest()};
  return spec;
}

const command_spec& real(const std::string& name) {
  static const auto specs = all_commands();
  for (auto& spec : specs)
    if (spec.name == name)
      return spec;
  FAIL("no command " << name);
  throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("arguments are built by naming their properties", "[command][arguments]") {
  arg_spec a = argument::choice("setting", {"lang", "tags"}).required().invalid_message("k");
  CHECK(a.name == "setting");
  CHECK(a.kind == arg_kind::choice);
  CHECK(a.required);
  CHECK_FALSE(a.rest);
  CHECK(a.choices == words{"lang", "tags"});
  CHECK(a.invalid_key == "k");
  arg_spec b = argument::artist("artist").rest();
  CHECK(b.kind == arg_kind::artist);
  CHECK_FALSE(b.required);
  CHECK(b.rest);
  CHECK(to_string(arg_kind::period) == "period");
  CHECK(to_string(arg_kind::user) == "user");
}

TEST_CASE("a missing required argument is the first problem", "[command][arguments]") {
  auto problem = check_arguments(waiting(), {});
  REQUIRE(problem);
  CHECK(problem->why == arg_problem::reason::missing);
  CHECK(problem->index == 0);
  // Optional ones may be left out.
  CHECK_FALSE(check_arguments(waiting(), {"15"}));
}

TEST_CASE("numbers must be whole numbers", "[command][arguments]") {
  CHECK_FALSE(check_arguments(waiting(), {"-3"}));
  CHECK_FALSE(check_arguments(waiting(), {"+12"}));
  for (auto bad : {"soon", "1.5", "12ms", "-"}) {
    INFO(bad);
    auto problem = check_arguments(waiting(), {bad});
    REQUIRE(problem);
    CHECK(problem->why == arg_problem::reason::not_a_number);
    CHECK(problem->value == bad);
  }
}

TEST_CASE("an argument left out before one given (an empty word) is skipped, unless required",
          "[command][arguments]") {
  // Discord's "/wait milliseconds:5 action:fast": no period.
  CHECK_FALSE(check_arguments(waiting(), {"5", "", "fast"}));
  // What comes after it is still checked in its own place.
  auto after = check_arguments(waiting(), {"5", "", "medium"});
  REQUIRE(after);
  CHECK(after->index == 2);
  CHECK(after->value == "medium");
  auto required = check_arguments(waiting(), {"", "7day"});
  REQUIRE(required);
  CHECK(required->why == arg_problem::reason::missing);
  CHECK(required->index == 0);
}

TEST_CASE("periods and choices must be among their values, in any case",
          "[command][arguments]") {
  CHECK_FALSE(check_arguments(waiting(), {"1", "7DAY", "slow"}));
  CHECK_FALSE(check_arguments(waiting(), {"1", "overall", "FAST"}));
  auto period = check_arguments(waiting(), {"1", "week"});
  REQUIRE(period);
  CHECK(period->why == arg_problem::reason::not_a_choice);
  CHECK(period->index == 1);
  auto mode = check_arguments(waiting(), {"1", "12month", "medium"});
  REQUIRE(mode);
  CHECK(mode->index == 2);
  CHECK(mode->value == "medium");
}

TEST_CASE("rest text and words past the declared arguments are not checked",
          "[command][arguments]") {
  CHECK_FALSE(check_arguments(waiting(), {"1", "overall", "fast", "anything", "at", "all"}));
  command_spec short_one{"short"};
  short_one.args = {argument::number("count")};
  CHECK_FALSE(check_arguments(short_one, {"3", "extra", "words"}));
}

TEST_CASE("usage errors are localized and carry the usage line", "[command][arguments]") {
  auto& texts = real_texts();
  auto spec = waiting();
  auto missing = usage_error(*check_arguments(spec, {}), spec, texts, "en");
  CHECK(missing == "Usage: /wait <milliseconds> [period] [action] [value...]");
  auto number = usage_error(*check_arguments(spec, {"soon"}), spec, texts, "en");
  CHECK(number.find("must be a number") != std::string::npos);
  CHECK(number.find("“soon”") != std::string::npos);
  CHECK(number.find("/wait <milliseconds>") != std::string::npos);
  auto period = usage_error(*check_arguments(spec, {"1", "week"}), spec, texts, "pt");
  CHECK(period.find("overall, 7day, 1month, 3month, 6month, 12month") != std::string::npos);
  CHECK(period.find("Uso: /wait <milissegundos>") != std::string::npos);
  // An argument may name its own message, as /config does.
  auto& config = real("config");
  auto own = usage_error(*check_arguments(config, {"volume", "11"}), config, texts, "en");
  CHECK(own == texts.format("en", "settings.invalid"));
}

TEST_CASE("options describe each argument for a platform's command declaration",
          "[command][arguments]") {
  auto options = describe_options(waiting());
  REQUIRE(options.size() == 4);
  CHECK(options[0].name == "milliseconds");
  CHECK(options[0].description_key == "args.milliseconds");
  CHECK(options[0].kind == arg_kind::number);
  CHECK(options[0].required);
  CHECK(options[0].choices.empty());
  CHECK(options[1].kind == arg_kind::period);
  CHECK_FALSE(options[1].required);
  CHECK(options[1].choices == period_values());
  CHECK(options[2].choices == words{"fast", "Slow"});
  CHECK(options[3].kind == arg_kind::text);
  CHECK(describe_options(real("botinfo")).empty());
}

TEST_CASE("the registry refuses arguments no platform could declare", "[command][arguments]") {
  auto refused = [](std::vector<arg_spec> args) {
    command_spec spec{"x"};
    spec.args = std::move(args);
    registry reg;
    CHECK_THROWS_AS(reg.add(spec), std::logic_error);
    CHECK(reg.find("x") == nullptr);
  };
  refused({argument::text("a"), argument::text("b").required()});
  refused({argument::text("a").rest(), argument::text("b")});
  refused({argument::choice("a", {})});
  refused({argument::text("Bad Name")});
  refused({argument::text("")});
}

TEST_CASE("every command declares its arguments' kinds", "[command][arguments]") {
  struct expected {
    std::string name;
    arg_kind kind;
    bool required;
    bool rest;
  };
  const std::vector<expected> top_args{{"period", arg_kind::period, false, false},
                                       {"page", arg_kind::number, false, false},
                                       {"lastfm_user", arg_kind::text, false, false}};
  const std::map<std::string, std::vector<expected>> declared{
    {"help", {{"command", arg_kind::text, false, false}}},
    {"register", {{"username", arg_kind::text, true, true}}},
    {"lang", {{"language", arg_kind::text, false, false}}},
    {"config", {{"setting", arg_kind::choice, false, false}, {"value", arg_kind::text, false, false}}},
    {"debug", {{"action", arg_kind::choice, false, false},
               {"milliseconds", arg_kind::number, false, false}}},
    {"artistinfo", {{"artist", arg_kind::artist, false, true}}},
    {"albuminfo", {{"artist_album", arg_kind::album, false, true}}},
    {"trackinfo", {{"artist_track", arg_kind::track, false, true}}},
    {"love", {{"artist_track", arg_kind::track, false, true}}},
    {"unlove", {{"artist_track", arg_kind::track, false, true}}},
    {"lyrics", {{"artist_track", arg_kind::track, false, true}}},
    {"emoji", {{"emoji", arg_kind::text, true, true}}},
    {"topartists", top_args},
    {"topalbums", top_args},
    {"toptracks", top_args},
    {"recent", {{"page", arg_kind::number, false, false},
                {"lastfm_user", arg_kind::text, false, false}}},
    {"timezone", {{"time_zone", arg_kind::text, false, false}}},
    {"peak", {{"period", arg_kind::period, false, false}}},
    {"milestone", {{"number", arg_kind::number, false, false}}},
    {"pace", {{"goal", arg_kind::number, false, false}, {"period", arg_kind::period, false, false}}},
    // Text: the words come in any order (commands/collage_options.hpp).
    {"cllg", {{"size", arg_kind::text, false, false}, {"entity", arg_kind::text, false, false},
              {"period", arg_kind::text, false, false}}},
    {"acllg", {{"entity", arg_kind::text, false, false}, {"period", arg_kind::text, false, false}}},
    {"whoknows", {{"artist", arg_kind::artist, false, true}}},
    {"whoknowsalbum", {{"artist_album", arg_kind::album, false, true}}},
    {"whoknowstrack", {{"artist_track", arg_kind::track, false, true}}},
    {"globalwhoknows", {{"artist", arg_kind::artist, false, true}}},
    {"globalwhoknowsalbum", {{"artist_album", arg_kind::album, false, true}}},
    {"globalwhoknowstrack", {{"artist_track", arg_kind::track, false, true}}},
    // The banned user: a reply on Telegram, a user option on Discord.
    {"lastgramban", {{"user", arg_kind::user, false, false}}},
    {"lastgramunban", {{"user", arg_kind::user, false, false}}},
    {"whoknowspage", {{"scope", arg_kind::choice, true, false},
                      {"kind", arg_kind::choice, true, false},
                      {"page", arg_kind::number, true, false},
                      {"artist", arg_kind::text, true, false},
                      {"name", arg_kind::text, true, false}}},
    {"crowns", {{"page", arg_kind::number, false, false}}},
    {"crownhistory", {{"artist", arg_kind::artist, false, true}}},
    {"privacy", {{"state", arg_kind::choice, true, false}}},
    // A reply on Telegram, a user option on Discord.
    {"crownban", {{"user", arg_kind::user, false, false}}},
    {"crownunban", {{"user", arg_kind::user, false, false}}},
    {"crownclear", {{"user", arg_kind::text, true, false}, {"name", arg_kind::text, false, true}}},
    {"grouplang", {{"language", arg_kind::text, false, false}}},
  };
  for (auto& spec : all_commands()) {
    INFO("/" << spec.name);
    auto i = declared.find(spec.name);
    auto& want = i == declared.end() ? std::vector<expected>{} : i->second;
    REQUIRE(spec.args.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
      CHECK(spec.args[k].name == want[k].name);
      CHECK(spec.args[k].kind == want[k].kind);
      CHECK(spec.args[k].required == want[k].required);
      CHECK(spec.args[k].rest == want[k].rest);
    }
  }
  CHECK(real("config").args[0].choices
        == words{"lang", "language", "tags", "cover", "emoji", "timezone", "tz", "artists",
                 "albums", "tracks", "threshold"});
  CHECK(real("debug").args[0].choices == words{"sleep", "crash"});
}

TEST_CASE("every command's description and options read well in every language, within "
          "Discord's limits",
          "[command][arguments]") {
  auto& texts = real_texts();
  registry reg;
  add_all_commands(reg); // also checks the declarations
  for (auto& spec : reg.all()) {
    for (auto& lang : texts.languages()) {
      INFO("/" << spec->name << " in " << lang);
      if (listed(*spec)) {
        auto desc = texts.format(lang, description_key(*spec));
        CHECK(desc != description_key(*spec));
      }
      for (auto& option : describe_options(*spec)) {
        INFO(option.name);
        auto text = texts.format(lang, option.description_key);
        CHECK(text != option.description_key);
        CHECK_FALSE(text.empty());
        CHECK(text.size() <= 100);
        CHECK(option.name.size() <= 32);
        CHECK(option.choices.size() <= 25);
      }
    }
  }
}

TEST_CASE("the usage errors format in every language", "[command][arguments]") {
  auto& texts = real_texts();
  auto spec = waiting();
  for (auto& lang : texts.languages()) {
    INFO(lang);
    for (auto& given : {words{"soon"}, words{"1", "week"}}) {
      auto text = usage_error(*check_arguments(spec, given), spec, texts, lang);
      CHECK(text.find('{') == std::string::npos);
      CHECK(text.find(given.back()) != std::string::npos);
      CHECK(text.find("/wait") != std::string::npos);
    }
  }
}

TEST_CASE("artist and title split at the first spaced dash only", "[arguments]") {
  auto jay = split_artist_item("Jay-Z - 99 Problems");
  REQUIRE(jay);
  CHECK(jay->artist == "Jay-Z");
  CHECK(jay->item == "99 Problems");
  auto remaster = split_artist_item("  Blur -  Song 2 - 2012 Remaster ");
  REQUIRE(remaster);
  CHECK(remaster->artist == "Blur");
  CHECK(remaster->item == "Song 2 - 2012 Remaster");
  auto en_dash = split_artist_item("Sigur Rós – Ný batterí");
  REQUIRE(en_dash);
  CHECK(en_dash->artist == "Sigur Rós");
  CHECK(en_dash->item == "Ný batterí");
  auto em_dash = split_artist_item("A-ha — Take On Me");
  REQUIRE(em_dash);
  CHECK(em_dash->artist == "A-ha");
  CHECK_FALSE(split_artist_item("Jay-Z"));
  CHECK_FALSE(split_artist_item("Jay-Z -99 Problems"));
  CHECK_FALSE(split_artist_item(" - 99 Problems"));
  CHECK_FALSE(split_artist_item("Jay-Z - "));
  CHECK_FALSE(split_artist_item(""));
}
