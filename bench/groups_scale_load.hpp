#pragma once

// Bulk load of bench/groups_scale's world into a migrated database, around
// the store (which has no bulk path): SQLite through one transaction of
// prepared inserts with load-only pragmas, PostgreSQL through COPY with
// foreign-key triggers off for the session. Secondary indexes of user_plays
// are dropped before and rebuilt after (from their stored definitions, so
// new migrations' indexes are rebuilt too).

#include <cstdint>
#include <string>

#include "bench/groups_scale_data.hpp"

namespace lastgram::bench {

/// The group's Telegram id in the generated world.
inline constexpr const char* group_platform_id = "-1001000000001";

struct load_report {
  bool ok = false;
  std::string error;
  std::int64_t plays = 0;
  double seconds = 0;
  double index_seconds = 0;
  std::int64_t bytes = 0;
};

/// Loads into the SQLite file `path` (already migrated, no open connection).
load_report load_sqlite(const std::string& path, const scale_world& world);

/// Loads into the PostgreSQL database at `url` (already migrated, empty).
load_report load_postgres(const std::string& url, const scale_world& world);

} // namespace lastgram::bench
