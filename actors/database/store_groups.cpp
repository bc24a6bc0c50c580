// The groups and group_members tables.

#include "actors/database/store_impl.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lastgram::database {

using namespace detail;

namespace {

constexpr const char* group_columns
  = "id, platform, platform_id, title, language, active";

std::optional<group_record> fetch_group(soci::session& sql,
                                        platform_kind platform,
                                        std::string_view platform_id) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  group_record x;
  long long id = 0;
  std::string stored_platform;
  int active = 0;
  sql << "SELECT " << group_columns
      << " FROM groups WHERE platform = :p AND platform_id = :id",
    soci::into(id), soci::into(stored_platform), soci::into(x.platform_id),
    soci::into(x.title), soci::into(x.language), soci::into(active),
    soci::use(key_platform, "p"), soci::use(key_id, "id");
  if (!sql.got_data())
    return std::nullopt;
  x.id = id;
  x.platform = platform_from(stored_platform);
  x.active = active != 0;
  return x;
}

} // namespace

result<group_record> store::upsert_group(platform_kind platform,
                                         std::string_view platform_id,
                                         std::string_view title) {
  return impl_->guard("upsert_group", [&]() -> result<group_record> {
    auto& sql = impl_->sql;
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string text{title};
    long long now = unix_now();
    sql << "INSERT INTO groups (platform, platform_id, title, created_at)"
           " VALUES (:p, :id, :t, :now) ON CONFLICT (platform, platform_id)"
           " DO UPDATE SET title = excluded.title",
      soci::use(key_platform, "p"), soci::use(key_id, "id"),
      soci::use(text, "t"), soci::use(now, "now");
    auto group = fetch_group(sql, platform, platform_id);
    if (!group)
      return not_found("upsert_group: row vanished");
    return std::move(*group);
  });
}

result<std::optional<group_record>>
store::get_group(platform_kind platform, std::string_view platform_id) {
  return impl_->guard("get_group", [&]() -> result<std::optional<group_record>> {
    return fetch_group(impl_->sql, platform, platform_id);
  });
}

result<void> store::set_group_active(platform_kind platform,
                                     std::string_view platform_id,
                                     bool active) {
  return impl_->guard("set_group_active", [&]() -> result<void> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    int value = active ? 1 : 0;
    auto n = execute_counting(impl_->sql,
                              "UPDATE groups SET active = :v"
                              " WHERE platform = :p AND platform_id = :id",
                              soci::use(value, "v"),
                              soci::use(key_platform, "p"),
                              soci::use(key_id, "id"));
    if (n == 0)
      return not_found("set_group_active: unknown group");
    return {};
  });
}

result<void> store::set_group_language(platform_kind platform,
                                       std::string_view platform_id,
                                       std::string_view language) {
  return impl_->guard("set_group_language", [&]() -> result<void> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string value{language};
    auto n = execute_counting(impl_->sql,
                              "UPDATE groups SET language = :v"
                              " WHERE platform = :p AND platform_id = :id",
                              soci::use(value, "v"),
                              soci::use(key_platform, "p"),
                              soci::use(key_id, "id"));
    if (n == 0)
      return not_found("set_group_language: unknown group");
    return {};
  });
}

result<void> store::add_group_member(std::int64_t group_id,
                                     std::int64_t user_id) {
  return impl_->guard("add_group_member", [&]() -> result<void> {
    long long g = group_id;
    long long u = user_id;
    impl_->sql << "INSERT INTO group_members (group_id, user_id)"
                  " VALUES (:g, :u) ON CONFLICT DO NOTHING",
      soci::use(g, "g"), soci::use(u, "u");
    return {};
  });
}

result<void> store::remove_group_member(std::int64_t group_id,
                                        std::int64_t user_id) {
  return impl_->guard("remove_group_member", [&]() -> result<void> {
    long long g = group_id;
    long long u = user_id;
    impl_->sql << "DELETE FROM group_members WHERE group_id = :g"
                  " AND user_id = :u",
      soci::use(g, "g"), soci::use(u, "u");
    return {};
  });
}

} // namespace lastgram::database
