// The one symbol liblastgram_pg.so exports (actors/database/pg_module.hpp).

#include "actors/database/pg_module.hpp"

#include <soci/soci.h>
// Needs libpq-fe.h, which the module's build puts on the include path (libpq
// is a required dependency of the module): errors are told by SQLSTATE.
#include <soci/postgresql/soci-postgresql.h>

namespace lastgram::database {

// pipe.cpp
std::unique_ptr<pg_pipe> open_pg_pipe(const std::string& conninfo,
                                      const std::vector<std::string>& setup,
                                      const std::vector<std::string>& statements);

namespace {

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

} // namespace

} // namespace lastgram::database

extern "C" __attribute__((visibility("default"))) const lastgram::database::pg_entry_points*
lastgram_pg_entry_points() {
  static const lastgram::database::pg_entry_points points{soci::factory_postgresql(),
                                                          &lastgram::database::classify_pg,
                                                          &lastgram::database::open_pg_pipe};
  return &points;
}
