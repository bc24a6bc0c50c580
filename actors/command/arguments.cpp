#include "actors/command/arguments.hpp"

#include <algorithm>
#include <stdexcept>

#include "actors/command/registry.hpp"
#include "actors/support/text.hpp"
#include "i18n/catalog.hpp"
#include "messages/fm.hpp"

namespace lastgram::command {

namespace {

/// An optional sign and at least one digit: what std::stoll reads whole.
bool is_number(std::string_view word) {
  if (!word.empty() && (word.front() == '-' || word.front() == '+'))
    word.remove_prefix(1);
  return !word.empty()
         && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_option_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (auto& v : values)
    out += (out.empty() ? "" : ", ") + v;
  return out;
}

/// The problem with `word` for `arg` (the index-th), if any.
std::optional<arg_problem> check_word(const arg_spec& arg, std::size_t index,
                                      const std::string& word) {
  if (arg.kind == arg_kind::number && !is_number(word))
    return arg_problem{arg_problem::reason::not_a_number, index, word};
  auto values = accepted_values(arg);
  if (values.empty())
    return std::nullopt;
  auto lower = to_lower_ascii(word);
  for (auto& v : values)
    if (to_lower_ascii(v) == lower)
      return std::nullopt;
  return arg_problem{arg_problem::reason::not_a_choice, index, word};
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<artist_and_item> split_artist_item(std::string_view text) {
  // The hyphen, the en dash and the em dash as people type them between an
  // artist and a title; only spaced ones separate.
  static constexpr std::string_view dashes[] = {"-", "\u2013", "\u2014"};
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (!is_blank(text[i - 1]))
      continue;
    for (auto dash : dashes) {
      auto end = i + dash.size();
      if (text.compare(i, dash.size(), dash) != 0 || end >= text.size() || !is_blank(text[end]))
        continue;
      auto artist = trimmed(text.substr(0, i));
      auto item = trimmed(text.substr(end));
      if (artist.empty() || item.empty())
        return std::nullopt;
      return artist_and_item{std::string{artist}, std::string{item}};
    }
  }
  return std::nullopt;
}

std::string_view to_string(arg_kind kind) noexcept {
  switch (kind) {
    case arg_kind::user: return "user";
    case arg_kind::text: return "text";
    case arg_kind::artist: return "artist";
    case arg_kind::album: return "album";
    case arg_kind::track: return "track";
    case arg_kind::period: return "period";
    case arg_kind::number: return "number";
    case arg_kind::choice: return "choice";
  }
  return "text";
}

argument::argument(std::string name, arg_kind kind) {
  spec_.name = std::move(name);
  spec_.kind = kind;
}

argument argument::choice(std::string name, std::vector<std::string> values) {
  argument out{std::move(name), arg_kind::choice};
  out.spec_.choices = std::move(values);
  return out;
}

argument argument::required() const {
  auto out = *this;
  out.spec_.required = true;
  return out;
}

argument argument::rest() const {
  auto out = *this;
  out.spec_.rest = true;
  return out;
}

argument argument::invalid_message(std::string key) const {
  auto out = *this;
  out.spec_.invalid_key = std::move(key);
  return out;
}

std::vector<std::string> period_values() {
  std::vector<std::string> out;
  for (auto p : {fm::period::overall, fm::period::seven_day, fm::period::one_month,
                 fm::period::three_month, fm::period::six_month, fm::period::twelve_month})
    out.emplace_back(fm::to_string(p));
  return out;
}

std::vector<std::string> accepted_values(const arg_spec& arg) {
  if (arg.kind == arg_kind::choice)
    return arg.choices;
  if (arg.kind == arg_kind::period)
    return period_values();
  return {};
}

std::optional<arg_problem> check_arguments(const command_spec& spec,
                                           const std::vector<std::string>& words) {
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    auto& arg = spec.args[i];
    if (i >= words.size()) {
      if (arg.required)
        return arg_problem{arg_problem::reason::missing, i, {}};
      break;
    }
    // A rest argument is text by nature: its words are not checked one by one.
    if (arg.rest)
      break;
    // Left out, with a later one given (a platform's named options).
    if (words[i].empty()) {
      if (arg.required)
        return arg_problem{arg_problem::reason::missing, i, {}};
      continue;
    }
    if (auto problem = check_word(arg, i, words[i]))
      return problem;
  }
  return std::nullopt;
}

std::string usage_error(const arg_problem& problem, const command_spec& spec,
                        const i18n::catalog& texts, std::string_view lang) {
  auto usage = usage_line(spec, texts, lang);
  if (problem.why == arg_problem::reason::missing || problem.index >= spec.args.size())
    return texts.format(lang, "command.usage", {{"usage", usage}});
  auto& arg = spec.args[problem.index];
  std::string key = !arg.invalid_key.empty() ? arg.invalid_key
                    : problem.why == arg_problem::reason::not_a_number ? "command.bad_number"
                                                                      : "command.bad_choice";
  return texts.format(lang, key,
                      {{"argument", texts.format(lang, "args." + arg.name)},
                       {"value", problem.value},
                       {"choices", joined(accepted_values(arg))},
                       {"usage", usage}});
}

std::vector<option_description> describe_options(const command_spec& spec) {
  std::vector<option_description> out;
  out.reserve(spec.args.size());
  for (auto& arg : spec.args)
    out.push_back({arg.name, "args." + arg.name, arg.kind, arg.required, accepted_values(arg)});
  return out;
}

void validate_arguments(const command_spec& spec) {
  auto refuse = [&](const std::string& why) {
    throw std::logic_error("/" + spec.name + ": " + why);
  };
  bool optional_seen = false;
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    auto& arg = spec.args[i];
    if (!is_option_name(arg.name))
      refuse("argument name \"" + arg.name + "\" is not lower-case letters, digits and _");
    if (arg.required && optional_seen)
      refuse("required argument " + arg.name + " after an optional one");
    optional_seen = optional_seen || !arg.required;
    if (arg.rest && i + 1 != spec.args.size())
      refuse("rest argument " + arg.name + " is not the last");
    if (arg.kind == arg_kind::choice && arg.choices.empty())
      refuse("choice argument " + arg.name + " has no values");
  }
}

} // namespace lastgram::command
