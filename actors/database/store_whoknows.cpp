// One who-knows run in one transaction: the entity, the invoker's fresh
// count, the list (a group's members, or every user), the totals, the
// invoker's rank and the crown rule.

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

/// Scrobbles in 8 days above which an account listened more than 6 days of
/// them, at 3 minutes a scrobble: 6 * 24 * 60 / 3.
constexpr long long max_scrobbles_in_8_days = 6 * 24 * 60 / 3;

/// The botted-account rule of global lists (the one .fmbot uses): more
/// than 650 scrobbles a day on average since the Last.fm registration, or
/// more than 6 days of listening in 8 days. Each half applies once the
/// indexer stored its numbers (users.fm_scrobbles and fm_registered_at;
/// fm_recent_scrobbles at fm_recent_at).
std::string not_botted(long long now) {
  return " AND NOT (u.fm_registered_at > 0 AND u.fm_scrobbles > 650 * ((" + std::to_string(now)
         + " - u.fm_registered_at) / 86400 + 1))"
           " AND NOT (u.fm_recent_at > 0 AND u.fm_recent_scrobbles > "
         + std::to_string(max_scrobbles_in_8_days) + ")";
}

/// Who is on the list: FROM ... WHERE ..., with :e (and :g in a group) bound
/// by the caller. Listeners are linked, not banned, with a positive count.
struct list_scope {
  std::string from;
  long long entity = 0;
  long long group = 0;
  bool global = false;
};

list_scope scope_of(long long entity, std::optional<long long> group, long long now) {
  list_scope s;
  s.entity = entity;
  s.global = !group;
  if (group) {
    s.group = *group;
    s.from = " FROM group_members m JOIN users u ON u.id = m.user_id"
             " JOIN user_plays p ON p.user_id = m.user_id AND p.entity_id = :e"
             " WHERE m.group_id = :g AND p.playcount > 0 AND u.banned = 0"
             " AND u.fm_username <> ''";
  } else {
    s.from = " FROM user_plays p JOIN users u ON u.id = p.user_id"
             " WHERE p.entity_id = :e AND p.playcount > 0 AND u.banned = 0"
             " AND u.fm_username <> ''"
             + not_botted(now);
  }
  return s;
}

/// Runs `query` (which uses the scope) once, with `binds` and then the
/// scope's binds; true when it returned a row. A one-time statement, not a
/// prepared one: on PostgreSQL SOCI sends it in one round trip instead of
/// prepare, execute and deallocate (most of a who-knows run's time there).
template <class... Binds>
bool run_scoped(soci::session& sql, const list_scope& s, const std::string& query,
                Binds&&... binds) {
  if (s.global)
    ((sql << query), ..., std::forward<Binds>(binds)), soci::use(s.entity, "e");
  else
    ((sql << query), ..., std::forward<Binds>(binds)), soci::use(s.entity, "e"),
      soci::use(s.group, "g");
  return sql.got_data();
}

std::vector<who_knows_entry> read_rows(soci::session& sql, const list_scope& s, long long offset,
                                       long long limit) {
  std::vector<who_knows_entry> rows;
  if (limit <= 0)
    return rows;
  auto n = static_cast<std::size_t>(limit);
  std::vector<long long> ids(n), plays(n);
  std::vector<std::string> display(n), fm_user(n);
  std::vector<int> priv(n);
  run_scoped(sql, s,
             "SELECT u.id, u.display_name, u.fm_username, p.playcount, u.private_mode" + s.from
               + " ORDER BY p.playcount DESC, u.id ASC LIMIT :lim OFFSET :off",
             soci::into(ids), soci::into(display), soci::into(fm_user), soci::into(plays),
             soci::into(priv), soci::use(limit, "lim"), soci::use(offset, "off"));
  long long rank = offset;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    who_knows_entry x;
    x.rank = ++rank;
    x.user_id = ids[i];
    x.display_name = display[i];
    x.fm_username = fm_user[i];
    x.playcount = plays[i];
    // Privacy hides a user from global lists only: in their own groups
    // they stay visible.
    x.is_private = s.global && priv[i] != 0;
    rows.push_back(std::move(x));
  }
  return rows;
}

void read_totals(soci::session& sql, const list_scope& s, who_knows_answer& out) {
  long long n = 0, plays = 0;
  run_scoped(sql, s, "SELECT COUNT(*), COALESCE(SUM(p.playcount), 0)" + s.from, soci::into(n),
             soci::into(plays));
  out.listeners = n;
  out.plays = plays;
}

void read_rank(soci::session& sql, const list_scope& s, long long user, who_knows_answer& out) {
  long long mine = 0;
  if (!run_scoped(sql, s, "SELECT p.playcount" + s.from + " AND u.id = :me", soci::into(mine),
                  soci::use(user, "me")))
    return;
  long long ahead = 0;
  run_scoped(sql, s,
             "SELECT COUNT(*)" + s.from
               + " AND (p.playcount > :mine OR (p.playcount = :mine2 AND u.id < :me))",
             soci::into(ahead), soci::use(mine, "mine"), soci::use(mine, "mine2"),
             soci::use(user, "me"));
  out.invoker_rank = ahead + 1;
  out.invoker_plays = mine;
}

struct listener {
  long long id = 0;
  long long plays = 0;
  std::string name;
};

/// A group's list as one windowed statement reads it: the page, the
/// totals, the invoker's place and the two listeners the crown rule weighs.
struct group_list {
  std::vector<who_knows_entry> rows;
  long long listeners = 0;
  long long plays = 0;
  long long invoker_rank = 0;
  long long invoker_plays = 0;
  /// The top listener who may hold a crown (not crown-banned).
  std::optional<listener> top;
  /// The current holder, when they may still hold it (listed, not banned).
  std::optional<listener> holder;
};

/// Every listener of the group is ranked once (ROW_NUMBER over the index
/// order), counted and summed over the whole list (window aggregates), and
/// ranked again among those who may hold crowns; only the rows someone
/// needs come back: the page, the first row (so the totals arrive with an
/// empty page), the invoker, the holder and the top eligible listener.
constexpr const char* group_window
  = "SELECT w.id, w.display_name, w.fm_username, w.playcount, w.crown_banned, w.rn, w.erank,"
    " w.listeners, w.plays FROM (SELECT u.id, u.display_name, u.fm_username, p.playcount,"
    " u.crown_banned, ROW_NUMBER() OVER (ORDER BY p.playcount DESC, u.id ASC) AS rn,"
    " ROW_NUMBER() OVER (PARTITION BY u.crown_banned ORDER BY p.playcount DESC, u.id ASC)"
    " AS erank, COUNT(*) OVER () AS listeners,"
    " CAST(SUM(p.playcount) OVER () AS BIGINT) AS plays";

group_list read_group_list(soci::session& sql, const list_scope& s, long long offset,
                           long long limit, long long invoker, long long holder) {
  group_list out;
  // The page plus at most four more rows (first, invoker, holder, top).
  auto n = static_cast<std::size_t>(std::max(0LL, limit)) + 4;
  std::vector<long long> ids(n), plays(n), ranks(n), eranks(n), listeners(n), total(n);
  std::vector<std::string> display(n), fm_user(n);
  std::vector<int> banned(n);
  long long last = offset + std::max(0LL, limit);
  run_scoped(sql, s,
             std::string{group_window} + s.from
               + ") w WHERE (w.rn > :off AND w.rn <= :last) OR w.rn = 1 OR w.id = :me"
                 " OR w.id = :holder OR (w.crown_banned = 0 AND w.erank = 1) ORDER BY w.rn",
             soci::into(ids), soci::into(display), soci::into(fm_user), soci::into(plays),
             soci::into(banned), soci::into(ranks), soci::into(eranks), soci::into(listeners),
             soci::into(total), soci::use(offset, "off"), soci::use(last, "last"),
             soci::use(invoker, "me"), soci::use(holder, "holder"));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out.listeners = listeners[i];
    out.plays = total[i];
    std::string name = display[i].empty() ? fm_user[i] : display[i];
    if (ids[i] == invoker) {
      out.invoker_rank = ranks[i];
      out.invoker_plays = plays[i];
    }
    if (banned[i] == 0 && eranks[i] == 1)
      out.top = listener{ids[i], plays[i], name};
    if (banned[i] == 0 && ids[i] == holder)
      out.holder = listener{ids[i], plays[i], name};
    if (ranks[i] <= offset || ranks[i] > last)
      continue;
    who_knows_entry x;
    x.rank = ranks[i];
    x.user_id = ids[i];
    x.display_name = display[i];
    x.fm_username = fm_user[i];
    x.playcount = plays[i];
    out.rows.push_back(std::move(x));
  }
  return out;
}

/// The name Last.fm files artist `name` under when it is known
/// (artist_corrections, written by the indexer), else `name`: who-knows of a
/// redirected or differently spelled name lists the canonical artist.
std::string canonical_artist(soci::session& sql, const std::string& name) {
  std::string key = normalize_name(name);
  std::string canonical;
  sql << "SELECT canonical_name FROM artist_corrections WHERE normalized_name = :k",
    soci::into(canonical), soci::use(key, "k");
  return sql.got_data() && !canonical.empty() ? canonical : name;
}

struct group_settings {
  long long id = 0;
  bool crowns_on = false;
  long long threshold = 30;
};

group_settings settings_of(soci::session& sql, platform_kind platform, const std::string& gid,
                           entity_kind kind) {
  std::string p{to_string(platform)};
  long long now = unix_now();
  sql << "INSERT INTO groups (platform, platform_id, created_at) VALUES (:p, :id, :now)"
         " ON CONFLICT (platform, platform_id) DO NOTHING",
    soci::use(p, "p"), soci::use(gid, "id"), soci::use(now, "now");
  group_settings out;
  int artists = 1, albums = 0, tracks = 0;
  sql << "SELECT id, crowns_artists, crowns_albums, crowns_tracks, crown_threshold FROM groups"
         " WHERE platform = :p AND platform_id = :id",
    soci::into(out.id), soci::into(artists), soci::into(albums), soci::into(tracks),
    soci::into(out.threshold), soci::use(p, "p"), soci::use(gid, "id");
  out.crowns_on = kind == entity_kind::artist  ? artists != 0
                  : kind == entity_kind::album ? albums != 0
                                               : tracks != 0;
  return out;
}

/// The crown of (group, entity) and its current holder; 0 for none.
std::pair<long long, long long> current_crown(soci::session& sql, const list_scope& s) {
  long long crown = 0, holder = 0;
  sql << "SELECT c.id, h.user_id FROM crowns c JOIN crown_holders h ON h.crown_id = c.id"
         " AND h.is_current = 1 WHERE c.group_id = :g AND c.entity_id = :e",
    soci::into(crown), soci::into(holder), soci::use(s.group, "g"), soci::use(s.entity, "e");
  if (!sql.got_data())
    return {0, 0};
  return {crown, holder};
}

// The crown rule on the list's facts; fills the crown part of `out` and
// returns the holder's id after the run (0 for none).
long long apply_crown_rule(soci::session& sql, const list_scope& s, long long threshold,
                           std::pair<long long, long long> crown, const group_list& list,
                           who_knows_answer& out) {
  long long now = unix_now();
  auto [crown_id, holder] = crown;
  bool held = holder != 0;
  const auto& top = list.top;
  const auto& kept = list.holder;
  bool top_qualifies = top && top->plays >= threshold;
  if (kept && !(top_qualifies && top->id != kept->id && top->plays > kept->plays)) {
    // Ties keep the holder; their count is refreshed.
    put_crown_holder(sql, s.group, s.entity, kept->id, kept->plays, now);
    out.change = crown_change::kept;
    out.holder_name = kept->name;
    out.holder_plays = kept->plays;
    return kept->id;
  }
  if (top_qualifies) {
    if (held)
      out.previous_holder = shown_name(sql, holder);
    put_crown_holder(sql, s.group, s.entity, top->id, top->plays, now);
    out.change = held ? crown_change::stolen : crown_change::claimed;
    out.holder_name = top->name;
    out.holder_plays = top->plays;
    return top->id;
  }
  if (held) {
    // The holder may no longer hold it and nobody qualifies.
    out.previous_holder = shown_name(sql, holder);
    release_crown(sql, crown_id, now);
    out.change = crown_change::released;
  }
  return 0;
}

} // namespace

result<who_knows_answer> store::run_who_knows(const who_knows_request& req) {
  return impl_->guard("run_who_knows", [&]() -> result<who_knows_answer> {
    auto& sql = impl_->sql;
    // Read before the transaction: its first statement (the entity upsert)
    // must be a write, so SQLite takes its write lock before anything is read.
    bool of_artist = req.kind == entity_kind::artist;
    std::string name{of_artist ? canonical_artist(sql, req.name) : req.name};
    std::string artist{of_artist ? std::string{} : canonical_artist(sql, req.artist)};
    detail::write_transaction tr{sql, impl_->backend};
    // The run's writes (the invoker's fresh count, a crown change) need not
    // wait for the WAL flush, as on SQLite (WAL, synchronous=NORMAL): a
    // crash loses at most the last moments of them, never consistency, and
    // the next run or index writes them again. The wait is one disk flush
    // per /whoknows, most of its time on a slow disk.
    if (impl_->backend == backend_kind::postgresql)
      sql << "SET LOCAL synchronous_commit TO OFF";
    std::string kind{to_string(req.kind)};
    std::string nn = normalize_name(name);
    std::string na = normalize_name(artist);
    if (nn.empty())
      return db_error{db_errc::other, "run_who_knows: empty name"};
    long long entity = 0;
    who_knows_answer out;
    sql << "INSERT INTO entities (kind, name, artist_name, normalized_name, normalized_artist)"
           " VALUES (:k, :n, :a, :nn, :na) ON CONFLICT (kind, normalized_name,"
           " normalized_artist) DO UPDATE SET name = entities.name"
           " RETURNING id, name, artist_name",
      soci::into(entity), soci::into(out.name), soci::into(out.artist), soci::use(kind, "k"),
      soci::use(name, "n"), soci::use(artist, "a"), soci::use(nn, "nn"), soci::use(na, "na");
    std::string p{to_string(req.platform)};
    long long invoker = 0;
    sql << "SELECT id FROM users WHERE platform = :p AND platform_id = :id"
           " AND fm_username <> ''",
      soci::into(invoker), soci::use(p, "p"), soci::use(req.invoker_id, "id");
    if (!sql.got_data())
      invoker = 0;
    if (invoker != 0 && req.invoker_plays >= 0) {
      long long pc = req.invoker_plays;
      long long now = unix_now();
      sql << "INSERT INTO user_plays (user_id, entity_id, playcount, updated_at)"
             " VALUES (:u, :e, :pc, :now) ON CONFLICT (user_id, entity_id) DO UPDATE SET"
             " playcount = excluded.playcount, updated_at = excluded.updated_at",
        soci::use(invoker, "u"), soci::use(entity, "e"), soci::use(pc, "pc"),
        soci::use(now, "now");
    }
    std::optional<long long> group;
    group_settings settings;
    if (!req.group_id.empty()) {
      settings = settings_of(sql, req.platform, req.group_id, req.kind);
      group = settings.id;
    }
    auto scope = scope_of(entity, group, unix_now());
    long long offset = std::max<std::int64_t>(0, req.offset);
    long long limit = std::max<std::int64_t>(0, req.limit);
    long long holder = 0;
    if (group) {
      // One statement for the list, the totals, the rank and the crown
      // rule's facts (the rule's writes leave the plays as they are).
      std::pair<long long, long long> crown{0, 0};
      bool crowns = settings.crowns_on;
      if (crowns)
        crown = current_crown(sql, scope);
      auto list = read_group_list(sql, scope, offset, limit, invoker, crown.second);
      if (crowns) {
        out.crowns_on = true;
        out.threshold = settings.threshold;
        holder = apply_crown_rule(sql, scope, settings.threshold, crown, list, out);
      }
      out.rows = std::move(list.rows);
      out.listeners = list.listeners;
      out.plays = list.plays;
      out.invoker_rank = list.invoker_rank;
      out.invoker_plays = list.invoker_plays;
    } else {
      out.rows = read_rows(sql, scope, offset, limit);
      read_totals(sql, scope, out);
      if (invoker != 0)
        read_rank(sql, scope, invoker, out);
    }
    for (auto& row : out.rows) {
      row.holder = holder != 0 && row.user_id == holder;
      row.invoker = row.user_id == invoker;
    }
    tr.commit();
    return out;
  });
}

} // namespace lastgram::database
