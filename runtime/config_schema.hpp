#pragma once

/// The configuration schema: one row per key (section, key, settings member,
/// range or choices, help text, secret variable). Parsing, validation, the
/// rendered config.ini and describe_keys() all read this one table.
/// Internal to runtime/config.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "messages/settings.hpp"
#include "runtime/ini_reader.hpp"

namespace lastgram::runtime {

using int_field = std::int64_t& (*)(settings&);
using bool_field = bool& (*)(settings&);
using string_field = std::string& (*)(settings&);
using list_field = std::vector<std::string>& (*)(settings&);
using level_field = log_level& (*)(settings&);
/// An enum member, read and written as the index of its word in the row's
/// `choices`.
struct choice_field {
  int (*get)(const settings&);
  void (*set)(settings&, int);
};
/// Where a key lives in `settings`; its alternative is the key's type.
using field
  = std::variant<int_field, bool_field, string_field, list_field, level_field, choice_field>;

/// Extra rule for a string, a list item or a secret's value: an error message
/// (which must not quote a secret), or nothing.
using string_check = std::optional<std::string> (*)(const std::string&);

/// One row of the schema. The default is whatever `settings{}` holds.
struct key_spec {
  std::string_view section;
  std::string_view key;
  /// Secrets without a settings member (discord.*) hold a null string_field.
  field access;
  std::string_view help;
  /// Inclusive range of integers.
  std::int64_t min = 0;
  std::int64_t max = 0;
  /// Allowed values of a string or log level; empty: any string.
  std::vector<std::string_view> choices;
  string_check check = nullptr;
  /// Non-empty for secrets: the only variable that may set the key.
  std::string_view env;

  bool secret() const { return !env.empty(); }
  std::string name() const { return std::string(section) + "." + std::string(key); }
};

/// Every key, in config.ini order.
const std::vector<key_spec>& schema();

/// The row for section.key, or nullptr.
const key_spec* find_spec(std::string_view section, std::string_view key);

/// Whether `[section]` may appear in config.ini.
bool known_section(std::string_view section);

/// "unknown section (did you mean server?)".
std::string unknown_section_message(std::string_view section);

/// "unknown key (did you mean port?)" or "unknown key; [server] has ...".
std::string unknown_key_message(std::string_view section, std::string_view key);

/// Why a secret may not be configured here; names its variable, not a value.
std::string secret_message(const key_spec& spec);

/// Checks `value` against the row and stores it in `s`; else the error.
std::optional<std::string> assign(const key_spec& spec, const ini_value& value, settings& s);

/// The row's value in `s` as INI text; empty for secrets.
std::string render_value(const key_spec& spec, settings& s);

/// "integer 0..65535", "boolean", "string", "list of strings",
/// "one of logfmt|json" or "secret".
std::string type_text(const key_spec& spec);

} // namespace lastgram::runtime
