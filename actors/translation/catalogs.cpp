#include "actors/translation/catalogs.hpp"

#include <algorithm>

#include "i18n/check.hpp"

namespace lastgram::translation {

checked_catalog load_checked(const std::string& dir, std::string_view default_language) {
  checked_catalog out;
  auto loaded = i18n::catalog::load(dir, default_language);
  if (!loaded) {
    out.error = std::move(loaded.error);
    return out;
  }
  out.value = std::move(loaded.value);
  out.warnings = i18n::check(dir);
  return out;
}

std::string reload_refusal(const checked_catalog& next,
                           const std::vector<std::string>& current_languages) {
  if (!next.value)
    return next.error;
  // At start the bot runs with what it has; on a reload the old catalogs are
  // known to work, so anything short of a clean check keeps them.
  std::string out;
  auto add = [&out](const std::string& problem) {
    if (!out.empty())
      out += '\n';
    out += problem;
  };
  for (const auto& warning : next.warnings)
    add(warning);
  for (const auto& language : current_languages)
    if (!next.value->has(language))
      add(language + ": the locale file is gone; its users would fall back to "
          + next.value->default_language());
  return out;
}

} // namespace lastgram::translation
