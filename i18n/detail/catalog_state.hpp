#pragma once

// Internal to i18n/: the parsed catalog and the per-thread working copies.

#include <unicode/listformatter.h>
#include <unicode/msgfmt.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lastgram::i18n::detail {

/// Everything a catalog knows, immutable once built and shared by its copies.
struct catalog_state {
  /// Unique per loaded catalog, so thread caches never confuse two catalogs.
  std::uint64_t id = 0;
  std::size_t default_index = 0;
  /// Sorted language codes, and each language's own name.
  std::vector<std::string> languages;
  std::vector<std::string> names;
  /// The union of every locale's keys; key_index views into `keys`.
  std::vector<std::string> keys;
  std::unordered_map<std::string_view, std::size_t> key_index;
  /// Patterns at [language * keys.size() + key], empty where a locale lacks
  /// the key. Each was parsed once at load, to reject bad syntax, and then
  /// dropped: a parsed MessageFormat costs about 1.8 KB, and keeping all of
  /// them (5 languages) cost 3 MB of a node's idle memory, where a thread
  /// only ever formats the few dozen messages its commands use.
  std::vector<std::optional<std::string>> patterns;

  std::optional<std::size_t> language_index(std::string_view language) const;
  std::optional<std::size_t> key_slot(std::string_view key) const;
};

/// This thread's own copies of one catalog's formatters, made on first use.
class thread_formatters {
public:
  /// The calling thread's formatters for `state`.
  static thread_formatters& of(const std::shared_ptr<const catalog_state>& state);

  /// The pattern at `slot` (which must be present), parsed on this thread's
  /// first use of it; null only if ICU fails to parse what it parsed at load.
  icu::MessageFormat* message(std::size_t slot);

  /// The list formatter of a language ("a, b and c"), or null if ICU has none.
  icu::ListFormatter* list(std::size_t language);

  explicit thread_formatters(const std::shared_ptr<const catalog_state>& state);

  /// Whether the catalog these copies belong to is gone.
  bool expired() const noexcept {
    return owner_.expired();
  }

private:
  std::weak_ptr<const catalog_state> owner_;
  const catalog_state* state_;
  std::vector<std::unique_ptr<icu::MessageFormat>> messages_;
  std::vector<std::unique_ptr<icu::ListFormatter>> lists_;
  std::vector<bool> list_tried_;
};

} // namespace lastgram::i18n::detail
