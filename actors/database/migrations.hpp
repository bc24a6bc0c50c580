#pragma once

/// The database schema as an ordered list of versioned migrations. The store
/// applies the ones missing from the `schema_version` table, each inside its
/// own transaction. Adding a column or an index means appending a migration
/// with the next id; an applied migration is never edited. Migrations run
/// under the connection's statement timeout: a long one (an index on a big
/// table) should raise it with `{postgresql}SET LOCAL statement_timeout = 0`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
} // namespace soci

namespace lastgram::database {

/// Which SQL dialect a session speaks.
enum class backend_kind : std::uint8_t { sqlite, postgresql };

/// "sqlite" or "postgresql".
std::string_view to_string(backend_kind x) noexcept;

/// One schema step. Statements are shared by both backends; the few places
/// where the dialects differ use a token that `render_sql` expands:
///   `{pk}`: an auto-incremented 64-bit primary key
///           (SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`,
///            PostgreSQL `BIGSERIAL PRIMARY KEY`);
///   a leading `{sqlite}` or `{postgresql}`: the statement runs only on that
///           backend.
struct migration {
  /// Strictly increasing; recorded in `schema_version` once applied.
  std::int64_t id = 0;
  /// A short human name, shown in errors and in `schema_version`.
  std::string name;
  std::vector<std::string> statements;
};

/// The built-in migrations, in order. Also the test hook for the migration
/// runner: tests copy this list, append a broken migration and pass the list
/// to `store::migrate(const std::vector<migration>&)`.
std::vector<migration> all_migrations();

/// Migration 9 (actors/database/migration_crown_counters.cpp): the crown
/// counters /crownsinfo reads (`group_crown_holders`, `crowns.holder_plays`)
/// and the triggers that keep them.
migration crown_counters();

/// The statements that rebuild the crown counters from `crown_holders`
/// (every dialect's own; no tokens): migration 9's backfill, a bulk load
/// that bypassed the triggers, and tests that compare the counters the
/// triggers kept with a recount.
std::vector<std::string> crown_counter_recount();

/// Expands the dialect tokens of one statement for `backend`; an empty
/// string means "skip on this backend".
std::string render_sql(std::string_view statement, backend_kind backend);

/// The runner behind `store::migrate` (a SOCI session is only forward
/// declared here). Validates that ids increase, creates `schema_version` if
/// needed, then applies each missing migration of `list` in its own
/// transaction and returns how many ran. Throws std::invalid_argument for a
/// bad list; on a SQL failure rolls the migration back, points `*failed` at
/// it and rethrows SOCI's exception for the store to classify.
int apply_migrations(soci::session& sql, backend_kind backend,
                     const std::vector<migration>& list,
                     const migration** failed);

} // namespace lastgram::database
