// Entities, play counts and who-knows lists, and the crowns built on them.

#include "actors/database/store_impl.hpp"
#include "actors/database/transaction.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace {

template <class... Uses>
std::vector<who_knows_row> fetch_listeners(soci::session& sql,
                                           const std::string& query,
                                           Uses&&... uses) {
  std::vector<who_knows_row> rows;
  long long user_id = 0;
  long long playcount = 0;
  std::string display_name;
  std::string fm_username;
  soci::statement st = ((sql.prepare << query, soci::into(user_id),
                         soci::into(display_name), soci::into(fm_username),
                         soci::into(playcount)),
                        ..., std::forward<Uses>(uses));
  st.execute();
  while (st.fetch())
    rows.push_back(who_knows_row{user_id, display_name, fm_username, playcount});
  return rows;
}

} // namespace

// -- entities and plays -------------------------------------------------------

result<std::int64_t> store::upsert_entity(entity_kind kind,
                                          std::string_view name,
                                          std::string_view artist) {
  return impl_->guard("upsert_entity", [&]() -> result<std::int64_t> {
    std::string k{to_string(kind)};
    std::string n{name};
    std::string a{kind == entity_kind::artist ? std::string_view{} : artist};
    std::string nn = normalize_name(n);
    std::string na = normalize_name(a);
    if (nn.empty())
      return db_error{db_errc::other, "upsert_entity: empty name"};
    long long id = 0;
    // The no-op DO UPDATE (instead of DO NOTHING) makes RETURNING yield the
    // existing row's id on a conflict, in both dialects.
    impl_->sql << "INSERT INTO entities (kind, name, artist_name,"
                  " normalized_name, normalized_artist)"
                  " VALUES (:k, :n, :a, :nn, :na)"
                  " ON CONFLICT (kind, normalized_name, normalized_artist)"
                  " DO UPDATE SET name = entities.name RETURNING id",
      soci::into(id), soci::use(k, "k"), soci::use(n, "n"), soci::use(a, "a"),
      soci::use(nn, "nn"), soci::use(na, "na");
    return static_cast<std::int64_t>(id);
  });
}

result<void> store::set_user_plays(std::int64_t user_id,
                                   std::int64_t entity_id,
                                   std::int64_t playcount) {
  return impl_->guard("set_user_plays", [&]() -> result<void> {
    if (playcount < 0)
      return db_error{db_errc::other, "set_user_plays: negative playcount"};
    long long u = user_id;
    long long e = entity_id;
    long long pc = playcount;
    long long now = unix_now();
    impl_->sql << "INSERT INTO user_plays (user_id, entity_id, playcount,"
                  " updated_at) VALUES (:u, :e, :pc, :now)"
                  " ON CONFLICT (user_id, entity_id) DO UPDATE SET"
                  " playcount = excluded.playcount,"
                  " updated_at = excluded.updated_at",
      soci::use(u, "u"), soci::use(e, "e"), soci::use(pc, "pc"),
      soci::use(now, "now");
    return {};
  });
}

namespace {

// Who counts as a listener: linked, not banned, at least one play.
constexpr const char* listener_filter
  = " p.playcount > 0 AND u.banned = 0 AND u.fm_username <> ''";

} // namespace

result<std::vector<who_knows_row>>
store::who_knows(std::int64_t group_id, std::int64_t entity_id,
                 std::int64_t limit) {
  return impl_->guard("who_knows", [&]() -> result<std::vector<who_knows_row>> {
    if (limit <= 0)
      return std::vector<who_knows_row>{};
    long long g = group_id;
    long long e = entity_id;
    long long lim = limit;
    std::string query
      = std::string{"SELECT u.id, u.display_name, u.fm_username, p.playcount"
                    " FROM group_members m"
                    " JOIN users u ON u.id = m.user_id"
                    " JOIN user_plays p ON p.user_id = m.user_id"
                    " AND p.entity_id = :e"
                    " WHERE m.group_id = :g AND"}
        + listener_filter + " ORDER BY p.playcount DESC, u.id ASC LIMIT :lim";
    return fetch_listeners(impl_->sql, query, soci::use(e, "e"),
                           soci::use(g, "g"), soci::use(lim, "lim"));
  });
}

result<global_who_knows_result>
store::global_who_knows(std::int64_t entity_id, std::int64_t limit) {
  return impl_->guard("global_who_knows", [&]() -> result<global_who_knows_result> {
    global_who_knows_result out;
    long long e = entity_id;
    long long lim = std::max<std::int64_t>(0, limit);
    std::string from = std::string{" FROM user_plays p"
                                   " JOIN users u ON u.id = p.user_id"
                                   " WHERE p.entity_id = :e AND"}
                       + listener_filter;
    out.rows = fetch_listeners(impl_->sql,
                               "SELECT u.id, u.display_name, u.fm_username,"
                               " p.playcount"
                                 + from
                                 + " ORDER BY p.playcount DESC, u.id ASC"
                                   " LIMIT :lim",
                               soci::use(e, "e"), soci::use(lim, "lim"));
    long long total = 0;
    impl_->sql << "SELECT COUNT(*)" + from, soci::into(total),
      soci::use(e, "e");
    out.total_listeners = total;
    return out;
  });
}

result<std::int64_t> store::count_listeners(entity_kind kind, std::string_view name,
                                            std::string_view artist) {
  return impl_->guard("count_listeners", [&]() -> result<std::int64_t> {
    std::string k{to_string(kind)};
    std::string nn = normalize_name(name);
    std::string na = kind == entity_kind::artist ? std::string{} : normalize_name(artist);
    long long total = 0;
    impl_->sql << std::string{"SELECT COUNT(*) FROM entities e"
                              " JOIN user_plays p ON p.entity_id = e.id"
                              " JOIN users u ON u.id = p.user_id"
                              " WHERE e.kind = :k AND e.normalized_name = :nn"
                              " AND e.normalized_artist = :na AND"}
                    + listener_filter,
      soci::into(total), soci::use(k, "k"), soci::use(nn, "nn"), soci::use(na, "na");
    return static_cast<std::int64_t>(total);
  });
}

// -- crowns -------------------------------------------------------------------

result<std::optional<crown_holder_record>>
store::current_crown_holder(std::int64_t group_id, std::int64_t entity_id) {
  using res = result<std::optional<crown_holder_record>>;
  return impl_->guard("current_crown_holder", [&]() -> res {
    long long g = group_id;
    long long e = entity_id;
    long long crown = 0;
    long long user = 0;
    long long playcount = 0;
    long long since = 0;
    impl_->sql << "SELECT h.crown_id, h.user_id, h.playcount, h.since"
                  " FROM crowns c JOIN crown_holders h ON h.crown_id = c.id"
                  " AND h.is_current = 1"
                  " WHERE c.group_id = :g AND c.entity_id = :e",
      soci::into(crown), soci::into(user), soci::into(playcount),
      soci::into(since), soci::use(g, "g"), soci::use(e, "e");
    if (!impl_->sql.got_data())
      return std::optional<crown_holder_record>{};
    return std::optional<crown_holder_record>{
      crown_holder_record{crown, user, playcount, since}};
  });
}

result<crown_holder_record> store::set_crown_holder(std::int64_t group_id,
                                                    std::int64_t entity_id,
                                                    std::int64_t user_id,
                                                    std::int64_t playcount) {
  return impl_->guard("set_crown_holder", [&]() -> result<crown_holder_record> {
    auto& sql = impl_->sql;
    long long g = group_id;
    long long e = entity_id;
    long long u = user_id;
    long long pc = playcount;
    // The first statement of put_crown_holder is a write, so SQLite takes
    // its write lock (waiting up to the busy timeout) before reading.
    detail::write_transaction tr{sql, impl_->backend};
    auto out = put_crown_holder(sql, g, e, u, pc, unix_now());
    tr.commit();
    return out;
  });
}

} // namespace lastgram::database
