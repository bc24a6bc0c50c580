#include "i18n/check.hpp"

#include "i18n/detail/icu_text.hpp"
#include "i18n/detail/locale_files.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace lastgram::i18n {

namespace {

const std::string reference_language = "en";

// Plural categories a language's messages must spell out. ICU falls back to
// `other` silently, which in Russian reads as broken grammar ("5 скробблинга").
// Other languages' extra CLDR categories (e.g. French "many" for millions)
// read fine through `other`, so they are not required.
const std::map<std::string, std::set<std::string>, std::less<>>& required_plurals() {
  static const std::map<std::string, std::set<std::string>, std::less<>> table{
    {"ru", {"one", "few", "many", "other"}},
    {"uk", {"one", "few", "many", "other"}},
  };
  return table;
}

std::string join(const std::set<std::string>& names) {
  std::string out = "{";
  for (const auto& name : names)
    out += (out.size() > 1 ? ", " : "") + name;
  return out + "}";
}

// A straight apostrophe before ICU syntax characters starts a quoted literal
// and silently swallows the placeholder after it ("l'{name}" in French).
bool has_quoting_apostrophe(const std::string& pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\'')
      continue;
    if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
      ++i; // '' is an escaped apostrophe
      continue;
    }
    auto next = pattern[i + 1];
    if (next == '{' || next == '}' || next == '#' || next == '|')
      return true;
  }
  return false;
}

struct analysed_message {
  bool valid = false;
  detail::pattern_shape shape;
};

using analysed_locale = std::map<std::string, analysed_message>;

analysed_locale analyse_locale(const detail::locale_file& file, std::vector<std::string>& problems) {
  analysed_locale out;
  for (const auto& [key, pattern] : file.messages) {
    auto& message = out[key];
    std::string error;
    if (!detail::compile(file.language, pattern, error)) {
      problems.push_back(file.language + ": '" + key + "': invalid ICU MessageFormat syntax: " + error);
      continue;
    }
    if (!detail::analyse(pattern, message.shape, error)) {
      problems.push_back(file.language + ": '" + key + "': " + error);
      continue;
    }
    message.valid = true;
    if (has_quoting_apostrophe(pattern))
      problems.push_back(file.language + ": '" + key
                         + "': an apostrophe before {, }, # or | starts an ICU quote; use ’ or ''");
    auto required = required_plurals().find(file.language);
    if (required == required_plurals().end())
      continue;
    for (const auto& [argument, selectors] : message.shape.plurals)
      for (const auto& category : required->second)
        if (selectors.count(category) == 0)
          problems.push_back(file.language + ": '" + key + "': plural '" + argument + "' lacks '"
                             + category + "'");
  }
  return out;
}

void compare_with_reference(const std::string& language, const analysed_locale& reference,
                            const analysed_locale& locale, std::vector<std::string>& problems) {
  for (const auto& [key, expected] : reference) {
    auto found = locale.find(key);
    if (found == locale.end()) {
      problems.push_back(language + ": missing key '" + key + "'");
      continue;
    }
    const auto& actual = found->second;
    if (expected.valid && actual.valid && expected.shape.arguments != actual.shape.arguments)
      problems.push_back(language + ": '" + key + "': placeholders " + join(actual.shape.arguments)
                         + " differ from en's " + join(expected.shape.arguments));
    else if (expected.valid && actual.valid
             && expected.shape.typed_arguments != actual.shape.typed_arguments)
      problems.push_back(language + ": '" + key + "': argument kinds " + join(actual.shape.typed_arguments)
                         + " differ from en's " + join(expected.shape.typed_arguments));
  }
  for (const auto& entry : locale)
    if (reference.count(entry.first) == 0)
      problems.push_back(language + ": extra key '" + entry.first + "' (not in en)");
}

} // namespace

std::vector<std::string> check(const std::string& dir) {
  auto read = detail::read_locale_dir(dir);
  auto problems = std::move(read.problems);
  std::map<std::string, analysed_locale> locales;
  for (const auto& file : read.files)
    locales.emplace(file.language, analyse_locale(file, problems));
  auto reference = locales.find(reference_language);
  if (reference == locales.end()) {
    // Without en nothing can be compared; a broken en.json was reported above.
    if (std::none_of(problems.begin(), problems.end(),
                     [](const std::string& p) { return p.rfind("en.json:", 0) == 0; }))
      problems.push_back("en: the reference locale file en.json is missing");
    return problems;
  }
  for (const auto& [language, locale] : locales)
    if (language != reference_language)
      compare_with_reference(language, reference->second, locale, problems);
  return problems;
}

} // namespace lastgram::i18n
