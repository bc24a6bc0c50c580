// The users table: registration, per-user settings and session keys.

#include "actors/database/store_impl.hpp"
#include "actors/database/hot_sql.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lastgram::database {

using namespace detail;

namespace {

std::optional<user_record> fetch_user(soci::session& sql,
                                      std::unique_ptr<user_row_statement>& prepared,
                                      platform_kind platform, std::string_view platform_id) {
  if (!prepared)
    prepared = std::make_unique<user_row_statement>(sql);
  auto& q = *prepared;
  q.platform = to_string(platform);
  q.platform_id.assign(platform_id.data(), platform_id.size());
  if (!q.st.execute(true))
    return std::nullopt;
  finish(q.st);
  user_record x = q.x;
  x.id = q.id;
  x.platform = platform_from(q.stored_platform);
  x.has_session_key = q.has_session_key != 0;
  x.show_tags = q.show_tags != 0;
  x.cover_as_link = q.cover_as_link != 0;
  x.banned = q.banned != 0;
  x.crown_banned = q.crown_banned != 0;
  x.created_at = q.created_at;
  x.indexed_through = q.indexed_through;
  return x;
}

// Inserts the user if needed and sets one column. `column` is always one of
// our literals, never input.
template <class T>
void upsert_user_column(soci::session& sql, platform_kind platform,
                        std::string_view platform_id, const char* column,
                        T value) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  long long now = unix_now();
  sql << "INSERT INTO users (platform, platform_id, " << column
      << ", created_at) VALUES (:p, :id, :v, :now)"
         " ON CONFLICT (platform, platform_id) DO UPDATE SET "
      << column << " = excluded." << column,
    soci::use(key_platform, "p"), soci::use(key_id, "id"),
    soci::use(value, "v"), soci::use(now, "now");
}

} // namespace

user_row_statement::user_row_statement(soci::session& sql)
  : st((sql.prepare << hot_sql::user_row,
        soci::into(id), soci::into(stored_platform), soci::into(x.platform_id),
        soci::into(x.fm_username), soci::into(has_session_key), soci::into(x.language),
        soci::into(show_tags), soci::into(cover_as_link), soci::into(x.loved_emoji),
        soci::into(banned), soci::into(crown_banned), soci::into(x.display_name),
        soci::into(created_at), soci::into(x.time_zone), soci::into(indexed_through),
        soci::use(platform, "p"), soci::use(platform_id, "id"))) {
}

result<std::optional<user_record>>
store::get_user(platform_kind platform, std::string_view platform_id) {
  return impl_->guard("get_user", [&]() -> result<std::optional<user_record>> {
    return fetch_user(impl_->sql, impl_->user_row, platform, platform_id);
  });
}

result<user_record> store::register_user(platform_kind platform,
                                         std::string_view platform_id,
                                         std::string_view fm_username,
                                         std::string_view display_name) {
  return impl_->guard("register_user", [&]() -> result<user_record> {
    if (fm_username.empty())
      return db_error{db_errc::other, "register_user: empty fm_username"};
    auto& sql = impl_->sql;
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string fm{fm_username};
    std::string name{display_name};
    long long now = unix_now();
    // A session key belongs to one Last.fm account: linking another account
    // forgets it. An empty display name keeps the known one.
    sql << "INSERT INTO users (platform, platform_id, fm_username, display_name,"
           " created_at) VALUES (:p, :id, :fm, :name, :now)"
           " ON CONFLICT (platform, platform_id) DO UPDATE SET"
           " session_key = CASE WHEN users.fm_username = excluded.fm_username"
           " THEN users.session_key ELSE '' END,"
           " fm_username = excluded.fm_username,"
           " display_name = CASE WHEN excluded.display_name = ''"
           " THEN users.display_name ELSE excluded.display_name END",
      soci::use(key_platform, "p"), soci::use(key_id, "id"),
      soci::use(fm, "fm"), soci::use(name, "name"), soci::use(now, "now");
    auto user = fetch_user(impl_->sql, impl_->user_row, platform, platform_id);
    if (!user)
      return not_found("register_user: row vanished");
    return std::move(*user);
  });
}

result<void> store::unregister_user(platform_kind platform,
                                    std::string_view platform_id) {
  return impl_->guard("unregister_user", [&]() -> result<void> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    auto n = execute_counting(impl_->sql,
                              "DELETE FROM users WHERE platform = :p"
                              " AND platform_id = :id",
                              soci::use(key_platform, "p"),
                              soci::use(key_id, "id"));
    if (n == 0)
      return not_found("unregister_user: unknown user");
    return {};
  });
}

result<void> store::upsert_display_name(platform_kind platform,
                                        std::string_view platform_id,
                                        std::string_view display_name) {
  return impl_->guard("upsert_display_name", [&]() -> result<void> {
    upsert_user_column(impl_->sql, platform, platform_id, "display_name",
                       std::string{display_name});
    return {};
  });
}

result<void> store::upsert_user_language(platform_kind platform,
                                         std::string_view platform_id,
                                         std::string_view language) {
  return impl_->guard("upsert_user_language", [&]() -> result<void> {
    upsert_user_column(impl_->sql, platform, platform_id, "language",
                       std::string{language});
    return {};
  });
}

namespace {

result<void> update_session_key(soci::session& sql, platform_kind platform,
                                std::string_view platform_id,
                                std::string key) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  auto n = execute_counting(sql,
                            "UPDATE users SET session_key = :k"
                            " WHERE platform = :p AND platform_id = :id",
                            soci::use(key, "k"), soci::use(key_platform, "p"),
                            soci::use(key_id, "id"));
  if (n == 0)
    return not_found("session key: unknown user");
  return {};
}

} // namespace

result<void> store::set_session_key(platform_kind platform,
                                    std::string_view platform_id,
                                    std::string_view session_key) {
  return impl_->guard("set_session_key", [&] {
    return update_session_key(impl_->sql, platform, platform_id,
                              std::string{session_key});
  });
}

result<std::string> store::get_session_key(platform_kind platform,
                                           std::string_view platform_id) {
  return impl_->guard("get_session_key", [&]() -> result<std::string> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string key;
    impl_->sql << "SELECT session_key FROM users"
                  " WHERE platform = :p AND platform_id = :id",
      soci::into(key), soci::use(key_platform, "p"), soci::use(key_id, "id");
    if (!impl_->sql.got_data())
      return not_found("get_session_key: unknown user");
    return key;
  });
}

result<void> store::clear_session_key(platform_kind platform,
                                      std::string_view platform_id) {
  return impl_->guard("clear_session_key", [&] {
    return update_session_key(impl_->sql, platform, platform_id, {});
  });
}

#define LASTGRAM_USER_SETTER(fn, column, type, expr)                           \
  result<void> store::fn(platform_kind platform, std::string_view platform_id, \
                         type value) {                                         \
    return impl_->guard(#fn, [&]() -> result<void> {                           \
      upsert_user_column(impl_->sql, platform, platform_id, column, expr);     \
      return {};                                                               \
    });                                                                        \
  }

LASTGRAM_USER_SETTER(set_show_tags, "show_tags", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_cover_as_link, "cover_as_link", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_loved_emoji, "loved_emoji", std::string_view,
                     std::string{value})
LASTGRAM_USER_SETTER(set_time_zone, "time_zone", std::string_view,
                     std::string{value})
LASTGRAM_USER_SETTER(set_banned, "banned", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_crown_banned, "crown_banned", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_private_mode, "private_mode", bool, value ? 1 : 0)

#undef LASTGRAM_USER_SETTER

} // namespace lastgram::database
