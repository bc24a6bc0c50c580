#include "runtime/migrate.hpp"

#include "actors/database/store.hpp"

namespace lastgram::runtime {

migrate_outcome migrate_database(const database_settings& settings) {
  migrate_outcome out;
  auto opened = database::store::open(settings);
  if (!opened) {
    out.what = opened.error().code == db_errc::unavailable ? migrate_outcome::unreachable
                                                           : migrate_outcome::failed;
    out.detail = opened.error().message;
    return out;
  }
  auto& db = *opened;
  auto applied = db.migrate();
  if (!applied) {
    out.what = applied.error().code == db_errc::unavailable ? migrate_outcome::unreachable
                                                            : migrate_outcome::failed;
    out.detail = applied.error().message;
    return out;
  }
  out.count = *applied;
  if (auto version = db.schema_version())
    out.version = *version;
  return out;
}

} // namespace lastgram::runtime
