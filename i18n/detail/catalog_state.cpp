#include "i18n/detail/catalog_state.hpp"

#include "i18n/detail/icu_text.hpp"

#include <algorithm>

namespace lastgram::i18n::detail {

std::optional<std::size_t> catalog_state::language_index(std::string_view language) const {
  // A handful of languages: a linear scan beats hashing here.
  for (std::size_t i = 0; i < languages.size(); ++i)
    if (languages[i] == language)
      return i;
  return std::nullopt;
}

std::optional<std::size_t> catalog_state::key_slot(std::string_view key) const {
  auto it = key_index.find(key);
  if (it == key_index.end())
    return std::nullopt;
  return it->second;
}

namespace {

struct cache_entry {
  std::uint64_t id;
  std::unique_ptr<thread_formatters> formatters;
};

// One entry per catalog this thread has formatted with; normally just one.
thread_local std::vector<cache_entry> thread_cache;

} // namespace

thread_formatters& thread_formatters::of(const std::shared_ptr<const catalog_state>& state) {
  for (auto& entry : thread_cache)
    if (entry.id == state->id)
      return *entry.formatters;
  // First use of this catalog on this thread. Drop copies belonging to
  // catalogs that no longer exist, so reloading does not grow the cache.
  thread_cache.erase(std::remove_if(thread_cache.begin(), thread_cache.end(),
                                    [](const cache_entry& entry) { return entry.formatters->expired(); }),
                     thread_cache.end());
  thread_cache.push_back({state->id, std::make_unique<thread_formatters>(state)});
  return *thread_cache.back().formatters;
}

thread_formatters::thread_formatters(const std::shared_ptr<const catalog_state>& state)
  : owner_(state),
    state_(state.get()),
    messages_(state->patterns.size()),
    lists_(state->languages.size()),
    list_tried_(state->languages.size(), false) {
  // nop
}

icu::MessageFormat* thread_formatters::message(std::size_t slot) {
  auto& parsed = messages_[slot];
  if (!parsed) {
    std::string error;
    const auto language = slot / state_->keys.size();
    parsed = compile(state_->languages[language], *state_->patterns[slot], error);
  }
  return parsed.get();
}

icu::ListFormatter* thread_formatters::list(std::size_t language) {
  if (!list_tried_[language]) {
    list_tried_[language] = true;
    UErrorCode status = U_ZERO_ERROR;
    lists_[language].reset(icu::ListFormatter::createInstance(
      icu_locale(state_->languages[language]), ULISTFMT_TYPE_UNITS, ULISTFMT_WIDTH_WIDE, status));
    if (U_FAILURE(status))
      lists_[language].reset();
  }
  return lists_[language].get();
}

} // namespace lastgram::i18n::detail
