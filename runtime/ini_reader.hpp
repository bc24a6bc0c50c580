#pragma once

/// A reader for the INI dialect of CAF 0.17 (`[section]`, `key=value`, `;`
/// comments, "quoted" strings with \n \r \t \\ \" escapes, `[...]` lists that
/// may span lines), plus `#` comments and unquoted strings. Values stay
/// untyped: the configuration schema decides what each key must hold.
/// Internal to runtime/config.cpp; expects LF line endings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::runtime {

/// One untyped value: a bare word (integer, boolean or unquoted string), a
/// quoted string (escapes resolved) or a list.
struct ini_value {
  enum class kind : std::uint8_t { bare, quoted, list };
  kind type = kind::bare;
  std::string text;
  std::vector<ini_value> items;
};

/// A `[section]` header (header = true, key = section name) or a key=value.
struct ini_item {
  int line = 0;
  bool header = false;
  std::string key;
  ini_value value;
};

/// A line that is not valid INI.
struct ini_syntax_error {
  int line;
  std::string message;
};

/// Reads INI text (LF line endings) into items.
class ini_reader {
public:
  explicit ini_reader(std::string_view text) : text_(text) {}

  /// Reads a whole file; after a syntax error it resumes on the next line, so
  /// one run reports every broken line.
  void read_file(std::vector<ini_item>& items, std::vector<ini_syntax_error>& errors);

  /// Reads one value that must fill the whole text (for --set); returns the
  /// syntax error, if any.
  std::optional<std::string> read_single(ini_value& out);

private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void advance();
  void skip_blanks();
  void skip_line();
  void skip_list_space();
  bool fail(std::string message, int line = 0);
  bool end_of_line();
  bool read_header(ini_item& item);
  bool read_entry(ini_item& item);
  bool read_value(ini_value& out, bool in_list);
  bool read_quoted(std::string& out);
  bool read_list(ini_value& out);

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::string error_;
  int error_line_ = 0;
};

/// Longest string value or list item accepted, in bytes.
constexpr std::size_t max_value_bytes = 64 * 1024;

/// Why `v` cannot be a configuration value: a string or list item longer than
/// max_value_bytes, or not valid UTF-8 (it would reach JSON logs and /diag
/// as such). Nothing when it can. The message never quotes the value.
std::optional<std::string> value_problem(const ini_value& v);

/// `s` as a double-quoted INI string with escapes.
std::string ini_quote(std::string_view s);

} // namespace lastgram::runtime
