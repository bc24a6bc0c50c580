// Crown moderation (taking a user's crowns in a group from them) and a
// group's own settings (language, crowns per kind, threshold).

#include "actors/database/store_impl.hpp"
#include "actors/database/transaction.hpp"

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace {

struct held_crown {
  long long crown = 0;
  long long entity = 0;
};

// The next holder of (group, entity) once `without` lost it: the top
// eligible member past the threshold; 0 when nobody qualifies.
std::pair<long long, long long> next_holder(soci::session& sql, long long g, long long e,
                                            long long without, long long threshold) {
  long long user = 0, plays = 0;
  sql << "SELECT u.id, p.playcount FROM group_members m JOIN users u ON u.id = m.user_id"
         " JOIN user_plays p ON p.user_id = m.user_id AND p.entity_id = :e"
         " WHERE m.group_id = :g AND p.playcount >= :th AND u.banned = 0"
         " AND u.crown_banned = 0 AND u.fm_username <> '' AND u.id <> :w"
         " ORDER BY p.playcount DESC, u.id ASC LIMIT 1",
    soci::into(user), soci::into(plays), soci::use(e, "e"), soci::use(g, "g"),
    soci::use(threshold, "th"), soci::use(without, "w");
  if (!sql.got_data())
    return {0, 0};
  return {user, plays};
}

std::vector<held_crown> crowns_held(soci::session& sql, long long g, long long u) {
  std::vector<held_crown> out;
  held_crown row;
  soci::statement st = (sql.prepare << "SELECT c.id, c.entity_id FROM crowns c"
                                       " JOIN crown_holders h ON h.crown_id = c.id"
                                       " AND h.is_current = 1"
                                       " WHERE c.group_id = :g AND h.user_id = :u"
                                       " ORDER BY c.id",
                        soci::into(row.crown), soci::into(row.entity), soci::use(g, "g"),
                        soci::use(u, "u"));
  st.execute();
  while (st.fetch())
    out.push_back(row);
  return out;
}

std::optional<long long> row_id(soci::session& sql, const char* table, platform_kind platform,
                                std::string_view platform_id) {
  std::string p{to_string(platform)};
  std::string id{platform_id};
  long long out = 0;
  sql << std::string{"SELECT id FROM "} + table + " WHERE platform = :p AND platform_id = :id",
    soci::into(out), soci::use(p, "p"), soci::use(id, "id");
  if (!sql.got_data())
    return std::nullopt;
  return out;
}

group_config read_config(soci::session& sql, platform_kind platform, std::string_view group_id) {
  std::string p{to_string(platform)};
  std::string id{group_id};
  group_config out;
  int artists = 1, albums = 0, tracks = 0;
  long long threshold = out.threshold;
  sql << "SELECT language, crowns_artists, crowns_albums, crowns_tracks, crown_threshold"
         " FROM groups WHERE platform = :p AND platform_id = :id",
    soci::into(out.language), soci::into(artists), soci::into(albums), soci::into(tracks),
    soci::into(threshold), soci::use(p, "p"), soci::use(id, "id");
  if (!sql.got_data())
    return group_config{};
  out.artist_crowns = artists != 0;
  out.album_crowns = albums != 0;
  out.track_crowns = tracks != 0;
  out.threshold = threshold;
  return out;
}

std::optional<long long> parse_setting(group_setting which, std::string_view value) {
  if (which == group_setting::threshold) {
    long long n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || n < 1)
      return std::nullopt;
    return n;
  }
  if (value == "on")
    return 1;
  if (value == "off")
    return 0;
  return std::nullopt;
}

} // namespace

result<std::int64_t> store::clear_user_crowns(platform_kind platform, std::string_view group_id,
                                              std::string_view user_id) {
  return impl_->guard("clear_user_crowns", [&]() -> result<std::int64_t> {
    auto& sql = impl_->sql;
    detail::write_transaction tr{sql, impl_->backend};
    auto g = row_id(sql, "groups", platform, group_id);
    auto u = row_id(sql, "users", platform, user_id);
    if (!g || !u)
      return std::int64_t{0};
    long long threshold = read_config(sql, platform, group_id).threshold;
    long long now = unix_now();
    auto held = crowns_held(sql, *g, *u);
    for (auto& c : held) {
      release_crown(sql, c.crown, now);
      auto [next, plays] = next_holder(sql, *g, c.entity, *u, threshold);
      if (next == 0)
        continue;
      put_crown_holder(sql, *g, c.entity, next, plays, now);
      sql << "UPDATE crowns SET switched_times = switched_times + 1 WHERE id = :c",
        soci::use(c.crown, "c");
    }
    tr.commit();
    return static_cast<std::int64_t>(held.size());
  });
}

result<group_config> store::get_group_config(platform_kind platform,
                                             std::string_view group_id) {
  return impl_->guard("get_group_config", [&]() -> result<group_config> {
    return read_config(impl_->sql, platform, group_id);
  });
}

result<group_config> store::change_group_config(platform_kind platform,
                                                std::string_view group_id,
                                                group_setting which, std::string_view value) {
  return impl_->guard("change_group_config", [&]() -> result<group_config> {
    auto& sql = impl_->sql;
    std::string p{to_string(platform)};
    std::string id{group_id};
    auto number = parse_setting(which, value);
    if (which != group_setting::language && !number)
      return db_error{db_errc::other, "change_group_config: value does not fit the setting"};
    ensure_group(sql, platform, group_id);
    if (which == group_setting::language) {
      std::string lang{value};
      sql << "UPDATE groups SET language = :l WHERE platform = :p AND platform_id = :id",
        soci::use(lang, "l"), soci::use(p, "p"), soci::use(id, "id");
      return read_config(sql, platform, group_id);
    }
    const char* column = which == group_setting::threshold       ? "crown_threshold"
                         : which == group_setting::artist_crowns ? "crowns_artists"
                         : which == group_setting::album_crowns  ? "crowns_albums"
                                                                 : "crowns_tracks";
    sql << std::string{"UPDATE groups SET "} + column
             + " = :v WHERE platform = :p AND platform_id = :id",
      soci::use(*number, "v"), soci::use(p, "p"), soci::use(id, "id");
    return read_config(sql, platform, group_id);
  });
}

} // namespace lastgram::database
