#include "i18n/catalog.hpp"

#include "i18n/temp_locales.hpp"

#include <catch2/catch.hpp>

#include <thread>

using lastgram::i18n::catalog;
using lastgram::i18n::test::real_locales;
using lastgram::i18n::test::temp_locales;

namespace {

// Every test formats against the shipped files, loaded once.
const catalog& shipped() {
  static const catalog loaded = [] {
    auto result = catalog::load(real_locales());
    INFO(result.error);
    REQUIRE(result);
    return *result.value;
  }();
  return loaded;
}

std::string scrobbles(std::string_view lang, lastgram::i18n::arg_value count) {
  return shipped().format(lang, "np.scrobbles", {{"count", std::move(count)}});
}

const std::string nbsp = "\u00a0";
const std::string narrow_nbsp = "\u202f";

} // namespace

TEST_CASE("the shipped catalog has the five languages with English as default") {
  CHECK(shipped().languages() == std::vector<std::string>{"en", "es", "fr", "pt", "ru"});
  CHECK(shipped().default_language() == "en");
  CHECK(shipped().has("pt"));
  CHECK_FALSE(shipped().has("pt-br"));
  CHECK_FALSE(shipped().has(""));
}

TEST_CASE("each language names itself") {
  CHECK(shipped().language_name("en") == "English");
  CHECK(shipped().language_name("pt") == "Português (Brasil)");
  CHECK(shipped().language_name("es") == "Español");
  CHECK(shipped().language_name("fr") == "Français");
  CHECK(shipped().language_name("ru") == "Русский");
  CHECK(shipped().language_name("xx").empty());
}

TEST_CASE("named arguments are filled in every language") {
  const auto& c = shipped();
  CHECK(c.format("en", "command.unknown", {{"command", "foo"}})
        == "Unknown command /foo. Send /help to see what I can do.");
  CHECK(c.format("pt", "command.unknown", {{"command", "foo"}})
        == "Comando desconhecido: /foo. Mande /help para ver o que eu sei fazer.");
  CHECK(c.format("es", "np.now_playing", {{"name", "Ana"}}) == "Ana está escuchando");
  CHECK(c.format("fr", "np.now_playing", {{"name", "Ana"}}) == "Ana écoute");
  CHECK(c.format("ru", "np.now_playing", {{"name", "Аня"}}) == "Аня сейчас слушает");
  CHECK(c.format("en", "botinfo.version", {{"version", "0.1.0"}, {"revision", "abc123"}})
        == "Version: 0.1.0 (abc123)");
  CHECK(c.format("en", "userinfo.top_album", {{"name", "Blue"}, {"artist", "Joni Mitchell"}, {"count", 1}})
        == "Top album: Blue by Joni Mitchell (1 play)");
}

TEST_CASE("argument text is inserted verbatim, markup and ICU syntax included") {
  const std::string tricky = "<b>&amp; O'Brien {x} #1";
  for (auto lang : {"en", "pt", "es", "fr", "ru"}) {
    INFO(lang);
    auto text = shipped().format(lang, "np.now_playing", {{"name", tricky}});
    CHECK(text.find(tricky) != std::string::npos);
  }
  CHECK(shipped().format("en", "np.now_playing", {{"name", tricky}}) == tricky + " is listening to");
}

TEST_CASE("English plurals use one and other") {
  CHECK(scrobbles("en", 1) == "1 scrobble");
  CHECK(scrobbles("en", 0) == "0 scrobbles");
  CHECK(scrobbles("en", 2) == "2 scrobbles");
}

TEST_CASE("Portuguese plurals treat 0 and 1 as singular and millions take 'de'") {
  CHECK(scrobbles("pt", 1) == "1 scrobble");
  CHECK(scrobbles("pt", 0) == "0 scrobble");
  CHECK(scrobbles("pt", 2) == "2 scrobbles");
  CHECK(scrobbles("pt", 1234) == "1.234 scrobbles");
  CHECK(scrobbles("pt", 1000000) == "1.000.000 de scrobbles");
  CHECK(shipped().format("pt", "duration.days", {{"count", 1}}) == "1 dia");
  CHECK(shipped().format("pt", "duration.days", {{"count", 3}}) == "3 dias");
}

TEST_CASE("Russian plurals follow CLDR one, few, many and other") {
  CHECK(scrobbles("ru", 1) == "1 скробблинг");
  CHECK(scrobbles("ru", 3) == "3 скробблинга");
  CHECK(scrobbles("ru", 5) == "5 скробблингов");
  CHECK(scrobbles("ru", 11) == "11 скробблингов");
  CHECK(scrobbles("ru", 21) == "21 скробблинг");
  CHECK(scrobbles("ru", 22) == "22 скробблинга");
  CHECK(scrobbles("ru", 111) == "111 скробблингов");
  CHECK(scrobbles("ru", 1.5) == "1,5 скробблинга");
  CHECK(shipped().format("ru", "duration.hours", {{"count", 24}}) == "24 часа");
}

TEST_CASE("numbers are formatted the locale's way") {
  const auto& c = shipped();
  auto memory = [&](std::string_view lang) { return c.format(lang, "botinfo.memory", {{"megabytes", 12345.67}}); };
  CHECK(memory("en") == "Memory: 12,345.7 MB");
  CHECK(memory("pt") == "Memória: 12.345,7 MB");
  CHECK(memory("es") == "Memoria: 12.345,7 MB");
  CHECK(memory("fr") == "Mémoire" + nbsp + ": 12" + narrow_nbsp + "345,7 Mo");
  CHECK(memory("ru") == "Память: 12" + nbsp + "345,7 МБ");
  CHECK(scrobbles("en", 1234) == "1,234 scrobbles");
  CHECK(scrobbles("fr", 1234) == "1" + narrow_nbsp + "234 scrobbles");
  CHECK(scrobbles("ru", 1234) == "1" + nbsp + "234 скробблинга");
  CHECK(c.format("en", "userinfo.scrobbles", {{"count", 5000}, {"per_day", 3.25}})
        == "5,000 scrobbles (3.2 a day)");
}

TEST_CASE("durations read as words joined the locale's way") {
  using namespace std::chrono;
  const auto& c = shipped();
  auto uptime = hours(50) + minutes(5) + seconds(7);
  CHECK(c.format_duration("en", uptime) == "2 days, 2 hours, 5 minutes");
  CHECK(c.format_duration("en", uptime, 2) == "2 days, 2 hours");
  CHECK(c.format_duration("en", hours(24) + seconds(9)) == "1 day");
  CHECK(c.format_duration("en", minutes(1) + seconds(1)) == "1 minute, 1 second");
  CHECK(c.format_duration("en", seconds(0)) == "0 seconds");
  CHECK(c.format_duration("en", seconds(-5)) == "0 seconds");
  CHECK(c.format_duration("pt", uptime) == "2 dias, 2 horas e 5 minutos");
  CHECK(c.format_duration("ru", hours(21) + minutes(5)) == "21 час 5 минут");
  CHECK(c.format_duration("xx", seconds(2)) == "2 seconds");
}

TEST_CASE("a missing message falls back to English, then to the key") {
  temp_locales dir({
    {"en.json", R"({"both": "en {x}", "only_en": "only en {x}"})"},
    {"pt.json", R"({"both": "pt {x}"})"},
  });
  auto loaded = catalog::load(dir.path());
  INFO(loaded.error);
  REQUIRE(loaded);
  const auto& c = *loaded.value;
  CHECK(c.format("pt", "both", {{"x", 1}}) == "pt 1");
  CHECK(c.format("pt", "only_en", {{"x", 1}}) == "only en 1");
  CHECK(c.format("de", "both", {{"x", 1}}) == "en 1");
  CHECK(c.format("pt", "nowhere") == "nowhere");
  // A pt file without language.name is named by its code.
  CHECK(c.language_name("pt") == "pt");
}

TEST_CASE("a fallback chain takes the first language that has the message") {
  temp_locales dir({
    {"en.json", R"({"greet": "hello", "bye": "bye"})"},
    {"pt.json", R"({"greet": "olá", "bye": "tchau"})"},
    {"es.json", R"({"greet": "hola"})"},
  });
  auto loaded = catalog::load(dir.path());
  REQUIRE(loaded);
  const auto& c = *loaded.value;
  CHECK(c.format({"es", "pt"}, "greet") == "hola");
  CHECK(c.format({"", "es"}, "greet") == "hola");
  CHECK(c.format({"es", "pt"}, "bye") == "tchau");
  CHECK(c.format({"de", "pt"}, "greet") == "olá");
  CHECK(c.format({"", ""}, "greet") == "hello");
  CHECK(c.format({}, "bye") == "bye");
}

TEST_CASE("platform language hints resolve to supported languages") {
  const auto& c = shipped();
  CHECK(c.resolve_language("pt-br") == "pt");
  CHECK(c.resolve_language("pt-BR") == "pt");
  CHECK(c.resolve_language("pt_PT") == "pt");
  CHECK(c.resolve_language("PT") == "pt");
  CHECK(c.resolve_language("en-US") == "en");
  CHECK(c.resolve_language("ru") == "ru");
  CHECK(c.resolve_language(" fr ") == "fr");
  CHECK(c.resolve_language("de-DE").empty());
  CHECK(c.resolve_language("").empty());
  CHECK(c.resolve_language("-").empty());
}

TEST_CASE("loading reports invalid JSON and ICU syntax with locale and key") {
  temp_locales dir({
    {"en.json", R"({"ok": "fine", "broken": "{count, plural, one {# x}"})"},
    {"pt.json", R"({"ok": "bem",)"},
    {"es.json", R"({"ok": {"nested": "no"}})"},
  });
  auto loaded = catalog::load(dir.path());
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error, Catch::Contains("en.json: key 'broken': invalid ICU MessageFormat syntax"));
  CHECK_THAT(loaded.error, Catch::Contains("pt.json: invalid JSON at line 1"));
  CHECK_THAT(loaded.error, Catch::Contains("es.json: key 'ok' must have a string value"));
}

TEST_CASE("loading fails without the default language or directory") {
  temp_locales dir({{"pt.json", R"({"ok": "bem"})"}});
  auto loaded = catalog::load(dir.path());
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error, Catch::Contains("default language 'en'"));
  auto with_pt = catalog::load(dir.path(), "pt");
  REQUIRE(with_pt);
  CHECK(with_pt.value->format("en", "ok") == "bem");
  auto missing = catalog::load(dir.path() + "/nope");
  CHECK_FALSE(missing);
  CHECK_THAT(missing.error, Catch::Contains("not a directory"));
}

TEST_CASE("an empty catalog answers with the key") {
  catalog empty;
  CHECK(empty.format("en", "errors.generic") == "errors.generic");
  CHECK(empty.languages().empty());
  CHECK(empty.resolve_language("en").empty());
  CHECK(empty.format_duration("en", std::chrono::seconds(61)) == "duration.minutes, duration.seconds");
}

TEST_CASE("formatting from four threads at once gives the same results as one") {
  const auto& c = shipped();
  const std::vector<std::string> langs{"en", "pt", "es", "fr", "ru"};
  // Expected values come from this thread; the workers make their own copies.
  std::vector<std::string> expected;
  for (const auto& lang : langs)
    for (std::int64_t n = 0; n < 30; ++n)
      expected.push_back(c.format(lang, "userinfo.top_track",
                                  {{"name", "Song " + std::to_string(n)}, {"artist", "Band"}, {"count", n * 1001}}));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        std::size_t i = 0;
        for (const auto& lang : langs)
          for (std::int64_t n = 0; n < 30; ++n, ++i)
            if (c.format(lang, "userinfo.top_track",
                         {{"name", "Song " + std::to_string(n)}, {"artist", "Band"}, {"count", n * 1001}})
                != expected[i])
              ++mismatches[t];
      }
    });
  for (auto& worker : workers)
    worker.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}
