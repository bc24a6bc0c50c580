// The one symbol liblastgram_pg.so exports (actors/database/pg_module.hpp).

#include "actors/database/pg_module.hpp"

#include <soci/soci.h>
// SOCI's PostgreSQL header needs libpq-fe.h on the include path (Debian keeps
// it in /usr/include/postgresql; the module's build adds it). Without it,
// errors are classified by SOCI's category and the server's message instead
// of the exact SQLSTATE.
#if __has_include(<libpq-fe.h>)
#  include <soci/postgresql/soci-postgresql.h>
#  define LASTGRAM_HAVE_PG_SQLSTATE 1
#else
namespace soci {
// The backend's C entry point; declared here because its header cannot be
// included.
extern "C" backend_factory const* factory_postgresql();
} // namespace soci
#endif

namespace lastgram::database {

namespace {

#ifdef LASTGRAM_HAVE_PG_SQLSTATE
std::optional<db_errc> classify_pg(const soci::soci_error& e) {
  auto pg = dynamic_cast<const soci::postgresql_soci_error*>(&e);
  if (pg == nullptr)
    return std::nullopt;
  auto state = pg->sqlstate();
  if (state == "57014" || state == "55P03") // statement / lock timeout
    return db_errc::timeout;
  // 08: connection exception; 57P01..03: the server is shutting down or not
  // accepting connections yet.
  if (state.compare(0, 2, "08") == 0 || state.compare(0, 3, "57P") == 0)
    return db_errc::unavailable;
  return std::nullopt;
}
#else
std::optional<db_errc> classify_pg(const soci::soci_error& e) {
  // The English server text; other server locales fall through to `other`.
  auto msg = e.get_error_message();
  if (msg.find("statement timeout") != std::string::npos
      || msg.find("lock timeout") != std::string::npos)
    return db_errc::timeout;
  return std::nullopt;
}
#endif

} // namespace

} // namespace lastgram::database

extern "C" __attribute__((visibility("default"))) const lastgram::database::pg_entry_points*
lastgram_pg_entry_points() {
  static const lastgram::database::pg_entry_points points{soci::factory_postgresql(),
                                                          &lastgram::database::classify_pg};
  return &points;
}
