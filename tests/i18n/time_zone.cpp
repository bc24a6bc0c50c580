// Time zones through ICU: what a user may type, local days and formatting.

#include <catch2/catch.hpp>

#include "i18n/time_zone.hpp"

using namespace lastgram::i18n;

TEST_CASE("a time zone is found in ICU's list whatever its case", "[i18n][timezone]") {
  CHECK(canonical_time_zone("Europe/Lisbon") == "Europe/Lisbon");
  CHECK(canonical_time_zone("europe/lisbon") == "Europe/Lisbon");
  CHECK(canonical_time_zone("AMERICA/SAO_PAULO") == "America/Sao_Paulo");
  CHECK(canonical_time_zone("UTC") == "UTC");
  CHECK(canonical_time_zone("Mars/Olympus").empty());
  CHECK(canonical_time_zone("").empty());
  CHECK(canonical_time_zone("Europe/Lisbon; DROP TABLE users").empty());
  CHECK(effective_time_zone("") == "UTC");
  CHECK(effective_time_zone("Nowhere") == "UTC");
  CHECK(effective_time_zone("Asia/Tokyo") == "Asia/Tokyo");
}

TEST_CASE("local days follow the zone's wall clock across daylight saving",
          "[i18n][timezone]") {
  // 2026-03-29 00:30 UTC: still the 28th in New York (UTC-4), the 29th in
  // Lisbon (which moves to UTC+1 at 01:00 UTC that day).
  const std::int64_t t = 1774744200;
  CHECK(local_day(t, "Europe/Lisbon") - local_day(t, "America/New_York") == 1);
  CHECK(local_day(t, "UTC") == t / 86400);
  auto day = local_day(t, "Europe/Lisbon");
  // Midnight of the 29th in Lisbon is 00:00 UTC (still winter time then).
  CHECK(day_start(day, "Europe/Lisbon") == 1774742400);
  // The next day starts at 23:00 UTC on the 29th (summer time, UTC+1).
  CHECK(day_start(day + 1, "Europe/Lisbon") == 1774742400 + 23 * 3600);
  CHECK(day_start(day, "Asia/Tokyo") == 1774742400 - 9 * 3600);
  CHECK(local_day(day_start(day + 1, "Europe/Lisbon"), "Europe/Lisbon") == day + 1);
  CHECK(local_day(day_start(day + 1, "Europe/Lisbon") - 1, "Europe/Lisbon") == day);
}

TEST_CASE("times are written in the reader's language and zone", "[i18n][timezone]") {
  // 2026-01-15 12:00 UTC.
  const std::int64_t t = 1768478400;
  CHECK(format_local("en", t, "UTC", time_style::time) == "12:00");
  CHECK(format_local("en", t, "Asia/Tokyo", time_style::time) == "21:00");
  CHECK(format_local("en", t, "UTC", time_style::date_time) == "Jan 15, 12:00");
  CHECK(format_local("en", t, "UTC", time_style::long_date) == "Thursday, January 15, 2026");
  CHECK(format_local("pt", t, "UTC", time_style::long_date) == "quinta-feira, 15 de janeiro de 2026");
  // An unknown stored zone reads as UTC rather than failing.
  CHECK(format_local("en", t, "Nowhere", time_style::time) == "12:00");
}
