#include "i18n/catalog.hpp"

#include "i18n/temp_locales.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using lastgram::i18n::catalog;
using lastgram::i18n::test::temp_locales;

namespace {

catalog load(const std::string& greeting) {
  temp_locales dir{{"en.json", R"({"language.name": "English", "greeting": ")" + greeting + "\"}"}};
  auto loaded = catalog::load(dir.path());
  INFO(loaded.error);
  REQUIRE(loaded);
  return *loaded.value;
}

} // namespace

TEST_CASE("replace swaps the texts of later calls, snapshots and copies keep theirs") {
  auto live = load("Hello, {name}!");
  auto before = live.snapshot();
  auto copy = live;
  live.replace(load("Hi, {name}!"));
  CHECK(live.format("en", "greeting", {{"name", "Ana"}}) == "Hi, Ana!");
  CHECK(before.format("en", "greeting", {{"name", "Ana"}}) == "Hello, Ana!");
  CHECK(copy.format("en", "greeting", {{"name", "Ana"}}) == "Hello, Ana!");
}

TEST_CASE("the language name survives a replace of the catalog it came from") {
  auto live = load("Hello");
  auto name = live.language_name("en");
  live.replace(load("Hi"));
  CHECK(name == "English");
}

TEST_CASE("readers formatting during replaces always get one whole version") {
  const auto first = load("one {n, plural, one {# apple} other {# apples}}");
  const auto second = load("two {n, plural, one {# pear} other {# pears}}");
  auto live = first;
  std::atomic<bool> stop{false};
  std::atomic<int> odd{0};
  std::atomic<int> formatted{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i)
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto text = live.format("en", "greeting", {{"n", 3}});
        if (text != "one 3 apples" && text != "two 3 pears")
          ++odd;
        ++formatted;
      }
    });
  for (int i = 0; i < 200; ++i)
    live.replace(i % 2 == 0 ? second : first);
  // Keep replacing until the readers have formatted a fair number of times:
  // a deadline, not a count of replaces, since on a loaded machine the
  // readers may get little CPU while this thread replaces.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  for (int i = 0; formatted.load() < 300 && std::chrono::steady_clock::now() < deadline; ++i) {
    live.replace(i % 2 == 0 ? second : first);
    std::this_thread::yield();
  }
  stop = true;
  for (auto& t : readers)
    t.join();
  CHECK(formatted.load() >= 300);
  CHECK(odd.load() == 0);
}
