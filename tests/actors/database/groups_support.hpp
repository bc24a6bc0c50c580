#pragma once

// What the group-side store tests share (store_groups.cpp,
// store_crown_counts.cpp): users who listen in one Telegram group, a
// who-knows run and a crown query with the store's own request structs, and
// the crown counters of migration 9 next to a recount of them.

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "actors/database/store.hpp"
#include "actors/test_db.hpp"

namespace lastgram::test::groups {

using namespace lastgram::database;

constexpr auto tg = platform_kind::telegram;
inline const std::string group = "-100";

/// Registers `id` (fm user "fm_<id>", name "N<id>"), makes them a member of
/// the group and gives them `plays` of `artist`; returns the user's row id.
inline std::int64_t listener(store& db, const std::string& id, const std::string& artist,
                             std::int64_t plays) {
  auto user = db.register_user(tg, id, "fm_" + id, "N" + id);
  REQUIRE_OK(user);
  REQUIRE_OK(db.record_member(tg, group, id));
  auto e = db.upsert_entity(entity_kind::artist, artist);
  REQUIRE_OK(e);
  REQUIRE_OK(db.set_user_plays(user->id, *e, plays));
  return user->id;
}

inline who_knows_answer wk(store& db, const std::string& invoker, const std::string& artist,
                           std::int64_t fresh = -1, const std::string& where = group) {
  who_knows_request req;
  req.platform = tg;
  req.group_id = where;
  req.name = artist;
  req.invoker_id = invoker;
  req.invoker_plays = fresh;
  auto res = db.run_who_knows(req);
  REQUIRE_OK(res);
  return std::move(res).value();
}

inline crown_answer crowns(store& db, crown_query what, const std::string& user = {},
                           const std::string& name = {}, const std::string& where = group) {
  crown_request req;
  req.what = what;
  req.platform = tg;
  req.group_id = where;
  req.user_id = user;
  req.name = name;
  auto res = db.query_crowns(req);
  REQUIRE_OK(res);
  return std::move(res).value();
}

/// The crown counters as rows of text: every group_crown_holders row,
/// then every crown's holder_plays (-1 for none), in key order.
inline std::vector<std::string> counter_rows(test_db& tdb) {
  auto& sql = tdb.admin();
  std::vector<std::string> out;
  long long g = 0, u = 0, n = 0, id = 0, plays = 0;
  std::string kind;
  soci::statement st = (sql.prepare << "SELECT group_id, kind, user_id, crowns FROM"
                                       " group_crown_holders ORDER BY group_id, kind, user_id",
                        soci::into(g), soci::into(kind), soci::into(u), soci::into(n));
  st.execute();
  while (st.fetch())
    out.push_back(std::to_string(g) + "/" + kind + "/" + std::to_string(u) + ": "
                  + std::to_string(n));
  soci::statement cr = (sql.prepare << "SELECT id, COALESCE(holder_plays, -1) FROM crowns"
                                       " ORDER BY id",
                        soci::into(id), soci::into(plays));
  cr.execute();
  while (cr.fetch())
    out.push_back("crown " + std::to_string(id) + ": " + std::to_string(plays));
  return out;
}

/// The counters the triggers kept, then the same counters rebuilt by
/// crown_counter_recount (the migration's backfill) from crown_holders.
inline std::pair<std::vector<std::string>, std::vector<std::string>>
kept_and_recounted(test_db& tdb, backend_kind backend) {
  auto& sql = tdb.admin();
  if (backend == backend_kind::postgresql)
    sql << "SET search_path TO " + tdb.name();
  auto kept = counter_rows(tdb);
  {
    soci::transaction tr{sql};
    for (const auto& stmt : crown_counter_recount())
      sql << stmt;
    tr.commit();
  }
  return {kept, counter_rows(tdb)};
}

/// Checks that the counters the triggers kept equal a recount.
inline void check_counters(test_db& tdb, backend_kind backend) {
  auto [kept, recounted] = kept_and_recounted(tdb, backend);
  CHECK(kept == recounted);
}

} // namespace lastgram::test::groups
