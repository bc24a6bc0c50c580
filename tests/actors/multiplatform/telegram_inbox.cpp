// The durable inbox against a stand-in database whose faults are scripted:
// a store that "times out" after writing the row, marks that fail a few
// times, a sweep that cannot reach the database. Each case is a duplicate
// (or a loss) those faults caused before the inbox handled them; the fault
// soak (bench/soak.sh) injects the same faults into a whole cluster. The
// Telegram actor is tested whole; the shared claimer (inbox_claimer.hpp) is
// also driven directly on platform discord, as the Discord actor uses it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "support/build_paths.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/inbox_claimer.hpp"
#include "actors/multiplatform/inbox_policy.hpp"
#include "actors/multiplatform/telegram.hpp"
#include "actors/support/engines.hpp"
#include "actors/test_config.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "platforms/net/http_client.hpp"
#include "support/eventually.hpp"
#include "support/fake_bot_api.hpp"
#include "support/metric_series.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "123456:INBOX-token";
constexpr std::int64_t chat = 5151;

/// The stand-in database's rows and script, shared with the test.
struct db_script {
  std::mutex mtx;
  /// update id -> claimer (rows written, whatever the store answered).
  std::map<std::string, std::string> rows;
  std::map<std::string, bool> replied;
  std::map<std::string, bool> done;
  /// Stores answer an error after writing the row (a timeout's outcome).
  bool add_fails = false;
  /// Stores answer an error without writing the row.
  bool add_drops = false;
  /// How many replied / done marks fail before they succeed.
  int replied_failures = 0;
  int done_failures = 0;
  /// How many claims fail (the database is down) before they succeed.
  int claim_failures = 0;
  std::vector<std::int64_t> claim_limits;
  /// The size of each store request (a poll's batch goes in one).
  std::vector<std::size_t> batches;
  /// The size of each mark request (marks queued meanwhile go together).
  std::vector<std::size_t> mark_batches;

  template <class F>
  auto with(F f) {
    std::lock_guard<std::mutex> guard{mtx};
    return f();
  }
};

caf::error down() {
  return caf::make_error(caf::sec::request_timeout);
}

caf::behavior fake_database(caf::event_based_actor*, std::shared_ptr<db_script> s) {
  return {
    [s](inbox_atom, const std::vector<inbox_entry>& entries,
        const std::string& claimer) -> caf::result<std::vector<std::string>> {
      return s->with([&]() -> caf::result<std::vector<std::string>> {
        s->batches.push_back(entries.size());
        if (s->add_drops)
          return down();
        std::vector<std::string> fresh;
        for (auto& e : entries)
          if (s->rows.emplace(e.update_id, claimer).second)
            fresh.push_back(e.update_id);
        if (s->add_fails)
          return down();
        return fresh;
      });
    },
    [s](inbox_owner_atom, platform_kind, const std::string& id) {
      return s->with([&] {
        auto i = s->rows.find(id);
        if (i == s->rows.end())
          return std::string{};
        return s->done[id] ? std::string{inbox_owner_done} : i->second;
      });
    },
    [s](inbox_mark_atom, platform_kind, const std::vector<std::string>& replied,
        const std::vector<std::string>& done) -> caf::result<std::int64_t> {
      return s->with([&]() -> caf::result<std::int64_t> {
        s->mark_batches.push_back(replied.size() + done.size());
        // A batch fails whole, as its transaction would.
        if ((!replied.empty() && s->replied_failures > 0)
            || (!done.empty() && s->done_failures > 0)) {
          if (!replied.empty() && s->replied_failures > 0)
            --s->replied_failures;
          if (!done.empty() && s->done_failures > 0)
            --s->done_failures;
          return down();
        }
        // Marks are recorded whether or not the row exists (what the test
        // checks is that they arrive); only existing rows count as changed.
        std::int64_t changed = 0;
        for (auto& id : replied) {
          s->replied[id] = true;
          changed += static_cast<std::int64_t>(s->rows.count(id));
        }
        for (auto& id : done) {
          s->done[id] = true;
          changed += static_cast<std::int64_t>(s->rows.count(id));
        }
        return changed;
      });
    },
    [s](inbox_claim_atom, platform_kind, const std::string&, std::int64_t,
        std::int64_t limit) -> caf::result<std::vector<inbox_entry>> {
      return s->with([&]() -> caf::result<std::vector<inbox_entry>> {
        if (s->claim_failures > 0) {
          --s->claim_failures;
          return down();
        }
        s->claim_limits.push_back(limit);
        return std::vector<inbox_entry>{};
      });
    },
    [](inbox_atom, platform_kind) { return std::int64_t{0}; },
    [](inbox_prune_atom, std::int64_t) { return std::int64_t{0}; },
    [](state_atom, const std::string&) { return std::string{}; },
    [](state_atom, const std::string&, const std::string&) { return true; },
  };
}

caf::behavior fake_commands(caf::event_based_actor*) {
  return {[](const incoming_message& msg) {
    command_result res;
    res.outcome = command_outcome::ok;
    res.command = "start";
    outgoing_reply r;
    r.chat_id = msg.chat.id;
    r.reply_to_message_id = msg.message_id;
    r.text.push_back(text_span{"hello", style_plain, {}});
    res.replies.push_back(r);
    // "/two" answers twice: the first confirmed answer marks it replied.
    if (msg.text == "/two")
      res.replies.push_back(r);
    return res;
  }};
}

std::string update_json(std::int64_t id) {
  auto c = std::to_string(chat);
  return "{\"update_id\":" + std::to_string(id) + ",\"message\":{\"message_id\":" + std::to_string(id)
         + ",\"date\":1700000000,\"chat\":{\"id\":" + c + ",\"type\":\"private\"},\"from\":{\"id\":" + c
         + ",\"is_bot\":false,\"first_name\":\"Ana\"},\"text\":\"/start\"}}";
}

struct fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  test::fake_bot_api api{token};
  std::shared_ptr<db_script> db = std::make_shared<db_script>();
  caf::actor commands = sys.spawn(fake_commands);
  caf::actor database;
  std::shared_ptr<net::http_client> http
    = std::make_shared<net::http_client>(net::http_client::options{});
  telegram_actor tg;

  /// `queued`: updates waiting for the bot's first poll.
  explicit fixture(telegram_mode mode, const std::function<void(db_script&)>& prepare = {},
                   const std::vector<std::int64_t>& queued = {}) {
    if (prepare)
      prepare(*db);
    for (auto id : queued)
      api.add_update(id, update_json(id));
    database = sys.spawn(fake_database, db);
    auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
    REQUIRE(loaded);
    auto handles = std::make_shared<engine_handles>();
    handles->command.put(caf::actor_cast<command_actor>(commands));
    handles->database.put(caf::actor_cast<database_actor>(database));
    auto opts = std::make_shared<multiplatform::telegram_options>();
    opts->settings.api_url = api.url();
    opts->settings.token = token;
    opts->settings.mode = mode;
    opts->settings.poll_timeout_seconds = 1;
    // A sweep every second.
    opts->settings.inbox_lease_seconds = 3;
    opts->http = http;
    opts->texts = std::make_shared<i18n::catalog>(*loaded.value);
    opts->engines = handles;
    caf::scoped_actor self{sys};
    tg = multiplatform::spawn_telegram(self.ptr(), opts);
  }

  ~fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(tg), commands, database})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    http->shutdown();
  }

  /// Posts a webhook update as the HTTP server does; true: stored (200).
  caf::expected<bool> post(std::int64_t id, const std::string& text = "/start") {
    telegram::parsed_update u;
    u.update_id = id;
    u.kind = telegram::update_kind::message;
    u.message.platform = platform_kind::telegram;
    u.message.message_id = std::to_string(id);
    u.message.chat = chat_ref{std::to_string(chat), chat_kind::private_chat, {}};
    u.message.author = user_ref{std::to_string(chat), "Ana", "", "en", false};
    u.message.text = text;
    caf::scoped_actor self{sys};
    caf::expected<bool> out = false;
    self->request(tg, 10s, tg_update_atom::value, std::move(u), update_json(id))
      .receive([&](bool fresh) { out = fresh; }, [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  bool marked(const std::string& id, bool done_mark) {
    return db->with([&] { return done_mark ? db->done[id] : db->replied[id]; });
  }
};

} // namespace

TEST_CASE("inbox policy: the owner's answer, the marks' backoff, the sweep after an outage",
          "[telegram][inbox]") {
  using multiplatform::judge_owner;
  using multiplatform::owner_verdict;
  CHECK(judge_owner("", "me", false) == owner_verdict::not_stored);
  CHECK(judge_owner("me", "me", false) == owner_verdict::handle);
  CHECK(judge_owner("me", "me", true) == owner_verdict::leave);
  CHECK(judge_owner("other", "me", false) == owner_verdict::leave);
  CHECK(judge_owner(inbox_owner_done, "me", false) == owner_verdict::leave);
  CHECK(multiplatform::mark_retry_delay(1) == 250ms);
  CHECK(multiplatform::mark_retry_delay(2) == 500ms);
  CHECK(multiplatform::mark_retry_delay(50) == 8000ms);
  CHECK(multiplatform::sweep_claim_limit(true, 50) == 0);
  CHECK(multiplatform::sweep_claim_limit(false, 50) == 50);
}

TEST_CASE("inbox: a webhook store that timed out after writing the row is answered once",
          "[telegram][inbox]") {
  fixture f{telegram_mode::webhook, [](db_script& s) { s.add_fails = true; }};
  // The row is ours: the update is acknowledged and handled, not refused
  // (a 503 would make Telegram deliver it again, and the re-delivery finds
  // the row stored and leaves it to its holder: us, who never answer it).
  auto first = f.post(41);
  REQUIRE(first);
  CHECK(first.value());
  CHECK(f.api.wait_for([&] { return f.api.sends_to(chat).size() == 1; }, 10s));
  CHECK(test::eventually([&] { return f.marked("41", true); }, 10s));
  // Telegram delivers it again anyway: nobody answers twice.
  f.db->with([&] { f.db->add_fails = false; });
  auto again = f.post(41);
  REQUIRE(again);
  CHECK_FALSE(again.value());
  CHECK(test::holds_for([&] { return f.api.sends_to(chat).size() == 1; }, 500ms));
}

TEST_CASE("inbox: a polled update whose store timed out is handled through the inbox and marked "
          "done",
          "[telegram][inbox]") {
  fixture f{telegram_mode::polling, [](db_script& s) { s.add_fails = true; }};
  f.api.add_update(61, update_json(61));
  CHECK(f.api.wait_for([&] { return f.api.sends_to(chat).size() == 1; }, 10s));
  // Handled without the inbox (as before the fix), the row would stay under
  // this process's claim, never done, and be answered again by whoever
  // takes it over when this process dies.
  CHECK(test::eventually([&] { return f.marked("61", true); }, 10s));
  CHECK(test::holds_for([&] { return f.api.sends_to(chat).size() == 1; }, 300ms));
}

TEST_CASE("inbox: a poll's updates are stored in one request and each is answered and marked "
          "done",
          "[telegram][inbox]") {
  fixture f{telegram_mode::polling, {}, {81, 82, 83, 84, 85}};
  CHECK(f.api.wait_for([&] { return f.api.sends_to(chat).size() == 5; }, 10s));
  for (auto id : {"81", "82", "83", "84", "85"})
    CHECK(test::eventually([&] { return f.marked(id, true); }, 10s));
  // The five waited for the first poll together: one store, one
  // transaction.
  CHECK(f.db->with([&] { return f.db->batches; }) == std::vector<std::size_t>{5});
  CHECK(test::holds_for([&] { return f.api.sends_to(chat).size() == 5; }, 300ms));
}

TEST_CASE("inbox: failed replied and done marks are retried with backoff, not dropped",
          "[telegram][inbox]") {
  fixture f{telegram_mode::webhook, [](db_script& s) {
              s.replied_failures = 2;
              s.done_failures = 2;
            }};
  REQUIRE(f.post(71, "/two").value());
  CHECK(f.api.wait_for([&] { return f.api.sends_to(chat).size() == 2; }, 10s));
  // Two failures each: 250 ms then 500 ms of backoff, well within the
  // lease (the sweep's own retry of a done mark comes one second later).
  CHECK(test::eventually([&] { return f.marked("71", false); }, 5s));
  CHECK(test::eventually([&] { return f.marked("71", true); }, 5s));
  auto text = metrics::render_text();
  CHECK(text.find("lastgram_inbox_mark_seconds_count{platform=\"telegram\"}") != std::string::npos);
}

TEST_CASE("inbox: after a database outage the first sweep only renews, takeovers wait a sweep",
          "[telegram][inbox]") {
  fixture f{telegram_mode::webhook, [](db_script& s) { s.claim_failures = 2; }};
  // A sweep every second: two failed, then one renewing only, then normal.
  CHECK(test::eventually([&] { return f.db->with([&] { return f.db->claim_limits.size() >= 2; }); },
                         10s));
  auto limits = f.db->with([&] { return f.db->claim_limits; });
  CHECK(limits.at(0) == 0);
  CHECK(limits.at(1) > 0);
}

// -- the shared claimer on platform discord ------------------------------------

namespace {

using record_atom = caf::atom_constant<caf::atom("trecord")>;
using mark_atom = caf::atom_constant<caf::atom("tmark")>;
using finish_atom = caf::atom_constant<caf::atom("tfinish")>;
using sweep_atom = caf::atom_constant<caf::atom("tsweep")>;
using outage_atom = caf::atom_constant<caf::atom("toutage")>;
using marks_atom = caf::atom_constant<caf::atom("tmarks")>;
using records_atom = caf::atom_constant<caf::atom("trecords")>;
using handling_atom = caf::atom_constant<caf::atom("thandling")>;

/// A stand-in for the Discord actor's inbox side: the same claimer calls,
/// and the set of interactions it is handling.
struct claimer_state {
  multiplatform::inbox_claimer claims;
  std::set<std::string> handling;
};

caf::behavior claimer_stand_in(caf::stateful_actor<claimer_state>* self, database_actor db) {
  // A lease of 3 s (the claimer's figures on platform discord).
  self->state.claims.setup(platform_kind::discord, 3, 24);
  return {
    [self, db](record_atom, const std::string& id) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      multiplatform::inbox_record(
        self, self->state.claims, db, inbox_entry{platform_kind::discord, id, "{}", 0, false},
        [self, id] { return self->state.handling.count(id) > 0; },
        [self, rp, id](multiplatform::inbox_recorded o, const caf::error&) mutable {
          using multiplatform::inbox_recorded;
          if (o == inbox_recorded::handle)
            self->state.handling.insert(id);
          rp.deliver(std::string{o == inbox_recorded::handle  ? "handle"
                                 : o == inbox_recorded::leave ? "leave"
                                                              : "failed"});
        });
      return rp;
    },
    [self, db](mark_atom, const std::string& id, inbox_mark which) {
      multiplatform::inbox_send_mark(self, self->state.claims, db, id, which, 1);
    },
    [self, db](records_atom, const std::vector<std::string>& ids) {
      // One at a time, as webhook requests come.
      for (auto& id : ids)
        multiplatform::inbox_record(
          self, self->state.claims, db, inbox_entry{platform_kind::discord, id, "{}", 0, false},
          [self, id] { return self->state.handling.count(id) > 0; },
          [self, id](multiplatform::inbox_recorded o, const caf::error&) {
            if (o == multiplatform::inbox_recorded::handle)
              self->state.handling.insert(id);
          });
    },
    [self](handling_atom) { return static_cast<std::int64_t>(self->state.handling.size()); },
    [self, db](marks_atom, const std::vector<std::string>& ids) {
      for (auto& id : ids)
        multiplatform::inbox_send_mark(self, self->state.claims, db, id, inbox_mark::done, 1);
    },
    [self](finish_atom, const std::string& id) { self->state.handling.erase(id); },
    [self, db](multiplatform::inbox_remark_atom, const std::string& id, inbox_mark which,
               std::int32_t attempt) {
      multiplatform::inbox_remark(self, self->state.claims, db, id, which, attempt,
                                  self->state.handling.count(id) > 0);
    },
    [self](outage_atom) { return self->state.claims.after_outage(); },
    [self, db](sweep_atom) {
      multiplatform::inbox_sweep(self, self->state.claims, db, [](std::vector<inbox_entry>&) {});
    },
  };
}

struct claimer_fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<db_script> db = std::make_shared<db_script>();
  caf::actor database = sys.spawn(fake_database, db);
  caf::actor claimer = sys.spawn(claimer_stand_in, caf::actor_cast<database_actor>(database));

  ~claimer_fixture() {
    for (auto a : {claimer, database})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  std::string record(const std::string& id) {
    caf::scoped_actor self{sys};
    std::string out = "no answer";
    self->request(claimer, 10s, record_atom::value, id)
      .receive([&](const std::string& o) { out = o; }, [](caf::error&) {});
    return out;
  }

  bool marked(const std::string& id, bool done_mark) {
    return db->with([&] { return done_mark ? db->done[id] : db->replied[id]; });
  }
};

double mark_seconds_count(std::string_view platform) {
  return test::series_value("lastgram_inbox_mark_seconds", "platform", platform).value_or(-1);
}

} // namespace

TEST_CASE("inbox claimer (discord): a store whose outcome is unknown asks who holds the row",
          "[discord][inbox]") {
  claimer_fixture f;
  // Timed out after writing the row under our claim: handled here, once.
  f.db->with([&] { f.db->add_fails = true; });
  CHECK(f.record("a1") == "handle");
  // Delivered again while we handle it: left to us, not handled twice.
  f.db->with([&] { f.db->add_fails = false; });
  CHECK(f.record("a1") == "leave");
  // Another process holds it: left to that one, whether the store timed
  // out or answered "known".
  f.db->with([&] { f.db->rows["b1"] = "other/1/1"; });
  CHECK(f.record("b1") == "leave");
  f.db->with([&] { f.db->add_fails = true; });
  CHECK(f.record("b1") == "leave");
  // Not written at all: the caller handles it without the inbox.
  f.db->with([&] {
    f.db->add_fails = false;
    f.db->add_drops = true;
  });
  CHECK(f.record("c1") == "failed");
  // Ours, done meanwhile: never handled again.
  f.db->with([&] {
    f.db->add_drops = false;
    f.db->rows["d1"] = "x";
    f.db->done["d1"] = true;
  });
  CHECK(f.record("d1") == "leave");
}

TEST_CASE("inbox claimer (discord): failed marks are retried with backoff and a replied mark "
          "stops once the interaction is over",
          "[discord][inbox]") {
  claimer_fixture f;
  auto before = std::max(0.0, mark_seconds_count("discord"));
  f.db->with([&] { f.db->done_failures = 3; });
  caf::anon_send(f.claimer, mark_atom::value, std::string{"m1"}, inbox_mark::done);
  // 250 + 500 + 1000 ms of backoff.
  CHECK(test::eventually([&] { return f.marked("m1", true); }, 6s));
  CHECK(test::eventually([&] { return mark_seconds_count("discord") == before + 1; }, 2s));
  // A replied mark whose interaction is no longer handled here is moot.
  f.db->with([&] { f.db->replied_failures = 1; });
  caf::anon_send(f.claimer, mark_atom::value, std::string{"m2"}, inbox_mark::replied);
  CHECK(test::holds_for([&] { return !f.marked("m2", false); }, 800ms));
  // One that is still handled here is retried until it lands.
  REQUIRE(f.record("m3") == "handle");
  f.db->with([&] { f.db->replied_failures = 2; });
  caf::anon_send(f.claimer, mark_atom::value, std::string{"m3"}, inbox_mark::replied);
  CHECK(test::eventually([&] { return f.marked("m3", false); }, 5s));
}

TEST_CASE("inbox claimer (discord): after an outage the first sweep only renews",
          "[discord][inbox]") {
  claimer_fixture f;
  f.db->with([&] { f.db->claim_failures = 1; });
  auto sweeps_seen = [&](std::size_t n) {
    return test::eventually([&] { return f.db->with([&] { return f.db->claim_limits.size() >= n; }); },
                            5s);
  };
  // The failed sweep leaves no limit behind; the next goes once the
  // claimer took the failure in.
  caf::anon_send(f.claimer, sweep_atom::value);
  auto in_outage = [&] {
    caf::scoped_actor self{f.sys};
    bool out = false;
    self->request(f.claimer, 5s, outage_atom::value)
      .receive([&](bool o) { out = o; }, [](caf::error&) {});
    return out;
  };
  REQUIRE(test::eventually(in_outage, 5s));
  caf::anon_send(f.claimer, sweep_atom::value);
  REQUIRE(sweeps_seen(1));
  caf::anon_send(f.claimer, sweep_atom::value);
  REQUIRE(sweeps_seen(2));
  auto limits = f.db->with([&] { return f.db->claim_limits; });
  CHECK(limits.at(0) == 0);
  CHECK(limits.at(1) == multiplatform::inbox_claimer::claim_batch);
}

TEST_CASE("inbox claimer (discord): marks queued while a batch is on its way go together in the "
          "next one",
          "[discord][inbox]") {
  claimer_fixture f;
  f.db->with([&] {
    for (auto id : {"q1", "q2", "q3", "q4", "q5"})
      f.db->rows[id] = "me";
  });
  // The first goes at once; the four queued behind it go in one request
  // when it is answered.
  caf::anon_send(f.claimer, marks_atom::value,
                 std::vector<std::string>{"q1", "q2", "q3", "q4", "q5"});
  for (auto id : {"q1", "q2", "q3", "q4", "q5"})
    CHECK(test::eventually([&] { return f.marked(id, true); }, 5s));
  CHECK(f.db->with([&] { return f.db->mark_batches; }) == std::vector<std::size_t>{1, 4});
  // Alone, a mark waits for nothing.
  caf::anon_send(f.claimer, mark_atom::value, std::string{"q1"}, inbox_mark::done);
  CHECK(test::eventually(
    [&] { return f.db->with([&] { return f.db->mark_batches.size() == 3; }); }, 5s));
  CHECK(f.db->with([&] { return f.db->mark_batches.back(); }) == 1);
}

TEST_CASE("inbox claimer (discord): updates arriving while a store is on its way are stored "
          "together in the next one",
          "[discord][inbox]") {
  claimer_fixture f;
  f.db->with([&] { f.db->rows["r3"] = "other/1/1"; });
  caf::anon_send(f.claimer, records_atom::value,
                 std::vector<std::string>{"r1", "r2", "r3", "r4", "r5"});
  auto handling = [&] {
    caf::scoped_actor self{f.sys};
    std::int64_t out = 0;
    self->request(f.claimer, 5s, handling_atom::value)
      .receive([&](std::int64_t n) { out = n; }, [](caf::error&) {});
    return out;
  };
  // r3 is another process's: left to it; the other four are handled here.
  CHECK(test::eventually([&] { return handling() == 4; }, 5s));
  CHECK(f.db->with([&] { return f.db->batches; }) == std::vector<std::size_t>{1, 4});
  CHECK(test::holds_for([&] { return handling() == 4; }, 300ms));
}
