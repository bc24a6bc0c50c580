#include "i18n/catalog.hpp"

#include "i18n/detail/catalog_state.hpp"
#include "i18n/detail/icu_text.hpp"
#include "i18n/detail/locale_files.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>

namespace lastgram::i18n {

using detail::catalog_state;

namespace {

std::atomic<std::uint64_t> next_catalog_id{1};

// Pointers to at most this many arguments stay on the stack while formatting.
constexpr std::size_t inline_args = 8;

icu::Formattable to_formattable(const arg_value& value) {
  if (auto integer = std::get_if<std::int64_t>(&value))
    return icu::Formattable(*integer);
  if (auto real = std::get_if<double>(&value))
    return icu::Formattable(*real);
  return icu::Formattable(detail::from_utf8(std::get<std::string>(value)));
}

// Formats one prototype slot on this thread's copy; false if ICU fails.
bool format_slot(const std::shared_ptr<const catalog_state>& state, std::size_t slot,
                 std::initializer_list<arg> args, std::string& out) {
  std::array<icu::UnicodeString, inline_args> names_small;
  std::array<icu::Formattable, inline_args> values_small;
  std::vector<icu::UnicodeString> names_large;
  std::vector<icu::Formattable> values_large;
  icu::UnicodeString* names = names_small.data();
  icu::Formattable* values = values_small.data();
  if (args.size() > inline_args) {
    names_large.resize(args.size());
    values_large.resize(args.size());
    names = names_large.data();
    values = values_large.data();
  }
  std::size_t i = 0;
  for (const auto& a : args) {
    names[i] = detail::from_utf8(a.name);
    values[i] = to_formattable(a.value);
    ++i;
  }
  auto* message = detail::thread_formatters::of(state).message(slot);
  if (!message)
    return false;
  icu::UnicodeString result;
  UErrorCode status = U_ZERO_ERROR;
  message->format(names, values, static_cast<std::int32_t>(args.size()), result, status);
  if (U_FAILURE(status))
    return false;
  out = detail::to_utf8(result);
  return true;
}

// Parses every message, to reject bad syntax at load; returns the state or
// fills `problems`.
std::shared_ptr<catalog_state> build(std::vector<detail::locale_file> files,
                                     std::string_view default_language,
                                     std::vector<std::string>& problems) {
  auto state = std::make_shared<catalog_state>();
  state->id = next_catalog_id.fetch_add(1);
  for (const auto& file : files) {
    state->languages.push_back(file.language);
    for (const auto& message : file.messages)
      state->keys.push_back(message.first);
  }
  std::sort(state->keys.begin(), state->keys.end());
  state->keys.erase(std::unique(state->keys.begin(), state->keys.end()), state->keys.end());
  // `keys` is final from here on, so the views below stay valid.
  for (std::size_t k = 0; k < state->keys.size(); ++k)
    state->key_index.emplace(state->keys[k], k);
  auto default_index = state->language_index(default_language);
  if (!default_index)
    problems.push_back("the default language '" + std::string(default_language)
                       + "' has no locale file");
  else
    state->default_index = *default_index;
  const auto key_count = state->keys.size();
  state->patterns.resize(files.size() * key_count);
  for (std::size_t l = 0; l < files.size(); ++l) {
    for (auto& [key, pattern] : files[l].messages) {
      std::string error;
      if (!detail::compile(files[l].language, pattern, error)) {
        problems.push_back(files[l].language + ".json: key '" + key
                           + "': invalid ICU MessageFormat syntax: " + error);
        continue;
      }
      state->patterns[l * key_count + state->key_index.at(key)] = std::move(pattern);
    }
  }
  return state;
}

} // namespace

catalog::catalog() : state_(std::make_shared<catalog_state>()) {
  // nop
}

catalog::catalog(std::shared_ptr<const catalog_state> state) : state_(std::move(state)) {
  // nop
}

catalog::catalog(const catalog& other) : state_(other.current()) {
  // nop
}

catalog& catalog::operator=(const catalog& other) {
  if (this != &other)
    std::atomic_store(&state_, other.current());
  return *this;
}

std::shared_ptr<const catalog_state> catalog::current() const {
  return std::atomic_load(&state_);
}

catalog catalog::snapshot() const {
  return catalog{current()};
}

void catalog::replace(const catalog& next) {
  std::atomic_store(&state_, next.current());
}

load_result catalog::load(const std::string& dir, std::string_view default_language) {
  auto read = detail::read_locale_dir(dir);
  auto problems = std::move(read.problems);
  auto state = build(std::move(read.files), default_language, problems);
  if (!problems.empty()) {
    load_result failed;
    failed.error = "cannot load translations from " + dir + ":";
    for (const auto& problem : problems)
      failed.error += "\n  " + problem;
    return failed;
  }
  // Each language's own name, formatted once here rather than on every
  // language menu; a locale without one is named by its code.
  const std::shared_ptr<const catalog_state> shared = state;
  const auto name_slot = state->key_slot("language.name");
  for (std::size_t l = 0; l < state->languages.size(); ++l) {
    std::string name;
    if (!name_slot || !state->patterns[l * state->keys.size() + *name_slot]
        || !format_slot(shared, l * state->keys.size() + *name_slot, {}, name))
      name = state->languages[l];
    state->names.push_back(std::move(name));
  }
  catalog result{shared};
  return load_result{std::move(result), {}};
}

std::string catalog::format(std::string_view lang, std::string_view key,
                            std::initializer_list<arg> args) const {
  return format({lang}, key, args);
}

std::string catalog::format(std::initializer_list<std::string_view> langs, std::string_view key,
                            std::initializer_list<arg> args) const {
  const auto snapshot = current();
  const auto& state = *snapshot;
  auto key_slot = state.key_slot(key);
  if (!key_slot)
    return std::string(key);
  const auto key_count = state.keys.size();
  std::string out;
  auto try_language = [&](std::size_t language) {
    auto slot = language * key_count + *key_slot;
    return state.patterns[slot] && format_slot(snapshot, slot, args, out);
  };
  for (auto lang : langs) {
    if (lang.empty())
      continue;
    if (auto language = state.language_index(lang); language && try_language(*language))
      return out;
  }
  if (!state.languages.empty() && try_language(state.default_index))
    return out;
  return std::string(key);
}

std::string catalog::format_duration(std::string_view lang, std::chrono::seconds duration,
                                     int max_units) const {
  static constexpr std::array<std::pair<std::int64_t, std::string_view>, 4> units{{
    {86400, "duration.days"},
    {3600, "duration.hours"},
    {60, "duration.minutes"},
    {1, "duration.seconds"},
  }};
  // One snapshot for the units and the list pattern alike.
  const catalog texts = snapshot();
  const auto state = texts.current();
  auto remaining = std::max<std::int64_t>(duration.count(), 0);
  // The precision follows the largest unit: "2 days, 3 hours, 5 minutes"
  // leaves out the seconds, and zero units inside that window are skipped.
  std::vector<icu::UnicodeString> parts;
  int window = 0;
  for (const auto& [size, key] : units) {
    auto amount = remaining / size;
    remaining %= size;
    if (window == 0 && amount == 0)
      continue;
    if (window++ >= std::max(max_units, 1))
      break;
    if (amount != 0)
      parts.push_back(detail::from_utf8(texts.format(lang, key, {{"count", amount}})));
  }
  if (parts.empty())
    return texts.format(lang, "duration.seconds", {{"count", std::int64_t{0}}});
  auto language = state->language_index(lang);
  if (!language && !state->languages.empty())
    language = state->default_index;
  icu::ListFormatter* list =
    language ? detail::thread_formatters::of(state).list(*language) : nullptr;
  icu::UnicodeString joined;
  UErrorCode status = U_ZERO_ERROR;
  if (list)
    list->format(parts.data(), static_cast<std::int32_t>(parts.size()), joined, status);
  if (!list || U_FAILURE(status)) {
    // ICU always has list data for our locales; commas are a safe fallback.
    joined.remove();
    for (std::size_t i = 0; i < parts.size(); ++i)
      joined.append(i == 0 ? u"" : u", ").append(parts[i]);
  }
  return detail::to_utf8(joined);
}

std::string catalog::resolve_language(std::string_view hint) const {
  std::string tag;
  for (char c : hint) {
    if (c == '_')
      c = '-';
    if (!std::isspace(static_cast<unsigned char>(c)))
      tag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (tag.empty())
    return {};
  // A full tag wins ("zh-hant"), then the primary language ("pt-pt" -> "pt").
  if (has(tag))
    return tag;
  auto primary = tag.substr(0, tag.find('-'));
  if (has(primary))
    return primary;
  return {};
}

std::vector<std::string> catalog::languages() const {
  return current()->languages;
}

bool catalog::has(std::string_view lang) const {
  return current()->language_index(lang).has_value();
}

std::string catalog::language_name(std::string_view lang) const {
  const auto state = current();
  auto language = state->language_index(lang);
  if (!language || *language >= state->names.size())
    return {};
  return state->names[*language];
}

std::string catalog::default_language() const {
  const auto state = current();
  if (state->languages.empty())
    return {};
  return state->languages[state->default_index];
}

} // namespace lastgram::i18n
