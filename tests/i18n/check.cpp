#include "i18n/check.hpp"

#include "i18n/temp_locales.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using lastgram::i18n::check;
using lastgram::i18n::test::real_locales;
using lastgram::i18n::test::temp_locales;

namespace {

const char* const english = R"({
  "greet": "Hello, {name}!",
  "count": "{count, plural, one {# track} other {# tracks}}"
})";

// Problems found in a directory holding en plus the given extra files.
std::vector<std::string> problems_with(const std::map<std::string, std::string>& files) {
  temp_locales dir({{"en.json", english}});
  for (const auto& [name, contents] : files)
    dir.write(name, contents);
  return check(dir.path());
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

} // namespace

TEST_CASE("the shipped locale files pass the check") {
  auto problems = check(real_locales());
  for (const auto& problem : problems)
    UNSCOPED_INFO(problem);
  CHECK(problems.empty());
}

TEST_CASE("a complete translation passes the check") {
  auto problems = problems_with({{"pt.json", R"({
    "greet": "Olá, {name}!",
    "count": "{count, plural, one {# faixa} other {# faixas}}"
  })"}});
  CHECK(problems.empty());
}

TEST_CASE("the check reports a key missing from a locale") {
  auto problems = problems_with({{"pt.json", R"({"greet": "Olá, {name}!"})"}});
  CHECK(problems == std::vector<std::string>{"pt: missing key 'count'"});
}

TEST_CASE("the check reports a key that en does not have") {
  auto problems = problems_with({{"pt.json", R"({
    "greet": "Olá, {name}!",
    "count": "{count, plural, one {# faixa} other {# faixas}}",
    "typo": "oops"
  })"}});
  CHECK(problems == std::vector<std::string>{"pt: extra key 'typo' (not in en)"});
}

TEST_CASE("the check reports invalid ICU syntax with locale and key") {
  auto problems = problems_with({{"es.json", R"({
    "greet": "Hola, {name!",
    "count": "{count, plural, one {# pista} other {# pistas}}"
  })"}});
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::StartsWith("es: 'greet': invalid ICU MessageFormat syntax"));
}

TEST_CASE("the check reports placeholders that differ from en's") {
  auto problems = problems_with({{"fr.json", R"({
    "greet": "Bonjour, {nom} !",
    "count": "{count, plural, one {# morceau} other {# morceaux}}"
  })"}});
  CHECK(problems == std::vector<std::string>{"fr: 'greet': placeholders {nom} differ from en's {name}"});
}

TEST_CASE("the check reports a plural that became a plain argument") {
  auto problems = problems_with({{"pt.json", R"({
    "greet": "Olá, {name}!",
    "count": "{count} faixas"
  })"}});
  CHECK(problems
        == std::vector<std::string>{"pt: 'count': argument kinds {count:none} differ from en's {count:plural}"});
}

TEST_CASE("the check reports an apostrophe that swallows a placeholder") {
  auto problems = problems_with({{"fr.json", R"({
    "greet": "Bonjour l'{name}",
    "count": "{count, plural, one {# morceau} other {# morceaux}}"
  })"}});
  CHECK(mentions(problems, "fr: 'greet': an apostrophe before"));
  CHECK(mentions(problems, "fr: 'greet': placeholders {} differ from en's {name}"));
}

TEST_CASE("the check reports Russian plurals lacking few or many") {
  auto problems = problems_with({{"ru.json", R"({
    "greet": "Привет, {name}!",
    "count": "{count, plural, one {# трек} many {# треков} other {# трека}}"
  })"}});
  CHECK(problems == std::vector<std::string>{"ru: 'count': plural 'count' lacks 'few'"});
  auto nested = problems_with({{"ru.json", R"({
    "greet": "Привет, {name}!",
    "count": "{count, plural, one {# трек} few {# трека} many {# треков} other {{count, plural, one {x} other {# трека}}}}"
  })"}});
  CHECK(mentions(nested, "lacks 'few'"));
  CHECK(mentions(nested, "lacks 'many'"));
}

TEST_CASE("the check reports unreadable files and a missing reference") {
  temp_locales broken({{"en.json", "{\"greet\": "}, {"pt.json", R"({"greet": "Olá"})"}});
  auto problems = check(broken.path());
  CHECK(mentions(problems, "en.json: invalid JSON"));
  CHECK_FALSE(mentions(problems, "reference locale file en.json is missing"));
  temp_locales no_en({{"pt.json", R"({"greet": "Olá"})"}});
  CHECK(check(no_en.path()) == std::vector<std::string>{"en: the reference locale file en.json is missing"});
  temp_locales bad_name({{"en.json", english}, {"pt_BR.json", "{}"}});
  CHECK(mentions(check(bad_name.path()), "pt_BR.json: the file name must be a lowercase language code"));
}
