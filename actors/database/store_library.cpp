// The indexed libraries: a user's plays written in bulk, and the per-user
// index state.
//
// Atomicity: a full index of one kind spans many Last.fm calls (minutes under
// the rate limit), so no single transaction can hold it. Each page goes into
// `index_staging` in one transaction together with the state naming that
// page (a resume continues after it and never stages a page twice), and
// `commit_library` switches the staged rows into `user_plays` in one
// transaction at the end. Readers of `user_plays` (who-knows, crowns) need
// no generation filter and never see half a library.
//
// Speed: rows go in as multi-row statements (kChunk rows each). Numbers are
// written into the SQL text (they come from our own integers, never from
// text); names are bound.

#include "actors/database/store_impl.hpp"
#include "actors/database/transaction.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace {

constexpr std::size_t kChunk = 250;

// One library entry with its folded names, after folding collisions were
// added together.
struct folded_item {
  std::string name;
  std::string artist;
  std::string norm_name;
  std::string norm_artist;
  std::int64_t playcount = 0;
  long long entity_id = 0;
  /// The scrobble times behind `playcount`, for incremental adds.
  std::vector<std::int64_t> played_at;
};

std::vector<folded_item> fold_items(entity_kind kind, const std::vector<library_item>& items) {
  std::vector<folded_item> out;
  out.reserve(items.size());
  std::unordered_map<std::string, std::size_t> seen;
  for (const auto& x : items) {
    folded_item f;
    f.name = x.name;
    f.artist = kind == entity_kind::artist ? std::string{} : x.artist;
    f.norm_name = normalize_name(f.name);
    f.norm_artist = normalize_name(f.artist);
    if (f.norm_name.empty() || x.playcount <= 0)
      continue;
    auto key = f.norm_name + '\x1f' + f.norm_artist;
    if (auto i = seen.find(key); i != seen.end()) {
      auto& into = out[i->second];
      into.playcount += x.playcount;
      into.played_at.insert(into.played_at.end(), x.played_at.begin(), x.played_at.end());
      continue;
    }
    f.playcount = x.playcount;
    f.played_at = x.played_at;
    seen.emplace(std::move(key), out.size());
    out.push_back(std::move(f));
  }
  return out;
}

// Upserts the entities of items[first, last) with one statement and sets
// their entity ids. The no-op DO UPDATE makes RETURNING yield existing rows.
void upsert_chunk(soci::session& sql, entity_kind kind, std::vector<folded_item>& items,
                  std::size_t first, std::size_t last) {
  std::string q = "INSERT INTO entities (kind, name, artist_name, normalized_name,"
                  " normalized_artist) VALUES ";
  std::string k{to_string(kind)};
  for (auto i = first; i < last; ++i) {
    auto n = std::to_string(i - first);
    q += (i == first ? "" : ",");
    q += "('" + k + "', :n" + n + ", :a" + n + ", :nn" + n + ", :na" + n + ")";
  }
  q += " ON CONFLICT (kind, normalized_name, normalized_artist)"
       " DO UPDATE SET name = entities.name"
       " RETURNING id, normalized_name, normalized_artist";
  long long id = 0;
  std::string nn;
  std::string na;
  soci::statement st{sql};
  st.exchange(soci::into(id));
  st.exchange(soci::into(nn));
  st.exchange(soci::into(na));
  std::unordered_map<std::string, std::size_t> by_key;
  for (auto i = first; i < last; ++i) {
    auto n = std::to_string(i - first);
    st.exchange(soci::use(items[i].name, "n" + n));
    st.exchange(soci::use(items[i].artist, "a" + n));
    st.exchange(soci::use(items[i].norm_name, "nn" + n));
    st.exchange(soci::use(items[i].norm_artist, "na" + n));
    by_key.emplace(items[i].norm_name + '\x1f' + items[i].norm_artist, i);
  }
  st.alloc();
  st.prepare(q);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch())
    if (auto i = by_key.find(nn + '\x1f' + na); i != by_key.end())
      items[i->second].entity_id = id;
}

// Entity ids for every item.
void upsert_entities(soci::session& sql, entity_kind kind, std::vector<folded_item>& items) {
  for (std::size_t first = 0; first < items.size(); first += kChunk)
    upsert_chunk(sql, kind, items, first, std::min(items.size(), first + kChunk));
  for (const auto& x : items)
    if (x.entity_id == 0)
      throw std::runtime_error("entity upsert returned no id");
}

// Adds the items' counts to `table`'s rows of the user: `table` is
// index_staging (with its kind column) or user_plays.
/// The updated_at of rows the indexer writes (see commit_library).
constexpr std::int64_t indexed_row_mark = 0;

void add_rows(soci::session& sql, const std::string& table, std::int64_t user_id,
              entity_kind kind, const std::vector<folded_item>& items, std::int64_t now) {
  bool staging = table == "index_staging";
  std::string k{to_string(kind)};
  auto u = std::to_string(user_id);
  for (std::size_t first = 0; first < items.size(); first += kChunk) {
    auto last = std::min(items.size(), first + kChunk);
    std::string q = staging ? "INSERT INTO index_staging (user_id, kind, entity_id, playcount) VALUES "
                            : "INSERT INTO user_plays (user_id, entity_id, playcount, updated_at) VALUES ";
    for (auto i = first; i < last; ++i) {
      q += (i == first ? "(" : ",(") + u + ", ";
      if (staging)
        q += "'" + k + "', ";
      q += std::to_string(items[i].entity_id) + ", " + std::to_string(items[i].playcount);
      if (!staging)
        q += ", " + std::to_string(now);
      q += ")";
    }
    q += staging ? " ON CONFLICT (user_id, kind, entity_id) DO UPDATE SET"
                   " playcount = index_staging.playcount + excluded.playcount"
                 : " ON CONFLICT (user_id, entity_id) DO UPDATE SET"
                   " playcount = user_plays.playcount + excluded.playcount,"
                   " updated_at = excluded.updated_at";
    sql << q;
  }
}

// A row a who-knows refresh wrote counts every scrobble up to its
// updated_at (> 0), which may be later than the index's last scrobble: of
// an incremental add, such a row gets only the scrobbles after that time.
// An item with none after it is dropped, so its row keeps its mark; the
// others are written with the indexer's mark, since the row then counts
// through the index's new last scrobble.
void skip_counted(soci::session& sql, std::int64_t user_id, std::vector<folded_item>& items) {
  std::unordered_map<long long, std::size_t> by_entity;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (!items[i].played_at.empty())
      by_entity.emplace(items[i].entity_id, i);
  if (by_entity.empty())
    return;
  long long u = user_id;
  long long entity = 0;
  long long counted_through = 0;
  soci::statement st = (sql.prepare << "SELECT entity_id, updated_at FROM user_plays"
                                       " WHERE user_id = :u AND updated_at > 0",
                        soci::into(entity), soci::into(counted_through), soci::use(u, "u"));
  st.execute();
  while (st.fetch()) {
    auto i = by_entity.find(entity);
    if (i == by_entity.end())
      continue;
    auto& x = items[i->second];
    x.playcount = static_cast<std::int64_t>(
      std::count_if(x.played_at.begin(), x.played_at.end(),
                    [&](std::int64_t t) { return t > counted_through; }));
  }
  items.erase(std::remove_if(items.begin(), items.end(),
                             [](const folded_item& x) { return x.playcount <= 0; }),
              items.end());
}

void write_state(soci::session& sql, const index_state& s) {
  long long u = s.user_id;
  std::string status{to_string(s.status)};
  std::string kind{to_string(s.kind)};
  int page = s.page;
  int pages = s.total_pages;
  long long done = s.items_done;
  long long total = s.items_total;
  long long artists = s.artists_total;
  long long scrobbles = s.scrobbles;
  long long full = s.last_full_at;
  long long last = s.last_scrobble_at;
  long long due = s.next_due_at;
  long long req = s.requested_at;
  sql << "INSERT INTO index_state (user_id, status, kind, page, total_pages, items_done,"
         " items_total, artists_total, scrobbles, last_full_at, last_scrobble_at,"
         " next_due_at, requested_at) VALUES (:u, :st, :k, :p, :tp, :d, :t, :a, :s, :f,"
         " :l, :due, :r) ON CONFLICT (user_id) DO UPDATE SET status = excluded.status,"
         " kind = excluded.kind, page = excluded.page, total_pages = excluded.total_pages,"
         " items_done = excluded.items_done, items_total = excluded.items_total,"
         " artists_total = excluded.artists_total, scrobbles = excluded.scrobbles,"
         " last_full_at = excluded.last_full_at,"
         " last_scrobble_at = excluded.last_scrobble_at,"
         " next_due_at = excluded.next_due_at, requested_at = excluded.requested_at",
    soci::use(u, "u"), soci::use(status, "st"), soci::use(kind, "k"), soci::use(page, "p"),
    soci::use(pages, "tp"), soci::use(done, "d"), soci::use(total, "t"),
    soci::use(artists, "a"), soci::use(scrobbles, "s"), soci::use(full, "f"),
    soci::use(last, "l"), soci::use(due, "due"), soci::use(req, "r");
}

index_status status_from(const std::string& s) {
  if (s == "running")
    return index_status::running;
  if (s == "done")
    return index_status::done;
  return index_status::none;
}

entity_kind kind_from(const std::string& s) {
  if (s == "album")
    return entity_kind::album;
  if (s == "track")
    return entity_kind::track;
  return entity_kind::artist;
}

} // namespace

result<std::int64_t> store::stage_library_page(std::int64_t user_id, entity_kind kind,
                                                const std::vector<library_item>& items,
                                                const index_state& state) {
  return impl_->guard("stage_library_page", [&]() -> result<std::int64_t> {
    auto& sql = impl_->sql;
    auto folded = fold_items(kind, items);
    detail::write_transaction tr{sql, impl_->backend};
    // The state is written first: SQLite takes its write lock at once.
    write_state(sql, state);
    if (state.page <= 1) {
      long long u = user_id;
      std::string k{to_string(kind)};
      sql << "DELETE FROM index_staging WHERE user_id = :u AND kind = :k", soci::use(u, "u"),
        soci::use(k, "k");
    }
    upsert_entities(sql, kind, folded);
    add_rows(sql, "index_staging", user_id, kind, folded, 0);
    tr.commit();
    return static_cast<std::int64_t>(folded.size());
  });
}

result<std::int64_t> store::commit_library(std::int64_t user_id, entity_kind kind,
                                           const index_state& state) {
  return impl_->guard("commit_library", [&]() -> result<std::int64_t> {
    auto& sql = impl_->sql;
    long long u = user_id;
    // Rows the indexer writes count every scrobble up to the index time
    // (index_state.last_scrobble_at): their updated_at is 0. A who-knows
    // refresh stamps its row with the time it counted through instead, so
    // /ln adds only the scrobbles after that (store_plays.cpp).
    long long now = indexed_row_mark;
    std::string k{to_string(kind)};
    detail::write_transaction tr{sql, impl_->backend};
    write_state(sql, state);
    sql << "DELETE FROM user_plays WHERE user_id = :u"
           " AND EXISTS (SELECT 1 FROM entities e WHERE e.id = user_plays.entity_id"
           " AND e.kind = :k)"
           " AND NOT EXISTS (SELECT 1 FROM index_staging s WHERE s.user_id = :u2"
           " AND s.kind = :k2 AND s.entity_id = user_plays.entity_id)",
      soci::use(u, "u"), soci::use(k, "k"), soci::use(u, "u2"), soci::use(k, "k2");
    sql << "INSERT INTO user_plays (user_id, entity_id, playcount, updated_at)"
           " SELECT user_id, entity_id, playcount, :now FROM index_staging"
           " WHERE user_id = :u AND kind = :k"
           " ON CONFLICT (user_id, entity_id) DO UPDATE SET"
           " playcount = excluded.playcount, updated_at = excluded.updated_at",
      soci::use(now, "now"), soci::use(u, "u"), soci::use(k, "k");
    long long count = 0;
    sql << "SELECT COUNT(*) FROM index_staging WHERE user_id = :u AND kind = :k",
      soci::into(count), soci::use(u, "u"), soci::use(k, "k");
    sql << "DELETE FROM index_staging WHERE user_id = :u AND kind = :k", soci::use(u, "u"),
      soci::use(k, "k");
    // How long the list is, for /ln's misses (store_plays.cpp).
    if (kind == entity_kind::album)
      sql << "UPDATE index_state SET albums_indexed = :n WHERE user_id = :u", soci::use(count, "n"),
        soci::use(u, "u");
    else if (kind == entity_kind::track)
      sql << "UPDATE index_state SET tracks_indexed = :n WHERE user_id = :u", soci::use(count, "n"),
        soci::use(u, "u");
    tr.commit();
    return static_cast<std::int64_t>(count);
  });
}

result<void> store::add_library_plays(std::int64_t user_id, entity_kind kind,
                                      const std::vector<library_item>& items,
                                      const index_state& state) {
  return impl_->guard("add_library_plays", [&]() -> result<void> {
    auto& sql = impl_->sql;
    auto folded = fold_items(kind, items);
    detail::write_transaction tr{sql, impl_->backend};
    write_state(sql, state);
    upsert_entities(sql, kind, folded);
    skip_counted(sql, user_id, folded);
    add_rows(sql, "user_plays", user_id, kind, folded, indexed_row_mark);
    tr.commit();
    return {};
  });
}

result<index_state> store::get_index_state(std::int64_t user_id) {
  return impl_->guard("get_index_state", [&]() -> result<index_state> {
    index_state s;
    s.user_id = user_id;
    long long u = user_id;
    std::string status;
    std::string kind;
    int page = 0;
    int pages = 0;
    long long done = 0, total = 0, artists = 0, scrobbles = 0, full = 0, last = 0, due = 0,
              req = 0;
    impl_->sql << "SELECT status, kind, page, total_pages, items_done, items_total,"
                  " artists_total, scrobbles, last_full_at, last_scrobble_at, next_due_at,"
                  " requested_at FROM index_state WHERE user_id = :u",
      soci::into(status), soci::into(kind), soci::into(page), soci::into(pages),
      soci::into(done), soci::into(total), soci::into(artists), soci::into(scrobbles),
      soci::into(full), soci::into(last), soci::into(due), soci::into(req), soci::use(u, "u");
    if (!impl_->sql.got_data())
      return s;
    s.status = status_from(status);
    s.kind = kind_from(kind);
    s.page = page;
    s.total_pages = pages;
    s.items_done = done;
    s.items_total = total;
    s.artists_total = artists;
    s.scrobbles = scrobbles;
    s.last_full_at = full;
    s.last_scrobble_at = last;
    s.next_due_at = due;
    s.requested_at = req;
    return s;
  });
}

result<void> store::put_index_state(const index_state& state) {
  return impl_->guard("put_index_state", [&]() -> result<void> {
    write_state(impl_->sql, state);
    return {};
  });
}

namespace {

// Linked users with no state row count as due since 0; users active in
// groups (:as, :fb from due_soon; 0 turns it off) once their last full
// index is old enough.
constexpr const char* due_from
  = " FROM users u LEFT JOIN index_state s ON s.user_id = u.id"
    " WHERE u.fm_username <> '' AND u.banned = 0"
    " AND (COALESCE(s.next_due_at, 0) <= :now"
    " OR (:as > 0 AND u.group_active_at >= :as2 AND s.status = 'done'"
    " AND s.last_full_at > 0 AND s.last_full_at <= :fb))";

} // namespace

result<std::vector<due_library>> store::due_libraries(std::int64_t now, std::int64_t limit,
                                                      const due_soon& soon) {
  return impl_->guard("due_libraries", [&]() -> result<std::vector<due_library>> {
    std::vector<due_library> out;
    long long n = now;
    long long as = soon.active_since;
    long long fb = soon.full_before;
    long long lim = std::max<std::int64_t>(limit, 0);
    long long id = 0;
    long long due = 0;
    std::string name;
    soci::statement st = (impl_->sql.prepare
                            << std::string{"SELECT u.id, u.fm_username,"
                                           " COALESCE(s.next_due_at, 0) AS due"}
                                 + due_from + " ORDER BY due ASC, u.id ASC LIMIT :lim",
                          soci::into(id), soci::into(name), soci::into(due),
                          soci::use(n, "now"), soci::use(as, "as"), soci::use(as, "as2"),
                          soci::use(fb, "fb"), soci::use(lim, "lim"));
    st.execute();
    while (st.fetch())
      out.push_back(due_library{id, name, due});
    return out;
  });
}

result<std::pair<std::int64_t, std::int64_t>> store::due_summary(std::int64_t now,
                                                                const due_soon& soon) {
  using res = result<std::pair<std::int64_t, std::int64_t>>;
  return impl_->guard("due_summary", [&]() -> res {
    long long n = now;
    long long as = soon.active_since;
    long long fb = soon.full_before;
    long long count = 0;
    long long oldest = 0;
    soci::indicator ind = soci::i_ok;
    impl_->sql << std::string{"SELECT COUNT(*), MIN(NULLIF(COALESCE(s.next_due_at, 0), 0))"}
                    + due_from,
      soci::into(count), soci::into(oldest, ind), soci::use(n, "now"), soci::use(as, "as"),
      soci::use(as, "as2"), soci::use(fb, "fb");
    return std::pair<std::int64_t, std::int64_t>{count, ind == soci::i_ok ? oldest : 0};
  });
}

result<std::int64_t> store::count_user_plays(std::int64_t user_id, entity_kind kind) {
  return impl_->guard("count_user_plays", [&]() -> result<std::int64_t> {
    long long u = user_id;
    std::string k{to_string(kind)};
    long long count = 0;
    impl_->sql << "SELECT COUNT(*) FROM user_plays p JOIN entities e ON e.id = p.entity_id"
                  " WHERE p.user_id = :u AND e.kind = :k",
      soci::into(count), soci::use(u, "u"), soci::use(k, "k");
    return static_cast<std::int64_t>(count);
  });
}

} // namespace lastgram::database
