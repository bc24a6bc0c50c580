#pragma once

/// Loads lastgram::settings from config.ini, `--set section.key=value`
/// overrides and secrets (environment or a secrets file).
///
/// One schema table in config.cpp drives parsing, validation, the documented
/// config.ini (render_default_ini) and the key reference (describe_keys). The
/// INI syntax is the one CAF 0.17 reads (`[section]`, `key=value`, `;`
/// comments, "quoted" strings with \n \r \t \\ \" escapes, integers,
/// true/false, `[...]` lists), plus `#` comments, unquoted strings and CRLF
/// line endings for friendliness. Nothing is silently ignored: every unknown
/// section or key, wrong type, out-of-range value, duplicate key, key outside a
/// section and syntax error is reported, all of them, with file and line.
/// No CAF types here: the executable and the tests use it without a system.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/settings.hpp"

namespace lastgram::runtime {

/// One problem found while loading the configuration.
struct config_error {
  /// "config.ini:12", "--set server.port=abc", "env", or the secrets file
  /// ("secrets.env:3"); a file that cannot be read is named without a line.
  std::string where;
  /// Dotted key ("server.port"), "[section]" for a bad section header, a
  /// variable name for the secrets file, or empty for syntax errors.
  std::string key;
  /// What is wrong; never contains a secret value.
  std::string message;

  /// "config.ini:12: server.port: 70000 is out of range 0..65535".
  std::string to_string() const;
};

/// A valid configuration.
struct loaded_config {
  /// Every engine's settings, secrets included (telegram.token, ...), with
  /// database.path resolved to <node.data-dir>/lastgram.sqlite3 when empty.
  settings values;
  /// Every non-empty secret value, for log redaction.
  std::vector<std::string> secret_values;
  /// Secrets without a field in `settings`, by dotted key:
  /// "discord.token", "discord.public-key".
  std::map<std::string, std::string> extra_secrets;
};

/// Either a configuration or every error found (never both).
struct load_result {
  std::optional<loaded_config> config;
  std::vector<config_error> errors;
};

/// Looks up an environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view)>;

/// The process environment (std::getenv), for main(); tests inject their own.
env_lookup system_environment();

/// Loads defaults, then the INI file at `path` (empty: no file, defaults
/// only), then `overrides` ("section.key=value", as given to --set, in order;
/// lists as "a,b" or INI list syntax), then secrets from `getenv` and from the
/// file named by node.secrets-file (the environment wins; empty values count
/// as unset). Secrets in the INI file or in overrides are errors.
load_result load_config(const std::string& path, const std::vector<std::string>& overrides,
                        const env_lookup& getenv);

/// One documented key of the schema.
struct key_info {
  /// Dotted name, e.g. "server.port".
  std::string name;
  /// "integer 0..65535", "boolean", "string", "list of strings",
  /// "one of logfmt|json" or "secret".
  std::string type;
  /// The built-in default as INI text ("8080", "\"logfmt\""); empty for secrets.
  std::string default_value;
  /// One or two sentences for operators.
  std::string help;
  /// For secrets, the environment variable that sets it; otherwise empty.
  std::string env;
};

/// Every key of the schema in config.ini order, secrets included.
std::vector<key_info> config_keys();

/// `values` as a commented INI file that CAF 0.17 can also read; secrets are
/// never written, only the variables that set them.
std::string render_ini(const settings& values);

/// render_ini(settings{}): the text of the repository's config.ini.
std::string render_default_ini();

/// A plain-text reference of every key (type, range, default, help, secret
/// variables), for --help and the README.
std::string describe_keys();

} // namespace lastgram::runtime
