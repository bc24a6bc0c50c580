// The durable inbox of the store (update_inbox) on SQLite and PostgreSQL:
// stored once per update id, claimed by one process at a time under a lease,
// marked replied and done, pruned once done.

#include <catch2/catch.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/database/store.hpp"
#include "actors/test_db.hpp"

using namespace lastgram;
using namespace lastgram::database;
using lastgram::test::test_db;

namespace {

inbox_entry update(const std::string& id, platform_kind p = platform_kind::telegram) {
  return inbox_entry{p, id, "{\"update_id\":" + id + "}", 0, false};
}

std::vector<std::string> ids_of(const result<std::vector<inbox_entry>>& res) {
  INFO((res ? "" : res.error().message));
  REQUIRE(res.has_value());
  std::vector<std::string> out;
  for (auto& e : res.value())
    out.push_back(e.update_id);
  return out;
}

std::int64_t pending(store& db, platform_kind p = platform_kind::telegram) {
  auto n = db.inbox_pending(p);
  REQUIRE(n.has_value());
  return n.value();
}

constexpr std::int64_t t0 = 1'700'000'000;
constexpr std::int64_t lease = 30;
const auto tg = platform_kind::telegram;

/// A migrated store holding the updates `ids`, received and claimed by
/// `claimer` at t0.
store open_with(test_db& tdb, std::initializer_list<const char*> ids,
                const char* claimer = "a") {
  auto db = tdb.open();
  for (auto id : ids)
    REQUIRE(db.inbox_add(update(id), claimer, t0).value());
  return db;
}

} // namespace

TEST_CASE("inbox: an update id is stored once and a re-delivery is told apart", "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  CHECK(db.inbox_add(update("1"), "a", t0).value());
  CHECK_FALSE(db.inbox_add(update("1"), "b", t0 + 1).value());
  // The same id on another platform is another update.
  CHECK(db.inbox_add(update("1", platform_kind::discord), "a", t0).value());
  CHECK(pending(db) == 1);
  CHECK(pending(db, platform_kind::discord) == 1);
  // The payload is kept verbatim, quotes and non-ASCII included.
  auto odd = update("2");
  odd.payload = "{\"text\":\"it's \xC3\xA9t\xC3\xA9 \\\"quoted\\\"\"}";
  REQUIRE(db.inbox_add(odd, "a", t0).value());
  auto taken = db.inbox_claim(tg, "b", t0 + lease, lease, 10);
  REQUIRE(taken.has_value());
  REQUIRE(taken->size() == 2);
  CHECK(taken->at(1).payload == odd.payload);
  CHECK(taken->at(1).received_at == t0);
}

TEST_CASE("inbox: a batch is stored in one go, re-deliveries left out, and marked in one go",
          "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"2"}, "b");
  std::vector<inbox_entry> batch{update("1"), update("2"), update("3"),
                                 update("2", platform_kind::discord)};
  auto fresh = db.inbox_add(batch, "a", t0);
  REQUIRE(fresh.has_value());
  // "2" on Telegram was stored (by b) before: left as it was, b's.
  CHECK(fresh.value() == std::vector<std::string>{"1", "3", "2"});
  CHECK(db.inbox_owner(tg, "2").value()->claimed_by == "b");
  CHECK(db.inbox_owner(tg, "3").value()->claimed_by == "a");
  CHECK(db.inbox_add(std::vector<inbox_entry>{}, "a", t0).value().empty());
  CHECK(pending(db) == 3);
  // Replied and done together, unknown ids skipped: 1 and 2 replied, 1 and
  // 3 done.
  auto changed = db.inbox_mark(tg, {"1", "2", "404"}, {"1", "3", "405"}, t0 + 1);
  REQUIRE(changed.has_value());
  CHECK(changed.value() == 4);
  CHECK(pending(db) == 1);
  CHECK(db.inbox_owner(tg, "1").value()->done);
  CHECK(db.inbox_owner(tg, "3").value()->done);
  CHECK_FALSE(db.inbox_owner(tg, "2").value()->done);
  // What a taker finds: 2 alone, replied (its answer is not sent again).
  auto taken = db.inbox_claim(tg, "c", t0 + lease, lease, 10);
  REQUIRE(taken.has_value());
  REQUIRE(taken->size() == 1);
  CHECK(taken->at(0).update_id == "2");
  CHECK(taken->at(0).replied);
}

TEST_CASE("inbox: only rows whose lease ran out are claimed and by one claimer",
          "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"10", "11", "12"}, "dead");
  auto other = tdb.open();
  // Within the lease nobody takes them, and a claimer never takes its own.
  CHECK(ids_of(db.inbox_claim(tg, "b", t0 + lease - 1, lease, 10)).empty());
  CHECK(ids_of(db.inbox_claim(tg, "dead", t0 + lease + 5, lease, 10)).empty());
  // "dead" renewed its lease by claiming at t0 + lease + 5.
  CHECK(ids_of(db.inbox_claim(tg, "b", t0 + lease + 6, lease, 10)).empty());
  auto later = t0 + 3 * lease;
  // Two processes claiming: each row goes to exactly one of them, oldest first.
  CHECK(ids_of(db.inbox_claim(tg, "b", later, lease, 2)) == std::vector<std::string>{"10", "11"});
  CHECK(ids_of(other.inbox_claim(tg, "c", later, lease, 10)) == std::vector<std::string>{"12"});
  CHECK(ids_of(other.inbox_claim(tg, "c", later, lease, 10)).empty());
  // "b" keeps renewing; "c" stops, and its row is taken over once its lease ends.
  CHECK(ids_of(db.inbox_claim(tg, "b", later + lease, lease, 10)) == std::vector<std::string>{"12"});
}

TEST_CASE("inbox: done rows are never claimed again and replied rows say so", "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"1", "2", "3"});
  REQUIRE(db.inbox_mark(tg, "1", inbox_mark::done, t0 + 1).has_value());
  REQUIRE(db.inbox_mark(tg, "2", inbox_mark::replied, t0 + 1).has_value());
  CHECK(db.inbox_mark(tg, "99", inbox_mark::done, t0).error().code == db_errc::not_found);
  CHECK(pending(db) == 2);
  auto taken = db.inbox_claim(tg, "b", t0 + lease, lease, 10);
  REQUIRE(taken.has_value());
  REQUIRE(taken->size() == 2);
  CHECK(taken->at(0).update_id == "2");
  CHECK(taken->at(0).replied);
  CHECK_FALSE(taken->at(1).replied);
}

TEST_CASE("inbox: pruning deletes only rows done long enough ago", "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"1", "2", "3"});
  REQUIRE(db.inbox_mark(tg, "1", inbox_mark::done, t0 + 10).has_value());
  REQUIRE(db.inbox_mark(tg, "2", inbox_mark::done, t0 + 20).has_value());
  // Marking done again keeps the first time.
  REQUIRE(db.inbox_mark(tg, "1", inbox_mark::done, t0 + 50).has_value());
  CHECK(db.inbox_prune(t0 + 9).value() == 0);
  CHECK(db.inbox_prune(t0 + 10).value() == 1);
  CHECK(db.inbox_prune(t0 + 100).value() == 1);
  // The unfinished one stays, and a re-delivery of a pruned id is new again.
  CHECK(pending(db) == 1);
  CHECK(db.inbox_add(update("1"), "a", t0 + 200).value());
}

TEST_CASE("inbox: the unfinished rows of a platform, with their replied flag", "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"1", "2", "3"});
  REQUIRE(db.inbox_add(update("9", platform_kind::discord), "a", t0).value());
  REQUIRE(db.inbox_mark(tg, "2", inbox_mark::replied, t0 + 1).has_value());
  REQUIRE(db.inbox_mark(tg, "3", inbox_mark::done, t0 + 1).has_value());
  auto rows = db.inbox_unfinished(tg);
  CHECK(ids_of(rows) == std::vector<std::string>{"1", "2"});
  CHECK_FALSE(rows->at(0).replied);
  CHECK(rows->at(1).replied);
  CHECK(rows->at(1).received_at == t0);
  CHECK(rows->at(1).payload == "{\"update_id\":2}");
  CHECK(ids_of(db.inbox_unfinished(platform_kind::discord)) == std::vector<std::string>{"9"});
}

TEST_CASE("inbox: who holds a row is told, so a store that timed out is not handled twice",
          "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"1", "2"}, "a");
  // Not stored: nobody holds it.
  auto none = db.inbox_owner(tg, "9");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  // Stored under "a"'s claim (the add may have timed out for "a").
  auto held = db.inbox_owner(tg, "1");
  REQUIRE(held.has_value());
  REQUIRE(held->has_value());
  CHECK((*held)->claimed_by == "a");
  CHECK_FALSE((*held)->done);
  // Taken over by "b" once "a"'s lease ran out: "b" holds it now.
  REQUIRE(ids_of(db.inbox_claim(tg, "b", t0 + lease, lease, 1)) == std::vector<std::string>{"1"});
  CHECK(db.inbox_owner(tg, "1").value()->claimed_by == "b");
  // Done: said so, whoever claimed it.
  REQUIRE(db.inbox_mark(tg, "2", inbox_mark::done, t0 + 1).has_value());
  CHECK(db.inbox_owner(tg, "2").value()->done);
  // Another platform's row of the same id is another update.
  CHECK_FALSE(db.inbox_owner(platform_kind::discord, "1").value().has_value());
}

TEST_CASE("inbox: a claim with no room takes nothing over and only renews the claimer's rows",
          "[db][inbox]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = open_with(tdb, {"1"}, "a");
  REQUIRE(db.inbox_add(update("2"), "b", t0).value());
  // After an outage both leases look lapsed; "b" renews only (limit 0) ...
  auto later = t0 + 2 * lease;
  CHECK(ids_of(db.inbox_claim(tg, "b", later, lease, 0)).empty());
  CHECK(db.inbox_owner(tg, "1").value()->claimed_by == "a");
  // ... "a" renews on its own sweep, so "b"'s next sweep robs nobody ...
  CHECK(ids_of(db.inbox_claim(tg, "a", later + 1, lease, 0)).empty());
  CHECK(ids_of(db.inbox_claim(tg, "b", later + 2, lease, 10)).empty());
  // ... and "b"'s renewed row stays "b"'s.
  CHECK(ids_of(db.inbox_claim(tg, "c", later + lease - 1, lease, 10)).empty());
  CHECK(db.inbox_owner(tg, "2").value()->claimed_by == "b");
}

namespace {

/// Holds a row lock on update `id` in an open transaction of its own
/// connection, until released (rolled back).
struct row_lock {
  soci::session sql;
  bool held = true;
  row_lock(test_db& tdb, const std::string& id) {
    sql.open(*soci::factory_postgresql(), lastgram::test::with_param(
                                            lastgram::test::pg_url(), "connect_timeout=5"));
    sql << "BEGIN";
    sql << "SELECT 1 FROM " + tdb.name() + ".update_inbox WHERE update_id = '" + id
             + "' FOR UPDATE";
  }
  void release() {
    if (std::exchange(held, false))
      sql << "ROLLBACK";
  }
  ~row_lock() { release(); }
};

/// Waits (up to 10 s) until a connection of the store under test waits
/// for a row lock.
bool store_waits_for_a_lock(test_db& tdb) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (std::chrono::steady_clock::now() < deadline) {
    int waiting = 0;
    tdb.admin() << "SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                     + tdb.name() + "' AND wait_event_type = 'Lock'",
      soci::into(waiting);
    if (waiting > 0)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return false;
}

/// Whether update `id`'s row can be locked now (nobody holds it).
bool row_is_free(test_db& tdb, const std::string& id) {
  try {
    tdb.admin() << "BEGIN";
    tdb.admin() << "SELECT 1 FROM " + tdb.name() + ".update_inbox WHERE update_id = '" + id
                     + "' FOR UPDATE NOWAIT";
    tdb.admin() << "ROLLBACK";
    return true;
  } catch (const soci::soci_error&) {
    tdb.admin() << "ROLLBACK";
    return false;
  }
}

/// Runs `store_call` in a thread while another connection holds row "3",
/// and tells whether row "20" was already taken by the time the store's
/// statement waited for "3" (rows "3" and "20" exist; the store's call
/// ends once "3" is released).
template <class StoreCall>
bool takes_20_before_3(test_db& tdb, StoreCall store_call) {
  row_lock blocker{tdb, "3"};
  std::thread t{store_call};
  bool waits = store_waits_for_a_lock(tdb);
  bool free = waits && row_is_free(tdb, "20");
  // Released before the checks, so the thread always ends.
  blocker.release();
  t.join();
  REQUIRE(waits);
  return !free;
}

} // namespace

// Soak run 4 logged "deadlock detected" for marks and for lease renewals:
// two connections of one node took the same rows in two orders. Both now
// take them in update-id order ("20" before "3", unlike the insertion order
// a plain UPDATE scans in). Shown by blocking row "3" from outside: the
// waiting statement must already hold "20".
TEST_CASE("inbox: marks and lease renewals lock rows in update-id order (PostgreSQL)",
          "[db][inbox]") {
  test_db tdb{backend_kind::postgresql};
  auto db = open_with(tdb, {"3", "20"}, "a");
  SECTION("a batch of marks") {
    std::optional<result<std::int64_t>> marked;
    CHECK(takes_20_before_3(tdb, [&] { marked = db.inbox_mark(tg, {"3", "20"}, {"3"}, t0 + 1); }));
    REQUIRE(marked.has_value());
    REQUIRE(marked->has_value());
    CHECK(marked->value() == 3);
    CHECK(db.inbox_owner(tg, "3").value()->done);
  }
  SECTION("a lease renewal") {
    std::optional<result<std::vector<inbox_entry>>> claimed;
    CHECK(takes_20_before_3(tdb, [&] { claimed = db.inbox_claim(tg, "a", t0 + 1, lease, 0); }));
    REQUIRE(claimed.has_value());
    CHECK(ids_of(*claimed).empty());
  }
}
