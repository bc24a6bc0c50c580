// One user's indexed play count of one entity, for /ln: the row the indexer
// wrote, or what its absence means given how deep the index goes.

#include "actors/database/store_impl.hpp"
#include "actors/database/hot_sql.hpp"

#include <algorithm>
#include <string>

namespace lastgram::database {

using namespace detail;

plays_row_statement::plays_row_statement(soci::session& sql)
  : st((sql.prepare << hot_sql::plays_row,
        soci::into(plays), soci::into(counted_through), soci::use(user, "u"),
        soci::use(kind, "k"), soci::use(name, "nn"), soci::use(artist, "na"))) {
}

result<std::int64_t> store::indexed_playcount(const indexed_plays_query& q) {
  return impl_->guard("indexed_playcount", [&]() -> result<std::int64_t> {
    bool every = q.kind == entity_kind::artist && q.depth == 0;
    // Albums and tracks of depth 0 are not indexed: only the rows of the
    // incremental updates are there, which are not whole counts.
    if (!every && q.depth <= 0)
      return std::int64_t{-1};
    long long u = q.user_id;
    std::string k{to_string(q.kind)};
    std::string nn = normalize_name(q.name);
    std::string na = q.kind == entity_kind::artist ? std::string{} : normalize_name(q.artist);
    // A row counts every scrobble up to its updated_at, or (0: written by
    // the indexer) up to the index time the page of `since` starts at.
    auto later_than = [&](long long counted_through) {
      return static_cast<std::int64_t>(
        std::count_if(q.since.begin(), q.since.end(),
                      [&](std::int64_t t) { return t > counted_through; }));
    };
    if (!impl_->plays_row)
      impl_->plays_row = std::make_unique<plays_row_statement>(impl_->sql);
    auto& row = *impl_->plays_row;
    row.user = u;
    row.kind = k;
    row.name = std::move(nn);
    row.artist = std::move(na);
    if (row.st.execute(true)) {
      finish(row.st);
      return static_cast<std::int64_t>(row.plays) + later_than(row.counted_through);
    }
    if (every)
      return later_than(0);
    // No row: a list shorter than the depth was indexed whole, so the user
    // never played it; at the depth, it may sit below the cut. The last full
    // index wrote the list's length; an index older than that column has
    // its rows counted.
    long long rows = -1;
    if (q.kind != entity_kind::artist) {
      soci::indicator ind = soci::i_ok;
      impl_->sql << (q.kind == entity_kind::album
                       ? "SELECT albums_indexed FROM index_state WHERE user_id = :u"
                       : "SELECT tracks_indexed FROM index_state WHERE user_id = :u"),
        soci::into(rows, ind), soci::use(u, "u");
      if (!impl_->sql.got_data() || ind != soci::i_ok)
        rows = -1;
    }
    if (rows < 0)
      impl_->sql << "SELECT COUNT(*) FROM user_plays p JOIN entities e ON e.id = p.entity_id"
                    " WHERE p.user_id = :u AND e.kind = :k",
        soci::into(rows), soci::use(u, "u"), soci::use(k, "k");
    return rows < q.depth ? later_than(0) : std::int64_t{-1};
  });
}

} // namespace lastgram::database
