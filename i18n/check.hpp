#pragma once

#include <string>
#include <vector>

namespace lastgram::i18n {

/// Checks the locale files of `dir` against the reference locale (`en`) and
/// returns one readable problem per line, empty when all is well:
/// unreadable or invalid JSON, a key missing from a locale or not in `en`,
/// invalid ICU MessageFormat syntax, argument names or kinds (plural,
/// number, plain...) that differ from `en`'s for the same key, an apostrophe
/// that ICU would read as a quote (before `{`, `}`, `#` or `|`), and plural
/// arguments lacking a category the language needs (Russian: one, few, many).
std::vector<std::string> check(const std::string& dir);

} // namespace lastgram::i18n
