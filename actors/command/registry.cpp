#include "actors/command/registry.hpp"

#include <stdexcept>

#include "actors/command/guards.hpp"
#include "actors/command/parser.hpp"
#include "i18n/catalog.hpp"

namespace lastgram::command {

bool listed(const command_spec& spec) {
  return !spec.hidden && (spec.guards & guard_developer) == 0;
}

std::string description_key(const command_spec& spec) {
  return "desc." + spec.name;
}

void registry::add(command_spec spec) {
  validate_arguments(spec);
  auto ptr = std::make_shared<const command_spec>(std::move(spec));
  std::vector<std::string> keys{to_lower_ascii(ptr->name)};
  for (auto& alias : ptr->aliases)
    keys.push_back(to_lower_ascii(alias));
  for (auto& key : keys)
    if (by_name_.count(key) != 0)
      throw std::logic_error("command name taken twice: " + key);
  for (auto& key : keys)
    by_name_.emplace(key, ptr.get());
  commands_.push_back(std::move(ptr));
}

const command_spec* registry::find(std::string_view name_or_alias) const {
  auto i = by_name_.find(to_lower_ascii(name_or_alias));
  return i == by_name_.end() ? nullptr : i->second;
}

std::string usage_line(const command_spec& spec,
                       const std::function<std::string(std::string_view)>& arg_name) {
  std::string out = "/" + spec.name;
  for (auto& arg : spec.args) {
    out += ' ';
    out += arg.required ? '<' : '[';
    out += arg_name(arg.name);
    if (arg.rest)
      out += "...";
    out += arg.required ? '>' : ']';
  }
  return out;
}

std::string usage_line(const command_spec& spec, const i18n::catalog& texts,
                       std::string_view lang) {
  return usage_line(spec, [&](std::string_view name) {
    return texts.format(lang, "args." + std::string{name});
  });
}

} // namespace lastgram::command
