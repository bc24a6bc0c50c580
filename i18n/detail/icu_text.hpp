#pragma once

// Internal to i18n/: the only header that exposes ICU types.

#include <unicode/locid.h>
#include <unicode/msgfmt.h>
#include <unicode/unistr.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::i18n::detail {

/// The ICU locale of a language code such as "pt" or "zh-hant".
icu::Locale icu_locale(const std::string& language);

/// UTF-8 text of an ICU string.
std::string to_utf8(const icu::UnicodeString& text);

/// ICU string of UTF-8 text.
icu::UnicodeString from_utf8(std::string_view text);

/// Whether `text` is well-formed UTF-8.
bool valid_utf8(std::string_view text);

/// Compiles `pattern` for `language`; on failure returns null and sets
/// `error` to a readable reason with the offset of the problem.
std::unique_ptr<icu::MessageFormat> compile(const std::string& language, const std::string& pattern,
                                            std::string& error);

/// What a pattern expects from its caller.
struct pattern_shape {
  /// Every argument name (or number) used anywhere in the pattern.
  std::set<std::string> arguments;
  /// Every "name:kind" use, the kind being none, number, date, plural,
  /// select, selectordinal, ... ("count:plural", "name:none").
  std::set<std::string> typed_arguments;
  /// For each plural argument, in pattern order (nested ones too), its name
  /// and the selectors it has ("one", "few", "=0", ...).
  std::vector<std::pair<std::string, std::set<std::string>>> plurals;
};

/// Lists the arguments and plural selectors of `pattern` with
/// icu::MessagePattern; false with `error` set when it does not parse.
bool analyse(const std::string& pattern, pattern_shape& shape, std::string& error);

} // namespace lastgram::i18n::detail
