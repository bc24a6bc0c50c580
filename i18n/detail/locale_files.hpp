#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lastgram::i18n::detail {

/// One locale file's messages, in file order.
struct locale_file {
  /// The file name without `.json`, e.g. "pt".
  std::string language;
  std::vector<std::pair<std::string, std::string>> messages;
};

/// Every readable locale file of a directory, and why the others were not.
struct locale_dir {
  /// Sorted by language.
  std::vector<locale_file> files;
  std::vector<std::string> problems;
};

/// Reads every `*.json` file of `dir` as a flat object of string values.
/// A file with any problem (invalid JSON or UTF-8, a non-object root, a
/// non-string value, a duplicate key, a malformed language code as its name)
/// is reported and left out.
locale_dir read_locale_dir(const std::string& dir);

} // namespace lastgram::i18n::detail
