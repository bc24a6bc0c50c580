#include "i18n/time_zone.hpp"

#include <memory>

#include <unicode/calendar.h>
#include <unicode/locid.h>
#include <unicode/smpdtfmt.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

namespace lastgram::i18n {

namespace {

constexpr std::int64_t seconds_per_day = 86400;

icu::UnicodeString to_icu(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece{s.data(), static_cast<std::int32_t>(s.size())});
}

std::string to_utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

/// The zone `id` (as stored: ICU's spelling), UTC when ICU does not know it.
std::unique_ptr<icu::TimeZone> zone_of(std::string_view id) {
  std::unique_ptr<icu::TimeZone> tz{icu::TimeZone::createTimeZone(to_icu(id))};
  if (!tz || *tz == icu::TimeZone::getUnknown())
    tz.reset(icu::TimeZone::createTimeZone("UTC"));
  return tz;
}

/// The zone's offset from UTC at `unix_seconds`, in seconds.
std::int64_t offset_at(const icu::TimeZone& zone, std::int64_t unix_seconds) {
  std::int32_t raw = 0;
  std::int32_t dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone.getOffset(static_cast<UDate>(unix_seconds) * 1000.0, false, raw, dst, status);
  return U_FAILURE(status) ? 0 : (static_cast<std::int64_t>(raw) + dst) / 1000;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

} // namespace

std::string canonical_time_zone(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return {};
  auto wanted = to_icu(id);
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::StringEnumeration> all{icu::TimeZone::createEnumeration(status)};
  if (U_FAILURE(status) || !all)
    return {};
  while (const auto* name = all->snext(status)) {
    if (U_FAILURE(status))
      return {};
    if (name->caseCompare(wanted, U_FOLD_CASE_DEFAULT) != 0)
      continue;
    icu::UnicodeString canonical;
    UBool is_system = false;
    icu::TimeZone::getCanonicalID(*name, canonical, is_system, status);
    // Keep the spelling of ICU's list ("Europe/Lisbon"): a link such as
    // "Portugal" stays what the user chose.
    return U_SUCCESS(status) && is_system ? to_utf8(*name) : std::string{};
  }
  return {};
}

std::string effective_time_zone(std::string_view id) {
  auto canonical = canonical_time_zone(id);
  return canonical.empty() ? std::string{"UTC"} : canonical;
}

std::int64_t local_day(std::int64_t unix_seconds, std::string_view zone) {
  auto tz = zone_of(zone);
  return floor_div(unix_seconds + offset_at(*tz, unix_seconds), seconds_per_day);
}

std::int64_t day_start(std::int64_t day, std::string_view zone) {
  auto tz = zone_of(zone);
  auto guess = day * seconds_per_day;
  // The offset at local midnight, found from the offset near it (twice, so a
  // day that starts right after a DST change lands on the right side).
  auto at = guess - offset_at(*tz, guess);
  return guess - offset_at(*tz, at);
}

std::string format_local(std::string_view lang, std::int64_t unix_seconds,
                         std::string_view zone, time_style style) {
  const char* skeleton = style == time_style::time        ? "Hm"
                         : style == time_style::date_time ? "MMMdHm"
                                                          : "yMMMMEEEEd";
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale{std::string{lang}.c_str()};
  std::unique_ptr<icu::DateFormat> fmt{
    icu::DateFormat::createInstanceForSkeleton(skeleton, locale, status)};
  if (U_FAILURE(status) || !fmt)
    return std::to_string(unix_seconds);
  fmt->adoptTimeZone(zone_of(zone).release());
  icu::UnicodeString out;
  fmt->format(static_cast<UDate>(unix_seconds) * 1000.0, out);
  return to_utf8(out);
}

} // namespace lastgram::i18n
