#pragma once

/// A command's arguments as declared once: their kinds, the checks made
/// before a run, and the option list platforms build their menus from
/// (Discord's slash options). Pure: no actor, no I/O.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::command {

struct command_spec;

/// What an argument holds: how it is checked before the run and which kind
/// of option a platform offers for it.
enum class arg_kind : std::uint8_t {
  /// Someone on the platform (a mention; Discord's user option). Not a
  /// Last.fm username, which is text.
  user,
  /// Free text.
  text,
  /// An artist's name.
  artist,
  /// An album's name.
  album,
  /// A track's name.
  track,
  /// A Last.fm period: overall, 7day, 1month, 3month, 6month or 12month.
  period,
  /// A whole number, e.g. 12 or -3.
  number,
  /// One of the argument's `choices`, compared case-insensitively.
  choice,
};

/// "user", "text", ..., "choice".
std::string_view to_string(arg_kind kind) noexcept;

/// One argument of a command, as the usage line, /help, the checks and the
/// platforms' option lists read it. Built with `argument` (see below).
struct arg_spec {
  /// Translation key suffix under "args." (e.g. "username"): the localized
  /// name in usage lines, and the option's description.
  std::string name;
  arg_kind kind = arg_kind::text;
  bool required = false;
  /// Takes the rest of the text, spaces included; only the last argument.
  bool rest = false;
  /// The accepted values of a `choice` argument.
  std::vector<std::string> choices;
  /// The message key answered for a value that is not of the kind; empty
  /// for the generic "command.bad_number" / "command.bad_choice".
  std::string invalid_key;
};

/// Declares an argument one named property at a time:
///   argument::number("milliseconds").required()
///   argument::choice("setting", {"lang", "tags"}).invalid_message("settings.invalid")
class argument {
public:
  static argument user(std::string name) { return {std::move(name), arg_kind::user}; }
  static argument text(std::string name) { return {std::move(name), arg_kind::text}; }
  static argument artist(std::string name) { return {std::move(name), arg_kind::artist}; }
  static argument album(std::string name) { return {std::move(name), arg_kind::album}; }
  static argument track(std::string name) { return {std::move(name), arg_kind::track}; }
  static argument period(std::string name) { return {std::move(name), arg_kind::period}; }
  static argument number(std::string name) { return {std::move(name), arg_kind::number}; }
  static argument choice(std::string name, std::vector<std::string> values);

  /// The command does not run without it (usage error instead).
  argument required() const;
  /// Takes the rest of the text, spaces included.
  argument rest() const;
  /// Answers `key` (with {argument}, {value}, {choices} and {usage}) for a
  /// value that is not of the kind.
  argument invalid_message(std::string key) const;

  operator arg_spec() const { return spec_; } // NOLINT: the point of a builder

private:
  argument(std::string name, arg_kind kind);
  arg_spec spec_;
};

/// The values a `period` argument accepts, as Last.fm spells them.
std::vector<std::string> period_values();

/// The values an argument accepts: its choices, every period, or nothing
/// for kinds that take any value.
std::vector<std::string> accepted_values(const arg_spec& arg);

/// Why the words of a command do not fit its arguments.
struct arg_problem {
  enum class reason : std::uint8_t { missing, not_a_number, not_a_choice };
  reason why = reason::missing;
  /// The offending argument's index in the spec's args (for `missing`, the
  /// first one not given).
  std::size_t index = 0;
  /// The word given for it (empty for `missing`).
  std::string value;
};

/// Checks `words` against `spec`'s arguments, in order: required ones are
/// present, numbers are numbers, choices and periods are among their values.
/// Text-like kinds (user, text, artist, album, track) take anything. Words
/// past the declared arguments are left to the command.
std::optional<arg_problem> check_arguments(const command_spec& spec,
                                           const std::vector<std::string>& words);

/// The localized answer to `problem`: "command.usage" for a missing
/// argument, the argument's invalid_key or the generic bad_number /
/// bad_choice message otherwise; every one carries the usage line.
std::string usage_error(const arg_problem& problem, const command_spec& spec,
                        const i18n::catalog& texts, std::string_view lang);

/// One option of a command as a platform declares it (Discord's slash
/// command options), from the command's arguments.
struct option_description {
  /// The option's name (the argument's name: lower case, no spaces).
  std::string name;
  /// The key of its localized description ("args.<name>").
  std::string description_key;
  arg_kind kind = arg_kind::text;
  bool required = false;
  /// The values to offer: a choice's values, every period; empty otherwise.
  std::vector<std::string> choices;
};

/// The options of `spec`, in declaration order (required ones first, as
/// the registry enforces).
std::vector<option_description> describe_options(const command_spec& spec);

/// "Artist - Item" as the music lookups take it: split at the first dash
/// (-, – or —) with white space on both sides, so that a dash inside a name
/// ("Jay-Z - 99 Problems", "Sigur Rós - Ný batterí") stays in the name. Both
/// parts are trimmed; nothing when there is no such dash or a part is empty.
struct artist_and_item {
  std::string artist;
  std::string item;
};
std::optional<artist_and_item> split_artist_item(std::string_view text);

/// Throws std::logic_error for arguments a platform could not declare or a
/// parser could not split: a required argument after an optional one, a
/// rest argument that is not the last, a choice without values, a name that
/// is empty or not lower-case ASCII letters, digits and '_'.
void validate_arguments(const command_spec& spec);

} // namespace lastgram::command
