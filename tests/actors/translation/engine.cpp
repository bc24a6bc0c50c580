#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "actors/translation/catalogs.hpp"
#include "actors/translation/engine.hpp"
#include "i18n/catalog.hpp"
#include "i18n/temp_locales.hpp"
#include "actors/test_config.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using i18n::test::temp_locales;

namespace {

const std::string english = R"({"language.name": "English", "greeting": "Hello, {name}!"})";
const std::string portuguese = R"({"language.name": "Português", "greeting": "Olá, {name}!"})";

/// A translation engine over its own locale directory, the way the node
/// runs it: the directory loaded and checked first, the engine the live
/// catalog's only writer.
struct fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  temp_locales dir{{"en.json", english}, {"pt.json", portuguese}};
  std::shared_ptr<i18n::catalog> texts;
  translation_actor engine;

  fixture() {
    auto loaded = translation::load_checked(dir.path(), "en");
    INFO(loaded.error);
    REQUIRE(loaded.value);
    REQUIRE(loaded.warnings.empty());
    texts = std::make_shared<i18n::catalog>(*loaded.value);
    i18n_settings settings;
    settings.dir = dir.path();
    engine = translation::spawn_engine(self.ptr(), texts, settings);
  }

  ~fixture() {
    self->send_exit(engine, caf::exit_reason::user_shutdown);
  }

  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  reload_outcome reload() {
    reload_outcome out;
    self->request(engine, 10s, reload_atom::value)
      .receive([&](reload_outcome& x) { out = std::move(x); },
               [&](caf::error& err) { FAIL("reload failed: " << sys.render(err)); });
    return out;
  }

  std::string greeting(std::string_view lang) const {
    return texts->format(lang, "greeting", {{"name", "Ana"}});
  }
};

} // namespace

TEST_CASE("a reload swaps in the edited texts for every reader", "[translation]") {
  fixture f;
  CHECK(f.greeting("pt") == "Olá, Ana!");
  f.dir.write("pt.json", R"({"language.name": "Português", "greeting": "Oi, {name}!"})");
  auto outcome = f.reload();
  INFO(outcome.error);
  CHECK(outcome.ok);
  CHECK(outcome.languages == std::vector<std::string>{"en", "pt"});
  CHECK(f.greeting("pt") == "Oi, Ana!");
}

TEST_CASE("a reload can add a language", "[translation]") {
  fixture f;
  f.dir.write("es.json", R"({"language.name": "Español", "greeting": "¡Hola, {name}!"})");
  CHECK(f.reload().ok);
  CHECK(f.greeting("es") == "¡Hola, Ana!");
  std::vector<std::string> languages;
  f.self->request(f.engine, 10s, languages_atom::value)
    .receive([&](std::vector<std::string>& xs) { languages = std::move(xs); },
             [&](caf::error& err) { FAIL(f.sys.render(err)); });
  CHECK(languages == std::vector<std::string>{"en", "es", "pt"});
}

TEST_CASE("a broken locale file keeps the old translations", "[translation]") {
  fixture f;
  SECTION("invalid ICU syntax") {
    f.dir.write("pt.json", R"({"language.name": "Português", "greeting": "Oi, {name!"})");
  }
  SECTION("invalid JSON") {
    f.dir.write("pt.json", R"({"language.name": "Português", "greeting": )");
  }
  SECTION("a placeholder that differs from English") {
    f.dir.write("pt.json", R"({"language.name": "Português", "greeting": "Oi, {nome}!"})");
  }
  SECTION("a missing key") {
    f.dir.write("pt.json", R"({"language.name": "Português"})");
  }
  auto outcome = f.reload();
  CHECK_FALSE(outcome.ok);
  CHECK(outcome.error.find("pt") != std::string::npos);
  CHECK(outcome.languages == std::vector<std::string>{"en", "pt"});
  CHECK(f.greeting("pt") == "Olá, Ana!");
}

TEST_CASE("a reload that would lose a language is refused", "[translation]") {
  fixture f;
  std::filesystem::remove(std::filesystem::path{f.dir.path()} / "pt.json");
  auto outcome = f.reload();
  CHECK_FALSE(outcome.ok);
  CHECK(outcome.error.find("pt: the locale file is gone") != std::string::npos);
  CHECK(f.greeting("pt") == "Olá, Ana!");
}

TEST_CASE("the shipped locales load and check clean", "[translation]") {
  auto loaded = translation::load_checked(i18n::test::real_locales(), "en");
  INFO(loaded.error);
  REQUIRE(loaded.value);
  CHECK(loaded.warnings.empty());
  CHECK(translation::reload_refusal(loaded, loaded.value->languages()).empty());
}
