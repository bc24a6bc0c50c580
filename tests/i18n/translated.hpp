#pragma once

// What the tests that derive the keys the bot uses (tests/i18n/keys.cpp from
// the source tree, tests/actors/command_texts.cpp from the command registry)
// check about each key: it is in every shipped locale, and it formats into
// finished text there.

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "i18n/catalog.hpp"
#include "i18n/detail/icu_text.hpp"
#include "i18n/detail/locale_files.hpp"

namespace lastgram::i18n::test {

/// Every shipped locale's messages: language -> key -> pattern.
using locale_messages = std::map<std::string, std::map<std::string, std::string>>;

/// Reads every locale file of `dir`; the test stops when one cannot be read.
inline locale_messages read_locales(const std::string& dir) {
  auto read = detail::read_locale_dir(dir);
  for (const auto& problem : read.problems)
    UNSCOPED_INFO(problem);
  REQUIRE(read.problems.empty());
  REQUIRE_FALSE(read.files.empty());
  locale_messages out;
  for (const auto& file : read.files)
    for (const auto& [key, pattern] : file.messages)
      out[file.language][key] = pattern;
  return out;
}

/// Sample arguments for a pattern: a number for plural, selectordinal and
/// number arguments, text for the rest. Names are owned here because
/// `arg` only views them.
struct sample_arguments {
  std::vector<std::string> names;
  std::vector<arg> args;

  explicit sample_arguments(const std::string& pattern) {
    detail::pattern_shape shape;
    std::string error;
    INFO(pattern << ": " << error);
    REQUIRE(detail::analyse(pattern, shape, error));
    // "name:kind"; one name may appear with several kinds, the first wins.
    std::map<std::string, std::string> kinds;
    for (const auto& typed : shape.typed_arguments) {
      auto colon = typed.rfind(':');
      kinds.emplace(typed.substr(0, colon), typed.substr(colon + 1));
    }
    names.reserve(kinds.size());
    for (const auto& [name, kind] : kinds) {
      names.push_back(name);
      if (kind == "plural" || kind == "selectordinal")
        args.push_back({names.back(), std::int64_t{2}});
      else if (kind == "number")
        args.push_back({names.back(), 9.5});
      else
        args.push_back({names.back(), std::string{"Sample"}});
    }
  }
};

/// `key` formatted in `lang` with `a`, which catalog::format takes as an
/// initializer list: up to six arguments, more fails the test.
inline std::string format_with(const catalog& c, const std::string& lang, const std::string& key,
                               const std::vector<arg>& a) {
  switch (a.size()) {
    case 0: return c.format(lang, key);
    case 1: return c.format(lang, key, {a[0]});
    case 2: return c.format(lang, key, {a[0], a[1]});
    case 3: return c.format(lang, key, {a[0], a[1], a[2]});
    case 4: return c.format(lang, key, {a[0], a[1], a[2], a[3]});
    case 5: return c.format(lang, key, {a[0], a[1], a[2], a[3], a[4]});
    case 6: return c.format(lang, key, {a[0], a[1], a[2], a[3], a[4], a[5]});
    default: FAIL(key << " takes " << a.size() << " arguments; format_with handles six");
  }
  return {};
}

/// Checks that `key` is in every locale of `messages` and formats there, with
/// the arguments its English pattern names, into text with no placeholder
/// left.
inline void check_translated(const catalog& c, const locale_messages& messages,
                             const std::string& key) {
  INFO("key " << key);
  auto english = messages.find(std::string{c.default_language()});
  REQUIRE(english != messages.end());
  auto pattern = english->second.find(key);
  CHECK(pattern != english->second.end());
  if (pattern == english->second.end())
    return;
  sample_arguments sample{pattern->second};
  for (const auto& [lang, texts] : messages) {
    INFO("language " << lang);
    CHECK(texts.count(key) == 1);
    auto text = format_with(c, lang, key, sample.args);
    INFO("-> " << text);
    CHECK_FALSE(text.empty());
    CHECK(text != key);
    CHECK(text.find('{') == std::string::npos);
  }
}

} // namespace lastgram::i18n::test
