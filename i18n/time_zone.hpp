#pragma once

/// Time zones and local times behind a plain string interface, so that ICU
/// stays inside i18n/: checking a zone a user typed, turning a Unix time
/// into the wall-clock day of a zone, and formatting times in a language.

#include <cstdint>
#include <string>
#include <string_view>

namespace lastgram::i18n {

/// ICU's canonical id of the zone `id` names ("europe/lisbon" is not one:
/// ids are case-sensitive in ICU, so the user's spelling is matched
/// case-insensitively against ICU's list first); "" when ICU knows no such
/// zone. "UTC", "Europe/Lisbon", "America/Sao_Paulo" are zones.
std::string canonical_time_zone(std::string_view id);

/// The zone a stored setting stands for: `id` when ICU knows it, else "UTC".
std::string effective_time_zone(std::string_view id);

/// The local calendar day of `unix_seconds` in `zone`, as a number that
/// grows by one a day (days since 1970-01-01 in that zone's wall clock).
std::int64_t local_day(std::int64_t unix_seconds, std::string_view zone);

/// The Unix time of midnight starting `day` (a local_day value) in `zone`.
std::int64_t day_start(std::int64_t day, std::string_view zone);

/// How `format_local` shows a time.
enum class time_style : std::uint8_t {
  /// "14:03" (in the language's clock).
  time,
  /// "Dec 2, 14:03".
  date_time,
  /// "Tuesday, December 2, 2026".
  long_date,
};

/// `unix_seconds` in `zone`, written for `lang` (ICU skeletons, so each
/// language orders and spells the parts its own way).
std::string format_local(std::string_view lang, std::int64_t unix_seconds,
                         std::string_view zone, time_style style);

} // namespace lastgram::i18n
