// The crown counters of migration 9 (group_crown_holders, crowns.holder_plays)
// and the reads built on them, on SQLite and on PostgreSQL: the counters
// the triggers keep equal a recount from crown_holders after every kind of
// crown change; the one-statement group who-knows equals a list computed by
// hand; an artist correction folds the old name's plays and crowns into the
// canonical artist.

#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "actors/database/groups_support.hpp"

using namespace lastgram;
using namespace lastgram::database;
using lastgram::test::test_db;
using namespace lastgram::test::groups;

namespace {

crowns_board board(store& db, const std::string& where = group) {
  return crowns(db, crown_query::board, {}, {}, where).board;
}

std::vector<std::string> holder_names(const crowns_board& b) {
  std::vector<std::string> out;
  for (const auto& h : b.top_holders)
    out.push_back(h.name + ":" + std::to_string(h.crowns));
  return out;
}

std::vector<std::string> crown_names(const std::vector<crown_entry>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows)
    out.push_back(r.name + ":" + std::to_string(r.playcount) + ":" + std::to_string(r.switches));
  return out;
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("crown counters follow claims steals clears bans migrations and unregistering",
          "[db][groups][crown_counts]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "Muse", 90);
  listener(db, "b", "Muse", 40);
  listener(db, "a", "Tool", 70);
  listener(db, "c", "Tool", 60);
  listener(db, "b", "Kent", 50);
  REQUIRE(wk(db, "a", "Muse").change == crown_change::claimed);
  REQUIRE(wk(db, "a", "Tool").change == crown_change::claimed);
  REQUIRE(wk(db, "b", "Kent").change == crown_change::claimed);
  check_counters(tdb, backend);
  auto first = board(db);
  CHECK(first.crowns == 3);
  CHECK(first.holders == 2);
  CHECK(holder_names(first) == names{"Na:2", "Nb:1"});
  CHECK(first.most_switched.empty());
  CHECK(crown_names(first.most_plays) == names{"Muse:90:0", "Tool:70:0", "Kent:50:0"});

  // A steal moves one crown; a kept holder's fresh count reaches the board.
  REQUIRE(wk(db, "c", "Tool", 80).change == crown_change::stolen);
  REQUIRE(wk(db, "a", "Muse", 95).change == crown_change::kept);
  check_counters(tdb, backend);
  auto stolen = board(db);
  CHECK(stolen.holders == 3);
  CHECK(holder_names(stolen) == names{"Na:1", "Nb:1", "Nc:1"});
  CHECK(crown_names(stolen.most_switched) == names{"Tool:80:1"});
  CHECK(crown_names(stolen.most_plays) == names{"Muse:95:0", "Tool:80:1", "Kent:50:0"});

  // Another kind counts separately and adds up on the board.
  REQUIRE_OK(db.set_group_crowns(tg, group, entity_kind::album, true));
  who_knows_request album;
  album.platform = tg;
  album.group_id = group;
  album.kind = entity_kind::album;
  album.name = "Absolution";
  album.artist = "Muse";
  album.invoker_id = "a";
  album.invoker_plays = 100;
  REQUIRE(db.run_who_knows(album).value().change == crown_change::claimed);
  check_counters(tdb, backend);
  CHECK(board(db).crowns == 4);
  CHECK(holder_names(board(db)) == names{"Na:2", "Nb:1", "Nc:1"});

  // Clearing: Muse passes to b, the album is freed.
  REQUIRE_OK(db.set_crown_banned(tg, "a", true));
  REQUIRE(db.clear_user_crowns(tg, group, "a").value() == 2);
  check_counters(tdb, backend);
  auto cleared = board(db);
  CHECK(cleared.crowns == 3);
  CHECK(holder_names(cleared) == names{"Nb:2", "Nc:1"});
  CHECK(crown_names(cleared.most_plays) == names{"Tool:80:1", "Kent:50:0", "Muse:40:1"});

  // A crown-banned holder loses Tool and nobody else may hold it.
  REQUIRE_OK(db.set_crown_banned(tg, "c", true));
  REQUIRE(wk(db, "c", "Tool").change == crown_change::released);
  check_counters(tdb, backend);
  CHECK(board(db).crowns == 2);
  CHECK(board(db).most_switched.size() == 1); // Muse; Tool is no longer held

  // A supergroup migration takes the counts along.
  REQUIRE_OK(db.migrate_group(tg, group, "-1009"));
  check_counters(tdb, backend);
  CHECK(board(db).crowns == 0);
  CHECK(board(db).top_holders.empty());
  CHECK(holder_names(board(db, "-1009")) == names{"Nb:2"});

  // A user's deletion takes their holdings and counts by cascade.
  REQUIRE_OK(db.unregister_user(tg, "b"));
  check_counters(tdb, backend);
  auto gone = board(db, "-1009");
  CHECK(gone.crowns == 0);
  CHECK(gone.holders == 0);
  CHECK(gone.most_plays.empty());
}

TEST_CASE("crown counters equal a recount after a random run of crown changes",
          "[db][groups][crown_counts]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  const std::vector<std::string> artists{"A", "B", "C", "D", "E", "F"};
  const std::vector<std::string> users{"u1", "u2", "u3", "u4", "u5"};
  std::mt19937 rng{20261204};
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  };
  for (const auto& u : users)
    for (const auto& a : artists)
      listener(db, u, a, std::uniform_int_distribution<int>(0, 80)(rng));
  REQUIRE_OK(db.upsert_group(tg, "-200", "other"));
  for (const auto& u : users)
    REQUIRE_OK(db.record_member(tg, "-200", u));
  for (int step = 0; step < 120; ++step) {
    INFO("step " << step);
    auto where = step % 3 == 0 ? std::string{"-200"} : group;
    switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
      case 0:
        REQUIRE_OK(db.set_crown_banned(tg, pick(users), rng() % 2 == 0));
        break;
      case 1:
        REQUIRE_OK(db.clear_user_crowns(tg, where, pick(users)));
        break;
      case 2:
        REQUIRE_OK(db.set_crown_threshold(tg, where, 10 + rng() % 60));
        break;
      default:
        wk(db, pick(users), pick(artists), std::uniform_int_distribution<int>(0, 100)(rng),
           where);
    }
  }
  check_counters(tdb, backend);
  // The board's totals agree with the users' own crown lists.
  for (const auto& where : {group, std::string{"-200"}}) {
    std::int64_t total = 0, holders = 0;
    for (const auto& u : users) {
      auto n = crowns(db, crown_query::user_crowns, u, {}, where).crowns.total;
      total += n;
      holders += n > 0 ? 1 : 0;
    }
    auto b = board(db, where);
    CHECK(b.crowns == total);
    CHECK(b.holders == holders);
  }
}

TEST_CASE("migration 9 counts the crowns held before it", "[db][groups][crown_counts]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto opened = store::open(tdb.settings());
  REQUIRE_OK(opened);
  auto db = std::move(opened).value();
  auto before = all_migrations();
  before.erase(std::remove_if(before.begin(), before.end(),
                              [](const migration& m) { return m.id >= 9; }),
               before.end());
  REQUIRE_OK(db.migrate(before));
  listener(db, "a", "Muse", 90);
  listener(db, "b", "Muse", 40);
  listener(db, "b", "Kent", 50);
  REQUIRE(wk(db, "a", "Muse").change == crown_change::claimed);
  REQUIRE(wk(db, "b", "Muse", 95).change == crown_change::stolen);
  REQUIRE(wk(db, "b", "Kent").change == crown_change::claimed);

  auto applied = db.migrate();
  REQUIRE_OK(applied);
  CHECK(*applied >= 1);
  check_counters(tdb, backend);
  auto b = board(db);
  CHECK(b.crowns == 2);
  CHECK(holder_names(b) == names{"Nb:2"});
  CHECK(crown_names(b.most_plays) == names{"Muse:95:1", "Kent:50:0"});
  CHECK(crown_names(b.most_switched) == names{"Muse:95:1"});
}

TEST_CASE("a group's who-knows in one statement equals the list computed by hand",
          "[db][groups][crown_counts]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  struct person {
    std::string id;
    std::int64_t row = 0;
    std::int64_t plays = 0;
    bool member = true, banned = false, crown_banned = false;
  };
  std::mt19937 rng{4242};
  std::vector<person> people;
  for (int i = 0; i < 40; ++i) {
    person p;
    p.id = "p" + std::to_string(i);
    // Few distinct counts: ties are ordered by user id.
    p.plays = std::uniform_int_distribution<int>(0, 12)(rng) * 5;
    p.member = i % 9 != 4;
    p.banned = i % 7 == 3;
    p.crown_banned = i % 5 == 1;
    if (p.member) {
      p.row = listener(db, p.id, "Muse", p.plays);
    } else {
      p.row = db.register_user(tg, p.id, "fm_" + p.id, "N" + p.id).value().id;
      auto e = db.upsert_entity(entity_kind::artist, "Muse").value();
      REQUIRE_OK(db.set_user_plays(p.row, e, p.plays));
    }
    if (p.banned)
      REQUIRE_OK(db.set_banned(tg, p.id, true));
    if (p.crown_banned)
      REQUIRE_OK(db.set_crown_banned(tg, p.id, true));
    people.push_back(p);
  }
  std::vector<person> listed;
  std::copy_if(people.begin(), people.end(), std::back_inserter(listed),
               [](const person& p) { return p.member && !p.banned && p.plays > 0; });
  std::sort(listed.begin(), listed.end(), [](const person& a, const person& b) {
    return a.plays != b.plays ? a.plays > b.plays : a.row < b.row;
  });
  REQUIRE(listed.size() > 18);
  std::int64_t total = 0;
  for (const auto& p : listed)
    total += p.plays;
  auto top = std::find_if(listed.begin(), listed.end(),
                          [](const person& p) { return !p.crown_banned; });
  REQUIRE(top != listed.end());
  REQUIRE(top->plays >= 30);

  // The old statements' list (store::who_knows) agrees on the first page.
  auto group_row = db.get_group(tg, group).value().value().id;
  auto muse = db.upsert_entity(entity_kind::artist, "Muse").value();
  auto old_list = db.who_knows(group_row, muse, 15).value();

  for (const auto& invoker : {listed[17].id, listed[0].id, people[4].id, people[3].id}) {
    for (std::int64_t offset : {0, 5, 15, 30, 100}) {
      for (std::int64_t limit : {0, 3, 15}) {
        INFO("invoker " << invoker << " offset " << offset << " limit " << limit);
        who_knows_request req;
        req.platform = tg;
        req.group_id = group;
        req.name = "Muse";
        req.invoker_id = invoker;
        req.offset = offset;
        req.limit = limit;
        auto got = db.run_who_knows(req);
        REQUIRE_OK(got);
        CHECK(got->listeners == static_cast<std::int64_t>(listed.size()));
        CHECK(got->plays == total);
        auto at = std::find_if(listed.begin(), listed.end(),
                               [&](const person& p) { return p.id == invoker; });
        if (at == listed.end()) {
          CHECK(got->invoker_rank == 0);
        } else {
          CHECK(got->invoker_rank == at - listed.begin() + 1);
          CHECK(got->invoker_plays == at->plays);
        }
        auto first = std::min<std::size_t>(static_cast<std::size_t>(offset), listed.size());
        auto last = std::min<std::size_t>(first + static_cast<std::size_t>(limit), listed.size());
        REQUIRE(got->rows.size() == last - first);
        for (std::size_t i = first; i < last; ++i) {
          const auto& row = got->rows[i - first];
          CHECK(row.rank == static_cast<std::int64_t>(i + 1));
          CHECK(row.user_id == listed[i].row);
          CHECK(row.playcount == listed[i].plays);
          CHECK(row.invoker == (listed[i].id == invoker));
          CHECK(row.holder == (listed[i].id == top->id));
          if (offset == 0 && i < old_list.size())
            CHECK(old_list[i].user_id == row.user_id);
        }
        CHECK(got->holder_name == "N" + top->id);
      }
    }
  }

  // The holder is crown-banned: the next eligible listener takes it.
  auto next = std::find_if(top + 1, listed.end(), [](const person& p) { return !p.crown_banned; });
  REQUIRE(next != listed.end());
  REQUIRE(next->plays >= 30);
  REQUIRE_OK(db.set_crown_banned(tg, top->id, true));
  auto after = wk(db, listed[0].id, "Muse");
  CHECK(after.change == crown_change::stolen);
  CHECK(after.previous_holder == "N" + top->id);
  CHECK(after.holder_name == "N" + next->id);
  check_counters(tdb, backend);
}

TEST_CASE("an artist correction folds the old name's plays and crowns into the canonical one",
          "[db][groups][crown_counts]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  // Plays stored under both names before Last.fm's correction was known.
  listener(db, "a", "Beatles", 40);
  listener(db, "b", "Beatles", 10);
  listener(db, "a", "The Beatles", 5);
  listener(db, "b", "The Beatles", 50);
  listener(db, "c", "Radiohed", 35);
  auto album = db.upsert_entity(entity_kind::album, "Abbey Road", "Beatles").value();
  REQUIRE_OK(db.set_user_plays(db.get_user(tg, "a").value()->id, album, 7));
  REQUIRE(wk(db, "a", "Beatles").change == crown_change::claimed);
  REQUIRE(wk(db, "b", "The Beatles").change == crown_change::claimed);
  REQUIRE(wk(db, "c", "Radiohed").change == crown_change::claimed);
  REQUIRE(board(db).crowns == 3);

  auto now = static_cast<std::int64_t>(std::time(nullptr));
  REQUIRE_OK(db.put_artist_correction("beatles", "The Beatles", now));
  // One artist: plays summed per user, listed under either name.
  for (const auto& asked : {"Beatles", "The Beatles"}) {
    auto merged = wk(db, "a", asked);
    CHECK(merged.name == "The Beatles");
    CHECK(merged.listeners == 2);
    CHECK(merged.plays == 105);
    REQUIRE(merged.rows.size() == 2);
    CHECK(merged.rows[0].fm_username == "fm_b");
    CHECK(merged.rows[0].playcount == 60);
    CHECK(merged.rows[1].playcount == 45);
    // b held the canonical crown with more plays than a held the old one:
    // one crown, b's, refreshed to the merged count.
    CHECK(merged.change == crown_change::kept);
    CHECK(merged.holder_name == "Nb");
    CHECK(merged.holder_plays == 60);
  }
  auto history = crowns(db, crown_query::history, {}, "The Beatles").entries;
  REQUIRE(history.size() == 2); // a's closed holding came along
  CHECK(history[0].holder_name == "Na");
  CHECK(history[0].until > 0);
  CHECK(history[1].holder_name == "Nb");
  CHECK(history[1].until == 0);

  // No canonical artist stored yet: the old one is renamed, crown and all.
  REQUIRE_OK(db.put_artist_correction("Radiohed", "Radiohead", now));
  auto renamed = wk(db, "c", "radiohead");
  CHECK(renamed.name == "Radiohead");
  CHECK(renamed.change == crown_change::kept);
  CHECK(renamed.holder_name == "Nc");

  auto b = board(db);
  CHECK(b.crowns == 2);
  CHECK(holder_names(b) == names{"Nb:1", "Nc:1"});
  check_counters(tdb, backend);
  // Albums are keyed by their artist's name and are not merged.
  CHECK(db.count_listeners(entity_kind::album, "Abbey Road", "Beatles").value() == 1);
  CHECK(db.count_listeners(entity_kind::album, "Abbey Road", "The Beatles").value() == 0);
}
