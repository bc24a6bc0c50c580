// Crowns (holdings, a user's crowns, a group's board, history, unclaimed
// artists), group membership and supergroup migrations, and the group's
// crown settings.

#include "actors/database/store_impl.hpp"
#include "actors/database/transaction.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace detail {

crown_holder_record put_crown_holder(soci::session& sql, long long g, long long e, long long u,
                                     long long pc, long long now) {
  long long crown = 0;
  sql << "INSERT INTO crowns (group_id, entity_id, claimed)"
         " VALUES (:g, :e, 1) ON CONFLICT (group_id, entity_id)"
         " DO UPDATE SET claimed = 1 RETURNING id",
    soci::into(crown), soci::use(g, "g"), soci::use(e, "e");
  long long holder = 0;
  long long since = now;
  sql << "SELECT user_id, since FROM crown_holders"
         " WHERE crown_id = :c AND is_current = 1",
    soci::into(holder), soci::into(since), soci::use(crown, "c");
  bool held = sql.got_data();
  if (held && holder == u) {
    sql << "UPDATE crown_holders SET playcount = :pc"
           " WHERE crown_id = :c AND is_current = 1",
      soci::use(pc, "pc"), soci::use(crown, "c");
    return crown_holder_record{crown, u, pc, since};
  }
  if (held) {
    sql << "UPDATE crown_holders SET is_current = 0, until = :now"
           " WHERE crown_id = :c AND is_current = 1",
      soci::use(now, "now"), soci::use(crown, "c");
    sql << "UPDATE crowns SET switched_times = switched_times + 1 WHERE id = :c",
      soci::use(crown, "c");
  }
  sql << "INSERT INTO crown_holders (crown_id, user_id, playcount,"
         " is_current, since) VALUES (:c, :u, :pc, 1, :now)",
    soci::use(crown, "c"), soci::use(u, "u"), soci::use(pc, "pc"), soci::use(now, "now");
  return crown_holder_record{crown, u, pc, now};
}

std::string shown_name(soci::session& sql, long long user) {
  std::string display, fm_user;
  sql << "SELECT display_name, fm_username FROM users WHERE id = :u", soci::into(display),
    soci::into(fm_user), soci::use(user, "u");
  return display.empty() ? fm_user : display;
}

void release_crown(soci::session& sql, long long crown, long long now) {
  sql << "UPDATE crown_holders SET is_current = 0, until = :now"
         " WHERE crown_id = :c AND is_current = 1",
    soci::use(now, "now"), soci::use(crown, "c");
  sql << "UPDATE crowns SET claimed = 0 WHERE id = :c", soci::use(crown, "c");
}

} // namespace detail

namespace {

// The group's row id, or nullopt when unknown.
std::optional<long long> group_row(soci::session& sql, platform_kind platform,
                                   std::string_view group_id) {
  std::string p{to_string(platform)};
  std::string id{group_id};
  long long g = 0;
  sql << "SELECT id FROM groups WHERE platform = :p AND platform_id = :id", soci::into(g),
    soci::use(p, "p"), soci::use(id, "id");
  if (!sql.got_data())
    return std::nullopt;
  return g;
}

// The row id of a linked user, or nullopt.
std::optional<long long> linked_user(soci::session& sql, platform_kind platform,
                                     std::string_view user_id) {
  std::string p{to_string(platform)};
  std::string id{user_id};
  long long u = 0;
  sql << "SELECT id FROM users WHERE platform = :p AND platform_id = :id"
         " AND fm_username <> ''",
    soci::into(u), soci::use(p, "p"), soci::use(id, "id");
  if (!sql.got_data())
    return std::nullopt;
  return u;
}

} // namespace

long long detail::ensure_group(soci::session& sql, platform_kind platform,
                               std::string_view group_id) {
  std::string p{to_string(platform)};
  std::string id{group_id};
  long long now = unix_now();
  sql << "INSERT INTO groups (platform, platform_id, created_at) VALUES (:p, :id, :now)"
         " ON CONFLICT (platform, platform_id) DO NOTHING",
    soci::use(p, "p"), soci::use(id, "id"), soci::use(now, "now");
  return group_row(sql, platform, group_id).value_or(0);
}

namespace {

constexpr const char* crown_columns
  = "SELECT e.kind, e.name, e.artist_name, u.display_name, u.fm_username, h.playcount,"
    " h.since, COALESCE(h.until, 0), c.switched_times";

// Runs a query selecting crown_columns (plus whatever it binds) into entries.
template <class... Uses>
std::vector<crown_entry> fetch_crowns(soci::session& sql, const std::string& query,
                                      Uses&&... uses) {
  std::vector<crown_entry> out;
  std::string kind, name, artist, display, fm_user;
  long long plays = 0, since = 0, until = 0;
  int switches = 0;
  soci::statement st = ((sql.prepare << query, soci::into(kind), soci::into(name),
                         soci::into(artist), soci::into(display), soci::into(fm_user),
                         soci::into(plays), soci::into(since), soci::into(until),
                         soci::into(switches)),
                        ..., std::forward<Uses>(uses));
  st.execute();
  while (st.fetch()) {
    crown_entry x;
    x.kind = kind == "album" ? entity_kind::album
                             : (kind == "track" ? entity_kind::track : entity_kind::artist);
    x.name = name;
    x.artist = artist;
    x.holder_name = display.empty() ? fm_user : display;
    x.playcount = plays;
    x.since = since;
    x.until = until;
    x.switches = switches;
    out.push_back(std::move(x));
  }
  return out;
}

constexpr const char* current_crowns_from
  = " FROM crowns c JOIN crown_holders h ON h.crown_id = c.id AND h.is_current = 1"
    " JOIN entities e ON e.id = c.entity_id JOIN users u ON u.id = h.user_id"
    " WHERE c.group_id = :g";

user_crowns crowns_of(soci::session& sql, long long g, long long u, long long offset,
                      long long limit) {
  user_crowns out;
  out.rows = fetch_crowns(sql,
                          std::string{crown_columns} + current_crowns_from
                            + " AND h.user_id = :u ORDER BY h.since DESC, c.id DESC"
                              " LIMIT :lim OFFSET :off",
                          soci::use(g, "g"), soci::use(u, "u"), soci::use(limit, "lim"),
                          soci::use(offset, "off"));
  long long total = 0, plays = 0;
  sql << std::string{"SELECT COUNT(*), COALESCE(SUM(h.playcount), 0)"} + current_crowns_from
           + " AND h.user_id = :u",
    soci::into(total), soci::into(plays), soci::use(g, "g"), soci::use(u, "u");
  out.total = total;
  out.plays = plays;
  return out;
}

// The first `n` held crowns of the group by `column` (descending; ties:
// lower crown id), read in full. A partial index of migration 9 holds the
// held crowns of each group in that order.
std::vector<crown_entry> top_crowns(soci::session& sql, long long g, const std::string& column,
                                    const std::string& extra, long long n) {
  return fetch_crowns(sql,
                      std::string{crown_columns} + " FROM (SELECT id, " + column
                        + " AS k FROM crowns WHERE group_id = :g AND holder_plays IS NOT NULL"
                        + extra + " ORDER BY " + column
                        + " DESC, id ASC LIMIT :n) top JOIN crowns c ON c.id = top.id"
                          " JOIN crown_holders h ON h.crown_id = c.id AND h.is_current = 1"
                          " JOIN entities e ON e.id = c.entity_id JOIN users u ON u.id = h.user_id"
                          " ORDER BY top.k DESC, top.id ASC",
                      soci::use(g, "g"), soci::use(n, "n"));
}

// The board from the counters the triggers of migration 9 keep, in four
// short indexed reads whatever the group's size: totals, the top 10
// holders (ties: lower user id), the 5 most switched and the 5 by plays
// (ties: lower crown id).
crowns_board board_of(soci::session& sql, long long g) {
  crowns_board out;
  long long crowns = 0, holders = 0;
  sql << "SELECT CAST(COALESCE(SUM(crowns), 0) AS BIGINT), COUNT(DISTINCT user_id)"
         " FROM group_crown_holders WHERE group_id = :g",
    soci::into(crowns), soci::into(holders), soci::use(g, "g");
  out.crowns = crowns;
  out.holders = holders;
  std::vector<std::string> display(10), fm_user(10);
  std::vector<long long> counts(10);
  sql << "SELECT u.display_name, u.fm_username, t.n FROM (SELECT user_id,"
         " CAST(SUM(crowns) AS BIGINT) AS n FROM group_crown_holders WHERE group_id = :g"
         " GROUP BY user_id ORDER BY n DESC, user_id ASC LIMIT 10) t"
         " JOIN users u ON u.id = t.user_id ORDER BY t.n DESC, t.user_id ASC",
    soci::into(display), soci::into(fm_user), soci::into(counts), soci::use(g, "g");
  for (std::size_t i = 0; i < counts.size(); ++i)
    out.top_holders.push_back(
      crown_count{display[i].empty() ? fm_user[i] : display[i], counts[i]});
  out.most_switched = top_crowns(sql, g, "switched_times", " AND switched_times > 0", 5);
  out.most_plays = top_crowns(sql, g, "holder_plays", "", 5);
  return out;
}

std::vector<crown_entry> history_of(soci::session& sql, long long g, const std::string& name) {
  std::string nn = normalize_name(name);
  return fetch_crowns(sql,
                      std::string{crown_columns}
                        + " FROM crowns c JOIN crown_holders h ON h.crown_id = c.id"
                          " JOIN entities e ON e.id = c.entity_id"
                          " JOIN users u ON u.id = h.user_id"
                          " WHERE c.group_id = :g AND e.kind = 'artist'"
                          " AND e.normalized_name = :nn ORDER BY h.since ASC, h.id ASC",
                      soci::use(g, "g"), soci::use(nn, "nn"));
}

// The user's artists with no current holder in the group, most played first
// (as crown_entry rows: name and the user's plays).
std::vector<crown_entry> unclaimed_of(soci::session& sql, long long g, long long u,
                                      long long limit) {
  std::vector<crown_entry> out;
  std::string name;
  long long plays = 0;
  soci::statement st
    = (sql.prepare << "SELECT e.name, p.playcount FROM user_plays p"
                      " JOIN entities e ON e.id = p.entity_id AND e.kind = 'artist'"
                      " WHERE p.user_id = :u AND p.playcount > 0 AND NOT EXISTS ("
                      " SELECT 1 FROM crowns c WHERE c.group_id = :g"
                      " AND c.entity_id = p.entity_id AND c.claimed = 1)"
                      " ORDER BY p.playcount DESC, e.id ASC LIMIT :lim",
       soci::into(name), soci::into(plays), soci::use(u, "u"), soci::use(g, "g"),
       soci::use(limit, "lim"));
  st.execute();
  while (st.fetch()) {
    crown_entry x;
    x.name = name;
    x.playcount = plays;
    out.push_back(std::move(x));
  }
  return out;
}

// The old group's language (when the new one has none), title (likewise)
// and crown settings, onto the new group.
void copy_group_settings(soci::session& sql, long long o, long long t) {
  std::string title, language;
  int artists = 1, albums = 0, tracks = 0;
  long long threshold = 30;
  sql << "SELECT title, language, crowns_artists, crowns_albums, crowns_tracks,"
         " crown_threshold FROM groups WHERE id = :o",
    soci::into(title), soci::into(language), soci::into(artists), soci::into(albums),
    soci::into(tracks), soci::into(threshold), soci::use(o, "o");
  sql << "UPDATE groups SET title = CASE WHEN title = '' THEN :ti ELSE title END,"
         " language = CASE WHEN language = '' THEN :la ELSE language END,"
         " crowns_artists = :ca, crowns_albums = :cb, crowns_tracks = :ct,"
         " crown_threshold = :th WHERE id = :t",
    soci::use(title, "ti"), soci::use(language, "la"), soci::use(artists, "ca"),
    soci::use(albums, "cb"), soci::use(tracks, "ct"), soci::use(threshold, "th"),
    soci::use(t, "t");
}

} // namespace

result<crown_answer> store::query_crowns(const crown_request& req) {
  return impl_->guard("query_crowns", [&]() -> result<crown_answer> {
    auto& sql = impl_->sql;
    crown_answer out;
    auto g = group_row(sql, req.platform, req.group_id);
    if (!g)
      return out;
    long long offset = std::max<std::int64_t>(0, req.offset);
    long long limit = std::max<std::int64_t>(0, req.limit);
    switch (req.what) {
      case crown_query::board:
        out.board = board_of(sql, *g);
        break;
      case crown_query::history:
        out.entries = history_of(sql, *g, req.name);
        break;
      case crown_query::user_crowns:
      case crown_query::unclaimed: {
        auto u = linked_user(sql, req.platform, req.user_id);
        if (!u)
          break;
        if (req.what == crown_query::user_crowns)
          out.crowns = crowns_of(sql, *g, *u, offset, limit);
        else
          out.entries = unclaimed_of(sql, *g, *u, limit);
        break;
      }
    }
    return out;
  });
}

// -- membership ---------------------------------------------------------------

result<void> store::record_member(platform_kind platform, std::string_view group_id,
                                  std::string_view user_id) {
  return impl_->guard("record_member", [&]() -> result<void> {
    auto& sql = impl_->sql;
    auto u = linked_user(sql, platform, user_id);
    if (!u)
      return {};
    long long g = ensure_group(sql, platform, group_id);
    long long uid = *u;
    sql << "INSERT INTO group_members (group_id, user_id) VALUES (:g, :u)"
           " ON CONFLICT DO NOTHING",
      soci::use(g, "g"), soci::use(uid, "u");
    // Active in a group: the indexer refreshes this library sooner. Written
    // at most once an hour per user, not on every command.
    long long now = unix_now();
    long long hour_ago = now - 3600;
    sql << "UPDATE users SET group_active_at = :now WHERE id = :u AND group_active_at < :h",
      soci::use(now, "now"), soci::use(uid, "u"), soci::use(hour_ago, "h");
    return {};
  });
}

result<void> store::forget_member(platform_kind platform, std::string_view group_id,
                                  std::string_view user_id) {
  return impl_->guard("forget_member", [&]() -> result<void> {
    std::string p{to_string(platform)};
    std::string gid{group_id};
    std::string uid{user_id};
    impl_->sql << "DELETE FROM group_members WHERE group_id IN (SELECT id FROM groups"
                  " WHERE platform = :p AND platform_id = :g) AND user_id IN ("
                  "SELECT id FROM users WHERE platform = :p2 AND platform_id = :u)",
      soci::use(p, "p"), soci::use(gid, "g"), soci::use(p, "p2"), soci::use(uid, "u");
    return {};
  });
}

result<void> store::migrate_group(platform_kind platform, std::string_view from,
                                  std::string_view to) {
  return impl_->guard("migrate_group", [&]() -> result<void> {
    auto& sql = impl_->sql;
    detail::write_transaction tr{sql, impl_->backend};
    long long t = ensure_group(sql, platform, to);
    auto f = group_row(sql, platform, from);
    if (!f || *f == t) {
      tr.commit();
      return {};
    }
    long long o = *f;
    sql << "INSERT INTO group_members (group_id, user_id)"
           " SELECT :t, user_id FROM group_members WHERE group_id = :o"
           " ON CONFLICT DO NOTHING",
      soci::use(t, "t"), soci::use(o, "o");
    // Crowns the new id already has (someone asked there first) are kept;
    // the old group's copies go with its memberships below.
    sql << "UPDATE crowns SET group_id = :t WHERE group_id = :o AND entity_id NOT IN"
           " (SELECT entity_id FROM crowns WHERE group_id = :t2)",
      soci::use(t, "t"), soci::use(o, "o"), soci::use(t, "t2");
    copy_group_settings(sql, o, t);
    sql << "DELETE FROM group_members WHERE group_id = :o", soci::use(o, "o");
    sql << "UPDATE groups SET active = 0 WHERE id = :o", soci::use(o, "o");
    tr.commit();
    return {};
  });
}

// -- settings -----------------------------------------------------------------

namespace {

// Sets one crown setting of a group. `column` is always one of our literals.
result<void> update_group_setting(soci::session& sql, const char* what, platform_kind platform,
                                  std::string_view group_id, const std::string& column,
                                  long long value) {
  std::string p{to_string(platform)};
  std::string id{group_id};
  auto n = execute_counting(sql,
                            "UPDATE groups SET " + column
                              + " = :v WHERE platform = :p AND platform_id = :id",
                            soci::use(value, "v"), soci::use(p, "p"), soci::use(id, "id"));
  if (n == 0)
    return not_found(what);
  return {};
}

} // namespace

result<void> store::set_group_crowns(platform_kind platform, std::string_view group_id,
                                     entity_kind kind, bool on) {
  return impl_->guard("set_group_crowns", [&]() -> result<void> {
    auto column = std::string{"crowns_"} + std::string{to_string(kind)} + "s";
    return update_group_setting(impl_->sql, "set_group_crowns: unknown group", platform,
                                group_id, column, on ? 1 : 0);
  });
}

result<void> store::set_crown_threshold(platform_kind platform, std::string_view group_id,
                                        std::int64_t plays) {
  return impl_->guard("set_crown_threshold", [&]() -> result<void> {
    return update_group_setting(impl_->sql, "set_crown_threshold: unknown group", platform,
                                group_id, "crown_threshold", std::max<std::int64_t>(1, plays));
  });
}

result<void> store::set_fm_profile(std::int64_t user_id, std::int64_t scrobbles,
                                   std::int64_t registered_at) {
  return impl_->guard("set_fm_profile", [&]() -> result<void> {
    long long u = user_id, s = scrobbles, r = registered_at;
    impl_->sql << "UPDATE users SET fm_scrobbles = :s, fm_registered_at = :r WHERE id = :u",
      soci::use(s, "s"), soci::use(r, "r"), soci::use(u, "u");
    return {};
  });
}

} // namespace lastgram::database
