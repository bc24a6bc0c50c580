#include "actors/command/parser.hpp"

#include "messages/model.hpp"

namespace lastgram::command {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = static_cast<char>(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

} // namespace


std::optional<parsed_command> parse(std::string_view text,
                                    std::string_view bot_name) {
  text = trim(text);
  if (text.size() < 2 || text.front() != '/')
    return std::nullopt;
  text.remove_prefix(1);
  size_t end = 0;
  while (end < text.size() && !is_space(text[end]))
    ++end;
  std::string_view head = text.substr(0, end);
  std::string_view rest = trim(text.substr(end));
  std::string_view name = head;
  if (auto at = head.find('@'); at != std::string_view::npos) {
    name = head.substr(0, at);
    auto target = head.substr(at + 1);
    if (!bot_name.empty() && !iequals(target, bot_name))
      return std::nullopt;
  }
  if (name.empty() || name.front() == '/')
    return std::nullopt;
  parsed_command out;
  out.name = to_lower_ascii(name);
  out.args = std::string{rest};
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && is_space(rest[i]))
      ++i;
    size_t j = i;
    while (j < rest.size() && !is_space(rest[j]))
      ++j;
    if (j > i)
      out.words.emplace_back(rest.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<parsed_command> parse_message(const incoming_message& msg,
                                            std::string_view bot_name) {
  auto out = parse(msg.text, bot_name);
  if (!out || !msg.has_arguments)
    return out;
  out->words.clear();
  out->args.clear();
  // One word per argument, in place: an empty one is an option left out
  // before one given (see check_arguments and paging::word_at).
  for (const auto& value : msg.arguments) {
    out->words.push_back(value);
    if (value.empty())
      continue;
    if (!out->args.empty())
      out->args += ' ';
    out->args += value;
  }
  while (!out->words.empty() && out->words.back().empty())
    out->words.pop_back();
  return out;
}

} // namespace lastgram::command
