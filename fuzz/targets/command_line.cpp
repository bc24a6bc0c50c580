// The command engine's reading of a message text: the command line parser,
// then the typed argument checks and the localized usage errors they lead to.

#include "fuzz/targets.hpp"

#include <vector>

#include "actors/command/arguments.hpp"
#include "actors/command/parser.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"

namespace lastgram::fuzz {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool has_space(std::string_view s) {
  for (char c : s)
    if (is_space(c))
      return true;
  return false;
}

// Commands declared the way the real ones are, one per argument kind.
const std::vector<command::command_spec>& specs() {
  static const std::vector<command::command_spec> all = [] {
    using command::argument;
    std::vector<command::command_spec> out;
    command::command_spec timed("timed");
    timed.args = {argument::number("milliseconds").required(),
                  argument::choice("setting", {"lang", "tags"}).invalid_message("settings.invalid"),
                  argument::period("period")};
    out.push_back(timed);
    command::command_spec search("search");
    search.args = {argument::user("username"), argument::text("value").rest()};
    out.push_back(search);
    command::command_spec music("music");
    music.args = {argument::artist("value").required(), argument::album("action"),
                  argument::track("command")};
    out.push_back(music);
    for (const auto& spec : out)
      command::validate_arguments(spec);
    return out;
  }();
  return all;
}

void check_parsed(const command::parsed_command& cmd) {
  require(!cmd.name.empty() && !has_space(cmd.name), "command_line", "a bad command name");
  for (char c : cmd.name)
    require(c < 'A' || c > 'Z', "command_line", "a command name not lower-cased");
  require(cmd.args.empty() || (!is_space(cmd.args.front()) && !is_space(cmd.args.back())),
          "command_line", "arguments not trimmed");
  for (const auto& word : cmd.words)
    require(!word.empty() && !has_space(word), "command_line", "a word with white space");
}

} // namespace

void fuzz_command_line(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void) command::parse(text, "");
  auto cmd = command::parse(text, "lastgram");
  if (!cmd)
    return;
  check_parsed(*cmd);
  const auto& texts = locale_catalog();
  for (const auto& spec : specs()) {
    auto problem = command::check_arguments(spec, cmd->words);
    if (!problem)
      continue;
    require(problem->index < spec.args.size(), "command_line", "a problem with no argument");
    for (std::string_view lang : {"en", "ru"}) {
      auto answer = command::usage_error(*problem, spec, texts, lang);
      require(!answer.empty(), "command_line", "an empty usage error");
      if (valid_utf8(text))
        require(valid_utf8(answer), "command_line", "a usage error that is not UTF-8");
    }
  }
}

} // namespace lastgram::fuzz
