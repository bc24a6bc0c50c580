#pragma once

// Internal to actors/database: the connection behind `store` and the helpers
// its query files (store_*.cpp) share. The only header that exposes SOCI.

#include <chrono>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include <soci/soci.h>

#include "actors/database/store.hpp"

namespace lastgram::database {

/// Maps a SOCI error on `sql` to the code callers act on.
db_errc classify(const soci::soci_error& e, soci::session& sql);

struct store::impl {
  database_settings cfg;
  backend_kind backend = backend_kind::sqlite;
  soci::session sql;

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
      // get_error_message, not what(): SOCI's context in what() lists the
      // bound values, session keys included, which must not reach logs.
      return R{db_error{classify(e, sql),
                        std::string{what} + ": " + e.get_error_message()}};
    } catch (const std::exception& e) {
      return R{db_error{db_errc::other, std::string{what} + ": " + e.what()}};
    }
  }

  result<void> connect();
  void configure();
};

namespace detail {

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
