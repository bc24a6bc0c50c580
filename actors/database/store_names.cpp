// Artist names as Last.fm files them (artist.getCorrection, cached in
// artist_corrections) and the recent-scrobble fact of the botted-account
// rule.

#include "actors/database/store_impl.hpp"
#include "actors/database/transaction.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace {

constexpr std::size_t kNamesPerQuery = 200;

std::optional<long long> artist_entity(soci::session& sql, const std::string& key) {
  long long id = 0;
  sql << "SELECT id FROM entities WHERE kind = 'artist' AND normalized_name = :k"
         " AND normalized_artist = ''",
    soci::into(id), soci::use(key, "k");
  if (!sql.got_data())
    return std::nullopt;
  return id;
}

// The current holding of a crown: user and plays (0, 0 when none).
std::pair<long long, long long> holding_of(soci::session& sql, long long crown) {
  long long user = 0, plays = 0;
  sql << "SELECT user_id, playcount FROM crown_holders WHERE crown_id = :c AND is_current = 1",
    soci::into(user), soci::into(plays), soci::use(crown, "c");
  if (!sql.got_data())
    return {0, 0};
  return {user, plays};
}

// One group's two crowns become `into`'s: the holding with more plays stays
// current (ties: `into`'s), the other is closed, and `from`'s history and
// switches move over. The triggers of migration 9 keep the counters.
void merge_crown_pair(soci::session& sql, long long from, long long into, long long now) {
  auto [old_user, old_plays] = holding_of(sql, from);
  auto [new_user, new_plays] = holding_of(sql, into);
  long long switched = 0;
  if (old_user != 0 && new_user != 0) {
    long long loser = new_plays >= old_plays ? from : into;
    switched = loser == into ? 1 : 0;
    sql << "UPDATE crown_holders SET is_current = 0, until = :now"
           " WHERE crown_id = :c AND is_current = 1",
      soci::use(now, "now"), soci::use(loser, "c");
  }
  sql << "UPDATE crown_holders SET crown_id = :t WHERE crown_id = :f", soci::use(into, "t"),
    soci::use(from, "f");
  sql << "UPDATE crowns SET switched_times = switched_times + :s"
         " + (SELECT o.switched_times FROM crowns o WHERE o.id = :f),"
         " claimed = CASE WHEN holder_plays IS NULL THEN claimed ELSE 1 END WHERE id = :t",
    soci::use(switched, "s"), soci::use(from, "f"), soci::use(into, "t");
  sql << "DELETE FROM crowns WHERE id = :f", soci::use(from, "f");
}

// Folds artist entity `from` into `into`: per user the plays add up
// (library and staged index), a group's two crowns become one, and `from`
// goes. Albums and tracks are keyed by the artist's name, not its entity,
// and are left as they are.
void merge_artist(soci::session& sql, long long from, long long into, long long now) {
  std::vector<long long> olds(64), news(64);
  sql << "SELECT o.id, n.id FROM crowns o JOIN crowns n ON n.group_id = o.group_id"
         " AND n.entity_id = :t WHERE o.entity_id = :f",
    soci::into(olds), soci::into(news), soci::use(into, "t"), soci::use(from, "f");
  while (!olds.empty()) {
    for (std::size_t i = 0; i < olds.size(); ++i)
      merge_crown_pair(sql, olds[i], news[i], now);
    olds.resize(64);
    news.resize(64);
    sql << "SELECT o.id, n.id FROM crowns o JOIN crowns n ON n.group_id = o.group_id"
           " AND n.entity_id = :t WHERE o.entity_id = :f",
      soci::into(olds), soci::into(news), soci::use(into, "t"), soci::use(from, "f");
  }
  sql << "UPDATE crowns SET entity_id = :t WHERE entity_id = :f", soci::use(into, "t"),
    soci::use(from, "f");
  // The later of the two marks: the incremental update adds only scrobbles
  // after it, so nothing is counted twice (a few may wait for the next
  // full index).
  sql << "INSERT INTO user_plays (user_id, entity_id, playcount, updated_at)"
         " SELECT user_id, :t, playcount, updated_at FROM user_plays WHERE entity_id = :f"
         " ON CONFLICT (user_id, entity_id) DO UPDATE SET"
         " playcount = user_plays.playcount + excluded.playcount,"
         " updated_at = CASE WHEN excluded.updated_at > user_plays.updated_at"
         " THEN excluded.updated_at ELSE user_plays.updated_at END",
    soci::use(into, "t"), soci::use(from, "f");
  sql << "INSERT INTO index_staging (user_id, kind, entity_id, playcount)"
         " SELECT user_id, kind, :t, playcount FROM index_staging WHERE entity_id = :f"
         " ON CONFLICT (user_id, kind, entity_id) DO UPDATE SET"
         " playcount = index_staging.playcount + excluded.playcount",
    soci::use(into, "t"), soci::use(from, "f");
  // Its plays, staging rows and crowns moved above; nothing cascades.
  sql << "DELETE FROM entities WHERE id = :f", soci::use(from, "f");
}

} // namespace

result<std::unordered_map<std::string, std::string>>
store::artist_corrections(const std::vector<std::string>& names) {
  using map = std::unordered_map<std::string, std::string>;
  return impl_->guard("artist_corrections", [&]() -> result<map> {
    map out;
    std::vector<std::string> folded;
    folded.reserve(names.size());
    for (const auto& n : names)
      if (auto f = normalize_name(n); !f.empty())
        folded.push_back(std::move(f));
    for (std::size_t first = 0; first < folded.size(); first += kNamesPerQuery) {
      auto last = std::min(folded.size(), first + kNamesPerQuery);
      std::string q = "SELECT normalized_name, canonical_name FROM artist_corrections"
                      " WHERE normalized_name IN (";
      for (auto i = first; i < last; ++i)
        q += (i == first ? ":n" : ", :n") + std::to_string(i - first);
      q += ")";
      std::string key;
      std::string canonical;
      soci::statement st{impl_->sql};
      st.exchange(soci::into(key));
      st.exchange(soci::into(canonical));
      for (auto i = first; i < last; ++i)
        st.exchange(soci::use(folded[i], "n" + std::to_string(i - first)));
      st.alloc();
      st.prepare(q);
      st.define_and_bind();
      st.execute(false);
      while (st.fetch())
        out[key] = canonical;
    }
    return out;
  });
}

result<void> store::put_artist_correction(std::string_view name, std::string_view canonical,
                                          std::int64_t now) {
  return impl_->guard("put_artist_correction", [&]() -> result<void> {
    auto& sql = impl_->sql;
    std::string key = normalize_name(name);
    std::string to{canonical.empty() ? name : canonical};
    long long at = now;
    if (key.empty())
      return {};
    detail::write_transaction tr{sql, impl_->backend};
    sql << "INSERT INTO artist_corrections (normalized_name, canonical_name, checked_at)"
           " VALUES (:k, :c, :at) ON CONFLICT (normalized_name) DO UPDATE SET"
           " canonical_name = excluded.canonical_name, checked_at = excluded.checked_at",
      soci::use(key, "k"), soci::use(to, "c"), soci::use(at, "at");
    // Plays and crowns stored under the old name (before Last.fm's answer
    // was known) join the canonical artist, so a renamed artist keeps one
    // list and one crown per group.
    std::string to_key = normalize_name(to);
    if (!to_key.empty() && to_key != key) {
      if (auto from = artist_entity(sql, key)) {
        if (auto into = artist_entity(sql, to_key)) {
          merge_artist(sql, *from, *into, at);
        } else {
          sql << "UPDATE entities SET name = :n, normalized_name = :k WHERE id = :id",
            soci::use(to, "n"), soci::use(to_key, "k"), soci::use(*from, "id");
        }
      }
    }
    tr.commit();
    return {};
  });
}

result<void> store::set_fm_recent(std::int64_t user_id, std::int64_t scrobbles,
                                  std::int64_t at) {
  return impl_->guard("set_fm_recent", [&]() -> result<void> {
    long long u = user_id, s = scrobbles, a = at;
    impl_->sql << "UPDATE users SET fm_recent_scrobbles = :s, fm_recent_at = :a WHERE id = :u",
      soci::use(s, "s"), soci::use(a, "a"), soci::use(u, "u");
    return {};
  });
}

} // namespace lastgram::database
