#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/command/arguments.hpp"

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::command {

class context;

/// A command: its names, arguments, guards and body. Built by naming each
/// field (see commands/*.cpp); the constructor takes only the name so that
/// no positional list of flags can build one.
struct command_spec {
  explicit command_spec(std::string command_name) : name(std::move(command_name)) {}

  std::string name;
  std::vector<std::string> aliases;
  /// In order; required ones first (checked by the registry).
  std::vector<arg_spec> args;
  /// A mask of `guard` bits (guards.hpp).
  std::uint16_t guards = 0;
  /// Not listed by /help nor registered with platforms.
  bool hidden = false;
  /// Looks the author (and replied-to user) up in the database before the
  /// run even without a user guard (e.g. /register, /lang).
  bool needs_user = false;
  /// The body. Runs inside the command's own actor; may throw (the engine
  /// answers with an apology and counts a restart).
  std::function<void(context&)> run;
};

/// Whether /help, the Telegram menu and (later) Discord list the command:
/// not hidden and not for developers only.
bool listed(const command_spec& spec);

/// The key of the command's localized description, "desc.<name>".
std::string description_key(const command_spec& spec);

/// Every command the node knows, looked up by name or alias.
class registry {
public:
  /// Adds a command; a name or alias already taken, or arguments that
  /// validate_arguments refuses, are programming errors (std::logic_error),
  /// caught by the tests.
  void add(command_spec spec);
  const command_spec* find(std::string_view name_or_alias) const;
  /// Commands in registration order.
  const std::vector<std::shared_ptr<const command_spec>>& all() const {
    return commands_;
  }

private:
  std::vector<std::shared_ptr<const command_spec>> commands_;
  std::unordered_map<std::string, const command_spec*> by_name_;
};

/// The usage line "/name <required> [optional] [rest...]" with localized
/// argument names from `arg_name(name)`.
std::string usage_line(const command_spec& spec,
                       const std::function<std::string(std::string_view)>& arg_name);

/// The usage line with argument names from the "args.<name>" keys in `lang`.
std::string usage_line(const command_spec& spec, const i18n::catalog& texts,
                       std::string_view lang);

} // namespace lastgram::command
