#pragma once

// Internal to actors/database: the connection behind `store` and the helpers
// its query files (store_*.cpp) share. The only header that exposes SOCI.

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <soci/soci.h>

#include "actors/database/store.hpp"

namespace lastgram::database {

/// Maps a SOCI error on `sql` to the code callers act on.
db_errc classify(const soci::soci_error& e, soci::session& sql);

/// The users row of the guards' read, prepared once per connection: SQLite
/// parses and plans it once, not at every command. Its values are bound by
/// reference: set `platform` and `platform_id`, execute, read the rest.
struct user_row_statement {
  std::string platform;
  std::string platform_id;
  long long id = 0;
  std::string stored_platform;
  int has_session_key = 0;
  int show_tags = 0;
  int cover_as_link = 0;
  int banned = 0;
  int crown_banned = 0;
  long long created_at = 0;
  long long indexed_through = 0;
  user_record x;
  soci::statement st;
  explicit user_row_statement(soci::session& sql); // store_users.cpp
};

/// The indexed count of one entity for one user (/ln's read), prepared once
/// per connection like user_row_statement.
struct plays_row_statement {
  long long user = 0;
  std::string kind;
  std::string name;
  std::string artist;
  long long plays = 0;
  long long counted_through = 0;
  soci::statement st;
  explicit plays_row_statement(soci::session& sql); // store_plays.cpp
};

/// The inbox's insert (every webhook and poll), prepared once per connection
/// like user_row_statement: on PostgreSQL a statement prepared at each call
/// costs a Parse and a DEALLOCATE round trip besides its execution.
struct inbox_add_statement {
  std::string platform;
  std::string update_id;
  std::string payload;
  std::string me;
  long long at = 0;
  soci::statement st;
  explicit inbox_add_statement(soci::session& sql); // store_inbox.cpp
};

/// The inbox's two marks (every answered update), kept the same way; both
/// bind the same values.
struct inbox_mark_statements {
  std::string platform;
  std::string update_id;
  long long at = 0;
  soci::statement replied;
  soci::statement done;
  explicit inbox_mark_statements(soci::session& sql); // store_inbox.cpp
};

struct store::impl {
  database_settings cfg;
  backend_kind backend = backend_kind::sqlite;
  soci::session sql;
  // After `sql`, so destroyed before it. Dropped on any error and on
  // reconnecting; prepared again on their next use.
  std::unique_ptr<user_row_statement> user_row;
  std::unique_ptr<plays_row_statement> plays_row;
  std::unique_ptr<inbox_add_statement> inbox_insert;
  std::unique_ptr<inbox_mark_statements> inbox_marks;

  void forget_statements() noexcept {
    user_row.reset();
    plays_row.reset();
    inbox_insert.reset();
    inbox_marks.reset();
  }

  explicit impl(database_settings settings) : cfg(std::move(settings)) {
    backend = cfg.url.empty() ? backend_kind::sqlite : backend_kind::postgresql;
  }

  // Runs `f` (which returns a result<T>) and turns SOCI and standard
  // exceptions into error values.
  template <class F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    using R = decltype(f());
    try {
      return f();
    } catch (const soci::soci_error& e) {
      forget_statements();
      // get_error_message, not what(): SOCI's context in what() lists the
      // bound values, session keys included, which must not reach logs.
      return R{db_error{classify(e, sql),
                        std::string{what} + ": " + e.get_error_message()}};
    } catch (const std::exception& e) {
      forget_statements();
      return R{db_error{db_errc::other, std::string{what} + ": " + e.what()}};
    }
  }

  result<void> connect();
  void configure();
};

namespace detail {

/// Runs a kept statement that found its row to its end. A SQLite statement
/// left on a row holds its read transaction open: the connection's next
/// reads would see the database as it was then, and no checkpoint could
/// pass that point. Its key is unique: the loop ends at the first step.
inline void finish(soci::statement& st) {
  while (st.fetch()) {
  }
}

inline std::int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// The platform of a stored row; a name we never write is a corrupt row.
inline platform_kind platform_from(const std::string& name) {
  for (auto p : {platform_kind::console, platform_kind::telegram,
                 platform_kind::discord})
    if (to_string(p) == name)
      return p;
  throw std::runtime_error("unknown platform in database: " + name);
}

inline db_error not_found(const char* what) {
  return db_error{db_errc::not_found, what};
}

// Runs a write and returns how many rows it touched.
template <class... Uses>
long long execute_counting(soci::session& sql, const std::string& query,
                           Uses&&... uses) {
  soci::statement st = ((sql.prepare << query), ..., std::forward<Uses>(uses));
  st.execute(true);
  return st.get_affected_rows();
}

/// Makes `user` the current holder of the crown of (group, entity) at
/// `now`, inside the caller's transaction (see store::set_crown_holder).
crown_holder_record put_crown_holder(soci::session& sql, long long group, long long entity,
                                     long long user, long long playcount, long long now);

/// A user's shown name: the display name, else the Last.fm name.
std::string shown_name(soci::session& sql, long long user);
/// The row id of a group, inserting the group when unknown.
long long ensure_group(soci::session& sql, platform_kind platform, std::string_view group_id);

/// Closes the current holding of a crown and marks it unclaimed.
void release_crown(soci::session& sql, long long crown, long long now);

} // namespace detail

} // namespace lastgram::database
