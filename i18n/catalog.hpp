#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lastgram::i18n {

namespace detail {
struct catalog_state;
} // namespace detail

struct load_result;

/// The value of one message argument: an integer (plurals, counts), a real
/// number (`{x, number}`), or text inserted verbatim.
using arg_value = std::variant<std::int64_t, double, std::string>;

/// One named message argument, e.g. `{"count", std::int64_t{3}}` or `{"name", user}`.
///
/// Plain `int` literals pick the `std::int64_t` alternative; unsigned values
/// (`size()`) and `std::string_view` need an explicit conversion.
struct arg {
  std::string_view name;
  arg_value value;
};

/// Every locale's ICU MessageFormat patterns, checked at load.
///
/// A catalog holds one immutable snapshot of the texts, which `replace`
/// swaps atomically for another (a reload of the locale files): each const
/// call reads the snapshot once and finishes on it, so a reload never mixes
/// two versions inside one call. Copies are snapshots: a copy keeps the texts
/// it was made with, whatever later replaces them in the original; use
/// `snapshot()` to format several messages from one version. Every member may
/// be called from any thread at once. ICU's
/// MessageFormat is not safe for concurrent use (it initialises plural rules
/// and number formats lazily inside `format`), so each thread formats with its
/// own parsed copies, made on first use of a message on that thread and kept
/// in a thread-local cache: the hot path takes no lock and never re-parses,
/// and no thread holds a parsed copy of a message it never formats.
class catalog {
public:
  /// An empty catalog: `format` returns the key, `languages()` is empty.
  catalog();

  /// Reads every `<lang>.json` in `dir` (a flat object of key -> pattern) and
  /// parses every pattern (keeping the text, not the parse). Fails, listing every problem found, on unreadable
  /// or invalid JSON, non-string values, invalid ICU syntax (with locale and
  /// key), or when `default_language` has no file. Missing keys are not load
  /// errors (formatting falls back); `check()` reports them.
  static load_result load(const std::string& dir, std::string_view default_language = "en");

  /// Formats `key` in `lang`, falling back to the default language, then to
  /// the key itself (a bug `check()` and tests catch). Argument text is
  /// inserted verbatim: escaping for a platform is the caller's job.
  std::string format(std::string_view lang, std::string_view key,
                     std::initializer_list<arg> args = {}) const;

  /// Formats `key` in the first language of `langs` that has it (e.g. user
  /// language, group language), then the default language, then returns the
  /// key. Empty and unsupported entries are skipped.
  std::string format(std::initializer_list<std::string_view> langs, std::string_view key,
                     std::initializer_list<arg> args = {}) const;

  /// A duration as words in `lang`, e.g. "3 days, 4 hours, 2 minutes": the
  /// largest `max_units` non-zero units among days, hours, minutes and seconds
  /// (from the `duration.*` keys), joined with the locale's list pattern.
  /// Zero or negative durations read as "0 seconds".
  std::string format_duration(std::string_view lang, std::chrono::seconds duration,
                              int max_units = 3) const;

  /// A copy of the current texts that later `replace` calls on this catalog
  /// do not change.
  catalog snapshot() const;

  /// Swaps in `next`'s texts, atomically, for every later call on this
  /// catalog (and every holder of a reference to it); calls in progress
  /// finish on the texts they started with.
  void replace(const catalog& next);

  /// Maps a platform hint ("pt-BR", "pt_PT", "PT", "en-US") to a supported
  /// language ("pt", "en"), or "" when none fits (the caller falls back).
  std::string resolve_language(std::string_view hint) const;

  /// The supported language codes, sorted.
  std::vector<std::string> languages() const;

  /// Whether `lang` (an exact code such as "pt") is supported.
  bool has(std::string_view lang) const;

  /// The language's own name ("Português (Brasil)", "Русский") from its
  /// `language.name` key; "" for an unsupported language. A copy, since a
  /// reload may free the texts it came from.
  std::string language_name(std::string_view lang) const;

  /// The language used when a requested one lacks a message.
  std::string default_language() const;

  catalog(const catalog& other);
  catalog& operator=(const catalog& other);

private:
  explicit catalog(std::shared_ptr<const detail::catalog_state> state);

  /// The current snapshot, read once per call.
  std::shared_ptr<const detail::catalog_state> current() const;

  // Read and written only through std::atomic_load / std::atomic_store
  // (C++17's atomic shared_ptr access), so replace() may race with readers.
  std::shared_ptr<const detail::catalog_state> state_;
};

/// The outcome of `catalog::load`: a catalog, or the text of every problem.
struct load_result {
  std::optional<catalog> value;
  /// One problem per line; empty on success.
  std::string error;

  explicit operator bool() const noexcept {
    return value.has_value();
  }
};

} // namespace lastgram::i18n
