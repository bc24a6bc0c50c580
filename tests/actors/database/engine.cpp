// The database engine (router + detached workers) in a real actor system
// against real backends: SQLite in a temp directory and PostgreSQL in a fresh
// schema on the test server (LASTGRAM_TEST_PG_URL_OVERRIDE when running by
// hand, else the LASTGRAM_TEST_PG_URL fixture).

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "actors/test_config.hpp"
#include "actors/database/engine.hpp"
#include "actors/database/store.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/health.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "actors/test_db.hpp"


using namespace lastgram;
using namespace std::chrono_literals;
using database::backend_kind;
using test::eventually;
using test::free_port;
using test::test_db;

namespace {


using test::test_config;

/// A real actor system with one database engine in it; the engine is told to
/// exit before the system shuts down.
struct engine_fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<health_board> health = std::make_shared<health_board>();
  caf::scoped_actor self{sys};
  database_actor db;

  explicit engine_fixture(database_settings settings)
    : db(database::spawn_engine(self.ptr(), std::move(settings), health)) {
    // nop
  }

  engine_fixture(const engine_fixture&) = delete;
  engine_fixture& operator=(const engine_fixture&) = delete;

  ~engine_fixture() {
    self->send_exit(db, caf::exit_reason::user_shutdown);
  }

  bool ready() const {
    for (auto& e : health->snapshot())
      if (e.engine == "database")
        return e.ready;
    return false;
  }

  /// The answer to one request, or the error it got.
  template <class T, class... Ts>
  caf::expected<T> ask(Ts&&... xs) {
    caf::expected<T> out{caf::sec::request_timeout};
    self->request(db, 10s, std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); },
               [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  /// The answer to one request, which must succeed.
  template <class T, class... Ts>
  T must(Ts&&... xs) {
    auto res = ask<T>(std::forward<Ts>(xs)...);
    INFO("request failed: " << (res ? std::string{} : sys.render(res.error())));
    REQUIRE(res);
    return std::move(*res);
  }
};

/// The database code an error carries; std::nullopt for anything else,
/// including "no error" (db_code requires a real error).
std::optional<db_errc> code_of(const caf::error& err) {
  if (!err)
    return std::nullopt;
  return db_code(err);
}

double connected_workers() {
  return metrics::get_gauge("lastgram_database_connections", "").value();
}

double errors_metric(db_errc code) {
  return metrics::get_counter("lastgram_database_errors_total", "",
                              {{"code", to_string(code)}})
    .value();
}

constexpr auto tg = platform_kind::telegram;

const std::string heart = "\xE2\x9D\xA4\xEF\xB8\x8F";

} // namespace

TEST_CASE("the database engine answers every request through its workers",
          "[db_engine]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  tdb.open();
  engine_fixture f{tdb.settings()};
  CHECK(eventually([&] { return f.ready(); }, 10s));

  // users
  CHECK_FALSE(f.must<user_lookup>(get_user_atom::value, tg, "100").found);
  auto alice = f.must<user_record>(register_atom::value, tg, "100", "alice_fm", "Alice");
  CHECK(alice.id > 0);
  CHECK(alice.platform_id == "100");
  CHECK(alice.fm_username == "alice_fm");
  auto found = f.must<user_lookup>(get_user_atom::value, tg, "100");
  REQUIRE(found.found);
  CHECK(found.user.id == alice.id);
  CHECK(found.user.display_name == "Alice");
  auto renamed = f.must<user_record>(register_atom::value, tg, "100", "alice2", "Alice");
  CHECK(renamed.id == alice.id);
  CHECK(renamed.fm_username == "alice2");

  // facts: the author alone, then with a replied-to user
  auto facts = f.must<guard_users>(facts_atom::value, tg, "100", "", "");
  CHECK(facts.author.found);
  CHECK_FALSE(facts.target.found);
  facts = f.must<guard_users>(facts_atom::value, tg, "100", "200", "");
  CHECK(facts.author.found);
  CHECK_FALSE(facts.target.found);
  f.must<user_record>(register_atom::value, tg, "200", "bob_fm", "Bob");
  facts = f.must<guard_users>(facts_atom::value, tg, "100", "200", "");
  CHECK(facts.author.user.fm_username == "alice2");
  REQUIRE(facts.target.found);
  CHECK(facts.target.user.fm_username == "bob_fm");
  CHECK(facts.group_language.empty());
  // In a group, the group's language comes along for the fallback chain.
  f.must<group_record>(group_atom::value, tg, "-500", "Fans");
  {
    auto direct = database::store::open(tdb.settings());
    REQUIRE(direct);
    REQUIRE(direct->set_group_language(tg, "-500", "ru"));
  }
  facts = f.must<guard_users>(facts_atom::value, tg, "100", "", "-500");
  CHECK(facts.author.found);
  CHECK(facts.group_language == "ru");
  facts = f.must<guard_users>(facts_atom::value, tg, "100", "", "-404");
  CHECK(facts.group_language.empty());

  // session keys: stored, read back, cleared; an unknown user has none
  CHECK(f.must<std::string>(session_atom::value, tg, "100").empty());
  CHECK(f.must<bool>(session_atom::value, tg, "100", "sk-secret"));
  CHECK(f.must<std::string>(session_atom::value, tg, "100") == "sk-secret");
  CHECK(f.must<user_lookup>(get_user_atom::value, tg, "100").user.has_session_key);
  CHECK(f.must<bool>(session_atom::value, tg, "100", ""));
  CHECK(f.must<std::string>(session_atom::value, tg, "100").empty());
  CHECK_FALSE(f.must<bool>(session_atom::value, tg, "999", "sk"));
  CHECK(f.must<std::string>(session_atom::value, tg, "999").empty());

  // settings and language
  CHECK(f.must<bool>(setting_atom::value, tg, "100", user_setting::show_tags, "false"));
  CHECK(f.must<bool>(setting_atom::value, tg, "100", user_setting::cover_as_link, "true"));
  CHECK(f.must<bool>(setting_atom::value, tg, "100", user_setting::loved_emoji, heart));
  CHECK(f.must<bool>(language_atom::value, tg, "100", "pt"));
  auto user = f.must<user_lookup>(get_user_atom::value, tg, "100").user;
  CHECK_FALSE(user.show_tags);
  CHECK(user.cover_as_link);
  CHECK(user.loved_emoji == heart);
  CHECK(user.language == "pt");
  auto bad = f.ask<bool>(setting_atom::value, tg, "100", user_setting::show_tags, "maybe");
  REQUIRE_FALSE(bad);
  CHECK(code_of(bad.error()) == db_errc::other);
  // a language for someone never seen creates them
  CHECK(f.must<bool>(language_atom::value, tg, "300", "de"));
  CHECK(f.must<user_lookup>(get_user_atom::value, tg, "300").user.language == "de");

  // groups
  auto group = f.must<group_record>(group_atom::value, tg, "-42", "Music");
  CHECK(group.id > 0);
  CHECK(group.title == "Music");
  auto again = f.must<group_record>(group_atom::value, tg, "-42", "Music & more");
  CHECK(again.id == group.id);
  CHECK(again.title == "Music & more");

  // unregister: true once, then there is nobody
  CHECK(f.must<bool>(unregister_atom::value, tg, "100"));
  CHECK_FALSE(f.must<user_lookup>(get_user_atom::value, tg, "100").found);
  CHECK_FALSE(f.must<bool>(unregister_atom::value, tg, "100"));
}

TEST_CASE("fifty concurrent requests are all answered", "[db_engine]") {
  auto backend = GENERATE(backend_kind::sqlite, backend_kind::postgresql);
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  tdb.open();
  engine_fixture f{tdb.settings()};
  using handle_type = decltype(f.self->request(f.db, 10s, register_atom::value, tg,
                                               std::string{}, std::string{},
                                               std::string{}));
  std::vector<handle_type> pending;
  for (int i = 0; i < 50; ++i) {
    auto id = std::to_string(1000 + i);
    pending.push_back(f.self->request(f.db, 10s, register_atom::value, tg, id,
                                      "fm" + id, "User " + id));
  }
  int ok = 0;
  std::vector<std::string> failures;
  for (auto& h : pending)
    h.receive([&](user_record& u) { ok += u.fm_username == "fm" + u.platform_id; },
              [&](caf::error& err) { failures.push_back(f.sys.render(err)); });
  CHECK(failures.empty());
  CHECK(ok == 50);
  for (int i = 0; i < 50; i += 7)
    CHECK(f.must<user_lookup>(get_user_atom::value, tg, std::to_string(1000 + i)).found);
}

TEST_CASE("a saturated pool refuses requests beyond its queue at once",
          "[db_engine]") {
  test_db tdb{backend_kind::sqlite};
  tdb.open();
  engine_fixture f{tdb.pool_settings(1, 20000)};
  REQUIRE(eventually([&] { return f.ready(); }, 10s));
  // Another connection holds the write lock, so the only worker waits in its
  // first write and everything after it queues.
  tdb.admin() << "BEGIN IMMEDIATE";
  using handle_type = decltype(f.self->request(f.db, 10s, language_atom::value, tg,
                                               std::string{}, std::string{}));
  constexpr int extra = 10;
  const int total = 1 + static_cast<int>(database::max_queued_requests) + extra;
  std::vector<handle_type> pending;
  for (int i = 0; i < total; ++i)
    pending.push_back(f.self->request(f.db, 60s, language_atom::value, tg,
                                      std::to_string(i), "en"));
  // The last ones are refused while the lock is still held: had they queued
  // behind the blocked worker, they would wait for the ROLLBACK below and
  // end in the 60 s request timeout instead.
  int busy = 0;
  for (int i = total - extra; i < total; ++i)
    pending[static_cast<std::size_t>(i)].receive(
      [&](bool) {},
      [&](caf::error& err) {
        busy += code_of(err) == db_errc::unavailable
                && f.sys.render(err).find("busy") != std::string::npos;
      });
  CHECK(busy == extra);
  tdb.admin() << "ROLLBACK";
  int ok = 0;
  for (int i = 0; i < total - extra; ++i)
    pending[static_cast<std::size_t>(i)].receive([&](bool x) { ok += x; },
                                                 [](caf::error&) {});
  CHECK(ok == total - extra);
}

TEST_CASE("an unreachable database is refused at once and reported not ready",
          "[db_engine]") {
  database_settings settings;
  settings.url = "postgresql://lastgram@127.0.0.1:" + std::to_string(free_port())
                 + "/lastgram_test";
  settings.statement_timeout_ms = 5000;
  auto before = errors_metric(db_errc::unavailable);
  engine_fixture f{settings};
  // Refused, not held: a request kept until a deadline would end as a
  // timeout (the statement's, or the 10 s request timeout), not as
  // "unavailable".
  for (int i = 0; i < 3; ++i) {
    auto res = f.ask<user_lookup>(get_user_atom::value, tg, "1");
    REQUIRE_FALSE(res);
    CHECK(code_of(res.error()) == db_errc::unavailable);
  }
  CHECK(errors_metric(db_errc::unavailable) - before == 3);
  CHECK_FALSE(f.ready());
  auto board = f.health->snapshot();
  CHECK(std::any_of(board.begin(), board.end(),
                    [](auto& e) { return e.engine == "database"; }));
}

TEST_CASE("the engine reconnects by itself when the database comes back",
          "[db_engine]") {
  auto dir = std::filesystem::temp_directory_path() / ("lgeng_" + test::unique_suffix());
  std::filesystem::create_directories(dir);
  // A regular file where the database's directory should be: opening fails
  // until it is removed.
  auto blocker = dir / "data";
  std::ofstream{blocker} << "not a directory";
  database_settings settings;
  settings.path = (blocker / "lastgram.sqlite3").string();
  settings.pool_size = 2;
  {
    engine_fixture f{settings};
    auto res = f.ask<user_lookup>(get_user_atom::value, tg, "1");
    REQUIRE_FALSE(res);
    CHECK(code_of(res.error()) == db_errc::unavailable);
    CHECK_FALSE(f.ready());

    std::filesystem::remove(blocker);
    auto db = database::store::open(settings);
    REQUIRE(db);
    REQUIRE(db->migrate());
    // No request is sent: the workers' own retries find the database.
    CHECK(eventually([&] { return f.ready(); }, 15s));
    CHECK(f.must<user_record>(register_atom::value, tg, "1", "fm1", "One").id > 0);
    CHECK(f.must<user_lookup>(get_user_atom::value, tg, "1").found);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("a database that stays down is retried once per growing backoff",
          "[db_engine]") {
  auto dir = std::filesystem::temp_directory_path() / ("lgeng_" + test::unique_suffix());
  std::filesystem::create_directories(dir);
  std::ofstream{dir / "data"} << "not a directory";
  log_settings logging;
  logging.level = log_level::debug;
  logging.file = (dir / "engine.log").string();
  REQUIRE(log::init(logging));
  database_settings settings;
  settings.path = (dir / "data" / "lastgram.sqlite3").string();
  settings.pool_size = 1;
  auto attempts = [&] {
    log::flush();
    std::ifstream in{dir / "engine.log"};
    int count = 0;
    for (std::string line; std::getline(in, line);)
      count += line.find("event=\"database connection attempt failed\"")
               != std::string::npos;
    return count;
  };
  {
    engine_fixture f{settings};
    // Attempts at 0 s, 1 s and 3 s (backoff 1 s, then 2 s): the second one
    // comes after a second. A busy loop would have made thousands by then;
    // a slow machine only sees it later, which the deadline allows for.
    CHECK(eventually([&] { return attempts() >= 2; }, 10s, 50ms));
    CHECK(attempts() <= 3);
    CHECK_FALSE(f.ready());
  }
  log::init(log_settings{});
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("killed PostgreSQL connections are reopened without failing a request",
          "[db_engine]") {
  test_db tdb{backend_kind::postgresql};
  tdb.open();
  engine_fixture f{tdb.pool_settings(2)};
  REQUIRE(eventually([&] { return f.ready(); }, 10s));
  f.must<user_record>(register_atom::value, tg, "7", "fm7", "Seven");
  auto connections = [&] {
    int n = 0;
    tdb.admin() << "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = :n",
      soci::use(tdb.name()), soci::into(n);
    return n;
  };
  // Both workers connected and done migrating: a connection counted by the
  // server may still be in its set-up, and one killed then is a failed
  // connection attempt (retried after the backoff), not a lost one.
  REQUIRE(eventually([&] { return connected_workers() == 2; }, 10s));
  REQUIRE(connections() == 2);
  int killed = 0;
  tdb.admin() << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                 " WHERE application_name = :n",
    soci::use(tdb.name()), soci::into(killed);
  CHECK(killed == 2);
  // Both workers lost their connection: concurrent requests reach both, and
  // each reconnects and retries instead of failing.
  using handle_type = decltype(f.self->request(f.db, 10s, get_user_atom::value, tg,
                                               std::string{}));
  std::vector<handle_type> pending;
  for (int i = 0; i < 6; ++i)
    pending.push_back(f.self->request(f.db, 10s, get_user_atom::value, tg, "7"));
  int ok = 0;
  std::vector<std::string> failures;
  for (auto& h : pending)
    h.receive([&](user_lookup& x) { ok += x.user.fm_username == "fm7"; },
              [&](caf::error& err) { failures.push_back(f.sys.render(err)); });
  CHECK(failures.empty());
  CHECK(ok == 6);
  CHECK(connections() == 2);
  CHECK(f.ready());
}

TEST_CASE("the workers stop when the engine is dropped", "[db_engine]") {
  test_db tdb{backend_kind::sqlite};
  tdb.open();
  test_config cfg;
  caf::actor_system sys{cfg};
  auto health = std::make_shared<health_board>();
  {
    caf::scoped_actor self{sys};
    database_actor db = database::spawn_engine(self.ptr(), tdb.pool_settings(3), health);
    bool found = true;
    self->request(db, 10s, get_user_atom::value, tg, "1")
      .receive([&](user_lookup& x) { found = x.found; }, [](caf::error&) {});
    CHECK_FALSE(found);
    CHECK(sys.registry().running() >= 4); // the router and three workers
  }
  // Neither an exit message nor a handle is left: the router becomes
  // unreachable and its links take the detached workers down with it, so
  // the system's destructor does not hang.
  CHECK(eventually([&] { return sys.registry().running() == 0; }, 10s));
}
