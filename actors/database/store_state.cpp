// Platform state (e.g. Telegram's polling offset) and chat reachability.

#include "actors/database/store_impl.hpp"

#include <string>
#include <string_view>

namespace lastgram::database {

using namespace detail;

result<std::string> store::get_state(std::string_view name) {
  return impl_->guard("get_state", [&]() -> result<std::string> {
    std::string key{name};
    std::string value;
    soci::indicator ind = soci::i_null;
    impl_->sql << "SELECT value FROM platform_state WHERE name = :n",
      soci::use(key, "n"), soci::into(value, ind);
    if (!impl_->sql.got_data() || ind != soci::i_ok)
      return std::string{};
    return value;
  });
}

result<void> store::put_state(std::string_view name, std::string_view value) {
  return impl_->guard("put_state", [&]() -> result<void> {
    std::string key{name};
    std::string text{value};
    long long now = unix_now();
    impl_->sql << "INSERT INTO platform_state (name, value, updated_at)"
                  " VALUES (:n, :v, :now) ON CONFLICT (name)"
                  " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      soci::use(key, "n"), soci::use(text, "v"), soci::use(now, "now");
    return {};
  });
}

result<void> store::set_chat_reachable(platform_kind platform,
                                       std::string_view chat_id, chat_kind kind,
                                       bool reachable) {
  return impl_->guard("set_chat_reachable", [&]() -> result<void> {
    auto& sql = impl_->sql;
    std::string key_platform{to_string(platform)};
    std::string key_id{chat_id};
    int value = reachable ? 1 : 0;
    if (kind == chat_kind::group) {
      long long now = unix_now();
      sql << "INSERT INTO groups (platform, platform_id, active, created_at)"
             " VALUES (:p, :id, :v, :now) ON CONFLICT (platform, platform_id)"
             " DO UPDATE SET active = excluded.active",
        soci::use(key_platform, "p"), soci::use(key_id, "id"),
        soci::use(value, "v"), soci::use(now, "now");
      return {};
    }
    sql << "UPDATE users SET reachable = :v WHERE platform = :p AND platform_id = :id",
      soci::use(value, "v"), soci::use(key_platform, "p"), soci::use(key_id, "id");
    return {};
  });
}

} // namespace lastgram::database
