#pragma once

/// Loading and checking the locale files: the pure part of the translation
/// engine, shared by the node's start (before any actor runs) and by reloads.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/catalog.hpp"

namespace lastgram::translation {

/// The locale files of one directory, loaded and checked.
struct checked_catalog {
  /// The catalogs; empty when they cannot be loaded at all.
  std::optional<i18n::catalog> value;
  /// Problems that prevent loading (unreadable files, ICU syntax, no default
  /// language), one per line.
  std::string error;
  /// What `i18n::check` finds beyond that: missing or extra keys, placeholders
  /// that differ from English, plural forms a language needs.
  std::vector<std::string> warnings;
};

/// Loads every locale of `dir` and checks it against English.
checked_catalog load_checked(const std::string& dir, std::string_view default_language);

/// Why `next` may not replace catalogs that serve `current_languages`: load
/// errors, any check warning, or a language that would disappear (its users
/// would silently fall back). Empty when the reload may go ahead.
std::string reload_refusal(const checked_catalog& next,
                           const std::vector<std::string>& current_languages);

} // namespace lastgram::translation
