#pragma once

/// The PostgreSQL half of the database engine: SOCI's PostgreSQL backend and
/// the SQLSTATE rules, built as its own module (liblastgram_pg.so, sources in
/// actors/database/pg/) and loaded when a node first connects to PostgreSQL.
/// libpq brings about twenty libraries (GnuTLS, Kerberos, LDAP, p11-kit, ...);
/// GnuTLS and p11-kit initialise themselves when mapped, so a node on SQLite
/// paid about 3 MB of idle memory for a backend it never used.

#include <optional>
#include <string>

#include "actors/database/pg_pipe.hpp"
#include "messages/db.hpp"

namespace soci {
class backend_factory;
class soci_error;
} // namespace soci

namespace lastgram::database {

/// What the module exports.
struct pg_entry_points {
  /// SOCI's PostgreSQL backend, for soci::session::open.
  const soci::backend_factory* factory;
  /// The class of a PostgreSQL error by its SQLSTATE (timeouts, a server
  /// gone or shutting down); nullopt when `e` is not one or no rule applies.
  std::optional<db_errc> (*classify)(const soci::soci_error& e);
  /// A non-blocking pipelined connection (pg_pipe.hpp), for the hot path.
  open_pipe_fn open_pipe;
};

/// The name of the one symbol the module exports: a function returning a
/// pointer to its pg_entry_points.
inline constexpr const char* pg_entry_symbol = "lastgram_pg_entry_points";

/// Loads the module once per process (thread-safe); later calls return the
/// same entry points. Looks in $LASTGRAM_PG_MODULE (a file), then next to the
/// executable, then in the build tree the node was built in. Throws
/// std::runtime_error, naming where it looked and dlopen's reason, when none
/// loads.
const pg_entry_points& pg_module();

/// The entry points if the module is already loaded, else null. Never loads.
const pg_entry_points* pg_module_if_loaded();

} // namespace lastgram::database
