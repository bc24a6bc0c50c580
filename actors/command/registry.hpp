#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lastgram::command {

class context;

/// One argument of a command, for the usage line and the required check.
struct arg_spec {
  /// Translation key suffix under "args." (e.g. "username").
  std::string name;
  bool required = false;
  /// Takes the rest of the text, spaces included.
  bool rest = false;
};

/// A command: its names, arguments, guards and body.
struct command_spec {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<arg_spec> args;
  std::uint16_t guards = 0;
  /// Not listed by /help nor registered with platforms.
  bool hidden = false;
  /// The body. Runs inside the command's own actor; may throw (the engine
  /// answers with an apology and counts a restart).
  std::function<void(context&)> run;
  /// Looks the author (and replied-to user) up in the database before the
  /// run even without a user guard (e.g. /register, /lang).
  bool needs_user = false;
};

/// Every command the node knows, looked up by name or alias.
class registry {
public:
  /// Adds a command; a name or alias already taken is a programming error
  /// (std::logic_error), caught by the tests.
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

/// The usage line "/name <required> [optional]" with localized argument
/// names from `arg_name(name)`.
std::string usage_line(const command_spec& spec,
                       const std::function<std::string(std::string_view)>& arg_name);

} // namespace lastgram::command
