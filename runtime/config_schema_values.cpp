// Reading the schema: finding a key, the messages for unknown sections and
// keys, assigning a value from the file to the settings and rendering it
// back (config.ini, `lastgram config show`). The keys themselves are in
// config_schema.cpp.

#include "runtime/config_schema.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace lastgram::runtime {

using sv = std::string_view;

namespace {

/// Sections CAF reads from the same file. Only keys in the schema are
/// accepted there; the rest are refused until lastgram needs them.
constexpr std::string_view caf_sections[] = {"scheduler", "middleman", "openssl"};

} // namespace

const key_spec* find_spec(sv section, sv key) {
  for (const auto& spec : schema())
    if (spec.section == section && spec.key == key)
      return &spec;
  return nullptr;
}

bool known_section(sv section) {
  auto& t = schema();
  return std::any_of(t.begin(), t.end(), [&](const key_spec& s) { return s.section == section; })
         || std::find(std::begin(caf_sections), std::end(caf_sections), section)
              != std::end(caf_sections);
}

namespace {

std::size_t edit_distance(sv a, sv b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      auto up = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1]))
                  == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// " (did you mean x?)" for the closest candidate within two edits.
std::string suggestion(sv wrong, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 3;
  for (const auto& c : candidates)
    if (auto d = edit_distance(wrong, c); d < best_distance) {
      best = &c;
      best_distance = d;
    }
  return best ? " (did you mean " + *best + "?)" : "";
}

} // namespace

std::string unknown_section_message(sv section) {
  std::vector<std::string> names;
  for (const auto& spec : schema())
    if (names.empty() || names.back() != spec.section)
      names.emplace_back(spec.section);
  return "unknown section" + suggestion(section, names);
}

std::string unknown_key_message(sv section, sv key) {
  std::vector<std::string> names;
  std::string listed;
  for (const auto& spec : schema())
    if (spec.section == section && !spec.secret()) {
      names.emplace_back(spec.key);
      listed += (listed.empty() ? "" : ", ") + std::string(spec.key);
    }
  if (listed.empty())
    return "unknown key; lastgram reads no keys of [" + std::string(section) + "] yet";
  auto hint = suggestion(key, names);
  return "unknown key" + (hint.empty() ? "; [" + std::string(section) + "] has " + listed : hint);
}

std::string secret_message(const key_spec& spec) {
  return "is a secret and is never read from configuration; set " + std::string(spec.env)
         + " in the environment or in node.secrets-file instead";
}

namespace {

std::string show(const ini_value& v) {
  switch (v.type) {
    case ini_value::kind::bare: return v.text;
    case ini_value::kind::quoted: return ini_quote(v.text);
    case ini_value::kind::list: break;
  }
  return "a list";
}

std::string join(const std::vector<sv>& xs, sv sep) {
  std::string out;
  for (auto x : xs)
    out += (out.empty() ? "" : std::string(sep)) + std::string(x);
  return out;
}

using maybe_error = std::optional<std::string>;

maybe_error expect_scalar(const ini_value& v, sv what) {
  if (v.type == ini_value::kind::list)
    return "expected " + std::string(what) + ", got a list";
  return std::nullopt;
}

maybe_error set_field(const key_spec& spec, int_field f, const ini_value& v, settings& s) {
  if (auto e = expect_scalar(v, "an integer"))
    return e;
  if (v.type == ini_value::kind::quoted)
    return show(v) + " is a string; write the integer without quotes";
  sv digits = v.text;
  if (!digits.empty() && digits.front() == '+')
    digits.remove_prefix(1);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  bool all = !digits.empty() && end == digits.data() + digits.size();
  if (!all || (ec != std::errc{} && ec != std::errc::result_out_of_range))
    return v.text + " is not an integer";
  auto range = std::to_string(spec.min) + ".." + std::to_string(spec.max);
  if (ec == std::errc::result_out_of_range || n < spec.min || n > spec.max)
    return v.text + " is out of range " + range;
  f(s) = n;
  return std::nullopt;
}

maybe_error set_field(const key_spec&, bool_field f, const ini_value& v, settings& s) {
  if (auto e = expect_scalar(v, "true or false"))
    return e;
  if (v.type == ini_value::kind::bare && (v.text == "true" || v.text == "false")) {
    f(s) = v.text == "true";
    return std::nullopt;
  }
  return show(v) + " is not a boolean (true or false, without quotes)";
}

maybe_error check_choice(const key_spec& spec, const ini_value& v) {
  if (!spec.choices.empty()
      && std::find(spec.choices.begin(), spec.choices.end(), v.text) == spec.choices.end())
    return show(v) + " is not one of " + join(spec.choices, "|");
  if (spec.check)
    if (auto e = spec.check(v.text))
      return e->front() == '"' ? *e : show(v) + " " + *e;
  return std::nullopt;
}

maybe_error set_field(const key_spec& spec, string_field f, const ini_value& v, settings& s) {
  if (auto e = expect_scalar(v, "a string"))
    return e;
  if (auto e = check_choice(spec, v))
    return e;
  f(s) = v.text;
  return std::nullopt;
}

maybe_error set_field(const key_spec& spec, level_field f, const ini_value& v, settings& s) {
  if (auto e = expect_scalar(v, "a log level"))
    return e;
  if (auto e = check_choice(spec, v))
    return e;
  auto at = std::find(spec.choices.begin(), spec.choices.end(), v.text) - spec.choices.begin();
  f(s) = static_cast<log_level>(at);
  return std::nullopt;
}

maybe_error set_field(const key_spec& spec, choice_field f, const ini_value& v, settings& s) {
  if (auto e = expect_scalar(v, "a string"))
    return e;
  if (auto e = check_choice(spec, v))
    return e;
  f.set(s, static_cast<int>(std::find(spec.choices.begin(), spec.choices.end(), v.text)
                            - spec.choices.begin()));
  return std::nullopt;
}

maybe_error set_field(const key_spec& spec, list_field f, const ini_value& v, settings& s) {
  if (v.type != ini_value::kind::list)
    return "expected a list like [\"a\", \"b\"], got " + show(v);
  std::vector<std::string> items;
  for (const auto& item : v.items) {
    if (item.type == ini_value::kind::list)
      return std::string("nested lists are not supported");
    if (spec.check)
      if (auto e = spec.check(item.text))
        return e;
    items.push_back(item.text);
  }
  f(s) = std::move(items);
  return std::nullopt;
}

} // namespace

std::optional<std::string> assign(const key_spec& spec, const ini_value& v, settings& s) {
  return std::visit([&](auto f) { return set_field(spec, f, v, s); }, spec.access);
}

std::string render_value(const key_spec& spec, settings& s) {
  struct renderer {
    settings& s;
    const key_spec& spec;
    std::string operator()(choice_field f) const {
      return ini_quote(std::string{spec.choices.at(static_cast<std::size_t>(f.get(s)))});
    }
    std::string operator()(int_field f) const { return std::to_string(f(s)); }
    std::string operator()(bool_field f) const { return f(s) ? "true" : "false"; }
    std::string operator()(string_field f) const { return f ? ini_quote(f(s)) : std::string(); }
    std::string operator()(level_field f) const {
      return ini_quote(std::string{spec.choices.at(static_cast<std::size_t>(f(s)))});
    }
    std::string operator()(list_field f) const {
      std::string out;
      for (const auto& item : f(s))
        out += (out.empty() ? "" : ", ") + ini_quote(item);
      return "[" + out + "]";
    }
  };
  return spec.secret() ? std::string() : std::visit(renderer{s, spec}, spec.access);
}

std::string type_text(const key_spec& spec) {
  if (spec.secret())
    return "secret";
  if (!spec.choices.empty())
    return "one of " + join(spec.choices, "|");
  switch (spec.access.index()) {
    case 0: return "integer " + std::to_string(spec.min) + ".." + std::to_string(spec.max);
    case 1: return "boolean";
    case 3: return "list of strings";
    default: return "string";
  }
}

} // namespace lastgram::runtime
