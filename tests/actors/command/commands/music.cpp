// The music commands run by the real command engine against fake fm and
// database engines behind their typed interfaces.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include <caf/all.hpp>

#include "actors/ask.hpp"
#include "actors/test_config.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/support/engines.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

using test::test_config;

/// Users by platform id, shared by the fake database and the test.
struct fake_users {
  std::mutex mtx;
  std::map<std::string, user_record> by_id;
  /// Session keys by platform id.
  std::map<std::string, std::string> keys;
  /// The love/unlove calls the fake Last.fm received.
  std::vector<love_query> loves;
  /// The who-knows requests the fake database received.
  std::vector<who_knows_request> who_knows;
  /// What the fake indexer answers for every user, and whom it was asked for.
  index_progress progress;
  std::vector<std::int64_t> progress_asked;
  /// The (kind, name, artist) the bot's listeners were counted for.
  std::vector<std::tuple<entity_kind, std::string, std::string>> listeners_asked;
};

/// A who-knows answer: the invoker first with the count they sent, holding
/// a freshly claimed crown, among 16 listeners (two pages).
who_knows_answer fake_who_knows(const who_knows_request& req) {
  who_knows_answer a;
  a.name = req.name;
  a.artist = req.artist;
  a.rows.push_back(who_knows_entry{1, 1, "User1", "someuser", req.invoker_plays, false, true,
                                   true});
  a.rows.push_back(who_knows_entry{2, 2, "", "otherfm", 12, false, false, false});
  a.listeners = 16;
  a.plays = 999;
  a.invoker_rank = 1;
  a.invoker_plays = req.invoker_plays;
  a.crowns_on = true;
  a.change = crown_change::claimed;
  a.holder_name = "User1";
  a.holder_plays = req.invoker_plays;
  return a;
}

database_actor::behavior_type fake_database(std::shared_ptr<fake_users> db) {
  auto lookup = [db](const std::string& id) {
    std::lock_guard<std::mutex> guard{db->mtx};
    auto i = db->by_id.find(id);
    return i == db->by_id.end() ? user_lookup{} : user_lookup{true, i->second};
  };
  return {
    [lookup](get_user_atom, platform_kind, const std::string& id) { return lookup(id); },
    [lookup](facts_atom, platform_kind, const std::string& a, const std::string& t,
             const std::string&) {
      return guard_users{lookup(a), t.empty() ? user_lookup{} : lookup(t), {}};
    },
    [db](register_atom, platform_kind p, const std::string& id, const std::string& fm,
         const std::string& name) {
      std::lock_guard<std::mutex> guard{db->mtx};
      auto& u = db->by_id[id];
      u.platform = p;
      u.platform_id = id;
      u.fm_username = fm;
      u.display_name = name;
      return u;
    },
    [db](unregister_atom, platform_kind, const std::string& id) {
      std::lock_guard<std::mutex> guard{db->mtx};
      return db->by_id.erase(id) > 0;
    },
    [db](session_atom, platform_kind, const std::string& id) {
      std::lock_guard<std::mutex> guard{db->mtx};
      return db->keys[id];
    },
    [db](session_atom, platform_kind, const std::string& id, const std::string& key) {
      std::lock_guard<std::mutex> guard{db->mtx};
      db->by_id[id].has_session_key = !key.empty();
      db->keys[id] = key;
      return true;
    },
    [db](setting_atom, platform_kind, const std::string& id, user_setting which,
         const std::string& value) {
      std::lock_guard<std::mutex> guard{db->mtx};
      if (which == user_setting::loved_emoji)
        db->by_id[id].loved_emoji = value;
      return true;
    },
    [db](language_atom, platform_kind, const std::string& id, const std::string& code) {
      std::lock_guard<std::mutex> guard{db->mtx};
      auto i = db->by_id.find(id);
      if (i == db->by_id.end())
        return false;
      i->second.language = code;
      return true;
    },
    [](group_atom, platform_kind, const std::string& id, const std::string& title) {
      group_record g;
      g.platform_id = id;
      g.title = title;
      return g;
    },
    [](state_atom, const std::string&) { return std::string{}; },
    [](state_atom, const std::string&, const std::string&) { return true; },
    [](reachable_atom, platform_kind, const std::string&, chat_kind, bool) { return true; },
    [](inbox_atom, const std::vector<inbox_entry>& entries, const std::string&) {
      std::vector<std::string> fresh;
      for (auto& e : entries)
        fresh.push_back(e.update_id);
      return fresh;
    },
    [](inbox_atom, platform_kind) { return std::int64_t{0}; },
    [](inbox_claim_atom, platform_kind, const std::string&, std::int64_t, std::int64_t) {
      return std::vector<inbox_entry>{};
    },
    [](inbox_mark_atom, platform_kind, const std::vector<std::string>& replied,
       const std::vector<std::string>& done) {
      return static_cast<std::int64_t>(replied.size() + done.size());
    },
    [](inbox_prune_atom, std::int64_t) { return std::int64_t{0}; },
    [](inbox_owner_atom, platform_kind, const std::string&) { return std::string{}; },
    [db](who_knows_atom, const who_knows_request& req) {
      std::lock_guard<std::mutex> guard{db->mtx};
      db->who_knows.push_back(req);
      return fake_who_knows(req);
    },
    [](crowns_atom, const crown_request&) { return crown_answer{}; },
    [](member_atom, platform_kind, member_change, const std::string&, const std::string&) {
      return true;
    },
    // Nobody here is indexed.
    [](plays_atom, const indexed_plays_query&) { return std::int64_t{-1}; },
    [](crown_ban_atom, platform_kind, const std::string&, bool) { return true; },
    [](crown_clear_atom, platform_kind, const std::string&, const std::string&) {
      return std::int64_t{0};
    },
    [](group_config_atom, platform_kind, const std::string&) { return group_config{}; },
    [](group_config_atom, platform_kind, const std::string&, group_setting,
       const std::string&) { return group_config{}; },
    [db](listeners_atom, entity_kind kind, const std::string& name, const std::string& artist) {
      std::lock_guard<std::mutex> guard{db->mtx};
      db->listeners_asked.emplace_back(kind, name, artist);
      return std::int64_t{3};
    },
    [](library_names_atom, platform_kind, const std::string&, entity_kind, const std::string&) {
      return std::vector<std::string>{};
    },
  };
}

/// Last.fm as the fixtures have it; "nobody" is unknown, "silent" never
/// scrobbled and "noinfo" makes every getInfo fail.
fm_actor::behavior_type fake_fm(std::shared_ptr<fake_users> db) {
  return {
    [](fm_user_atom, const std::string& name) -> caf::result<fm::user_info> {
      if (name == "nobody")
        return make_error(fm::fm_errc::not_found, "no such user");
      fm::user_info u;
      u.name = name == "someuser" ? "SomeUser" : name;
      u.playcount = 1000;
      u.registered = 1561177193;
      u.country = "Brazil";
      return u;
    },
    [](const recent_query& q) {
      fm::recent_tracks r;
      r.user = q.user;
      if (q.user == "silent")
        return r;
      fm::track t;
      t.name = "Apocalypse Dreams";
      t.artist = "Tame Impala";
      t.album = "Lonerism";
      t.now_playing = true;
      t.loved = q.extended;
      r.tracks.push_back(t);
      return r;
    },
    [](const top_query& q) -> caf::result<fm::top_list> {
      if (q.kind == fm::top_kind::albums)
        return make_error(fm::fm_errc::http_error, "500");
      fm::top_list l;
      l.kind = q.kind;
      l.items.push_back(fm::top_item{1, q.kind == fm::top_kind::artists ? "Queen" : "Roi",
                                     q.kind == fm::top_kind::artists ? "" : "Videoclub", 77,
                                     "", "", ""});
      return l;
    },
    [](fm_artist_atom, const entity_query& q) -> caf::result<fm::artist_info> {
      if (q.artist == "Nobody Knows")
        return make_error(fm::fm_errc::not_found, "The artist you supplied could not be found");
      fm::artist_info a;
      // Last.fm's autocorrection, as the real one does for a partial name.
      a.name = q.artist == "Weeknd" ? "The Weeknd" : q.artist;
      a.listeners = 1688480;
      a.playcount = 135690000;
      a.user_playcount = 7211;
      a.tags = {"rnb"};
      a.bio = "Abel Tesfaye is a Canadian singer.";
      a.similar = {"Drake", "Frank Ocean"};
      return a;
    },
    [](fm_album_atom, const entity_query&) -> caf::result<fm::album_info> {
      fm::album_info a;
      a.user_playcount = 235;
      return a;
    },
    [](fm_track_atom, const entity_query& q) -> caf::result<fm::track_info> {
      if (q.username == "noinfo")
        return make_error(fm::fm_errc::timeout, "slow");
      fm::track_info t;
      t.user_playcount = 1;
      t.tags = {"Psychedelic Rock"};
      return t;
    },
    [](fm_similar_atom, const std::string&, std::int32_t) { return fm::similar_artists{}; },
    [db](const love_query& q) {
      std::lock_guard<std::mutex> guard{db->mtx};
      db->loves.push_back(q);
      return fm::write_ack{};
    },
    [](fm_token_atom) { return fm::auth_token{"tok"}; },
    [](fm_session_atom, const std::string&) { return fm::auth_session{"Linked", "k", false}; },
    // The indexer's lane; no command asks it.
    [](fm_background_atom, const top_query&) { return fm::top_list{}; },
    [](fm_background_atom, const recent_query&) { return fm::recent_tracks{}; },
    [](fm_background_atom, fm_user_atom, const std::string&) { return fm::user_info{}; },
    [](fm_background_atom, fm_correction_atom, const std::string&) {
      return fm::artist_correction{};
    },
  };
}

/// The indexer's door: every user's progress is `db->progress`.
indexer_actor::behavior_type fake_indexer(std::shared_ptr<fake_users> db) {
  return {
    [](index_user_atom, std::int64_t, const std::string&) {},
    [](index_request_atom, std::int64_t, const std::string&) { return index_request_result{}; },
    [db](index_progress_atom, std::int64_t user) {
      std::lock_guard<std::mutex> guard{db->mtx};
      db->progress_asked.push_back(user);
      return db->progress;
    },
  };
}

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::shared_ptr<fake_users> users = std::make_shared<fake_users>();
  fm_actor fm = sys.spawn(fake_fm, users);
  database_actor db = sys.spawn(fake_database, users);
  indexer_actor indexer = sys.spawn(fake_indexer, users);
  command_actor engine;

  fixture() {
    auto env = test::all_commands_environment();
    env->lastfm_api_key_public = "KEY";
    auto handles = std::make_shared<engine_handles>();
    handles->fm.put(fm);
    handles->database.put(db);
    handles->indexer.put(indexer);
    env->engines = handles;
    engine = command::spawn_engine(self.ptr(), env);
  }

  ~fixture() {
    for (auto& a : {caf::actor_cast<caf::actor>(engine), caf::actor_cast<caf::actor>(fm),
                    caf::actor_cast<caf::actor>(db), caf::actor_cast<caf::actor>(indexer)})
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }

  /// Sends `text` as user `id` (replying to `reply_to` when given) and
  /// returns the plain text of the answer.
  std::string say(const std::string& text, const std::string& id = "1",
                  const std::string& reply_to = {}) {
    auto m = test::console_message(text, id, "c", reply_to);
    m.chat.kind = in_group ? chat_kind::group : chat_kind::private_chat;
    std::string out;
    self->request(engine, 10s, m)
      .receive(
        [&](command_result& r) {
          last = r;
          for (auto& reply : r.replies)
            out += plain_text(reply.text);
        },
        [&](caf::error& err) { out = "ERROR " + sys.render(err); });
    return out;
  }

  command_result last;
  /// say() speaks in a group chat rather than a private one.
  bool in_group = false;
};

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("register refuses unknown users and stores the name as Last.fm spells it",
          "[music][commands]") {
  fixture f;
  CHECK(has(f.say("/register nobody"), "The Last.fm user nobody was not found"));
  CHECK(f.users->by_id.empty());
  CHECK(has(f.say("/register bad name!"), "Please give your Last.fm username"));
  CHECK(has(f.say("/register https://www.last.fm/user/someuser"), "registered as SomeUser"));
  CHECK(f.users->by_id["1"].fm_username == "SomeUser");
  CHECK(has(f.say("/reg SomeUser"), "already registered as SomeUser"));
  CHECK(has(f.say("/unregister"), "no longer registered"));
  CHECK(has(f.say("/unregister"), "aren't registered"));
}

TEST_CASE("now playing, album and artist show the subject's plays", "[music][commands]") {
  fixture f;
  CHECK(has(f.say("/ln"), "only available to registered users"));
  f.say("/register someuser");
  auto np = f.say("/ln");
  CHECK(has(np, "User1 is listening to:"));
  CHECK(has(np, "❤️ Apocalypse Dreams")); // loved in the extended recent tracks
  CHECK(has(np, "📊 1 scrobble"));
  CHECK(has(np, "#psychedelic_rock"));
  CHECK(has(f.say("/alb"), "235 plays of this album"));
  CHECK(has(f.say("/art"), "7,211 plays of this artist"));
  CHECK(has(f.say("/ln", "1", "2"), "User2 hasn't registered"));
  f.say("/register silent", "2");
  CHECK(has(f.say("/ln", "1", "2"), "User2 hasn't scrobbled anything yet"));
  CHECK(has(f.say("/ln", "2"), "You haven't scrobbled anything yet"));
  f.say("/register noinfo", "3");
  auto partial = f.say("/ln", "3");
  CHECK(has(partial, "Apocalypse Dreams"));
  CHECK_FALSE(has(partial, "📊"));
}

TEST_CASE("last gathers the profile and leaves out a failed top list", "[music][commands]") {
  fixture f;
  f.say("/register someuser");
  auto out = f.say("/last");
  CHECK(has(out, "SomeUser on Last.fm"));
  CHECK(has(out, "1,000 scrobbles"));
  CHECK(has(out, "Country: Brazil"));
  CHECK(has(out, "Top artist: Queen (77 plays)"));
  CHECK(has(out, "Top track: Roi by Videoclub (77 plays)"));
  CHECK_FALSE(has(out, "Top album"));
  CHECK(has(out, "Apocalypse Dreams — Tame Impala"));
}

TEST_CASE("lang lists, refuses unknown codes and answers in the new language",
          "[music][commands]") {
  fixture f;
  f.say("/register someuser");
  CHECK(has(f.say("/lang"), "pt (Português"));
  CHECK(has(f.say("/lang xx"), "I don't know the language \"xx\""));
  CHECK(has(f.say("/lang pt"), "Pronto!"));
  CHECK(f.users->by_id["1"].language == "pt");
  CHECK(has(f.say("/ln"), "está ouvindo"));
}

TEST_CASE("linkfm needs a stored token, and without a cache it says storage is down",
          "[music][commands]") {
  fixture f;
  // No caching engine in this fixture: the token cannot be kept.
  CHECK(has(f.say("/linkfm"), "storage is unavailable"));
  CHECK(has(f.say("/linkfm cancel"), "Linking cancelled"));
}

TEST_CASE("artistinfo shows the author's plays and says when Last.fm corrected the name",
          "[music][commands][lookups]") {
  fixture f;
  f.say("/register someuser");
  auto np = f.say("/ai");
  CHECK(has(np, "Tame Impala"));
  CHECK(has(np, "1,688,480 listeners worldwide"));
  CHECK(has(np, "You played it 7,211 times"));
  CHECK(has(np, "Similar artists: Drake, Frank Ocean"));
  CHECK(has(np, "3 lastgram users listen"));
  CHECK_FALSE(has(np, "corrected"));
  auto typed = f.say("/artistinfo Weeknd");
  CHECK(has(typed, "The Weeknd"));
  {
    // Counted under Last.fm's spelling.
    std::lock_guard<std::mutex> guard{f.users->mtx};
    REQUIRE(f.users->listeners_asked.size() == 2);
    CHECK(std::get<0>(f.users->listeners_asked[1]) == entity_kind::artist);
    CHECK(std::get<1>(f.users->listeners_asked[1]) == "The Weeknd");
  }
  CHECK(has(typed, "Last.fm corrected your search \"Weeknd\""));
  CHECK_FALSE(has(f.say("/ai the weeknd"), "corrected"));
  CHECK(has(f.say("/ai Nobody Knows"), "Last.fm doesn't know Nobody Knows"));
  CHECK(has(f.say("/ti Jay-Z"), "a dash with spaces around it"));
}

TEST_CASE("comparisons need a reply and show the other person's count",
          "[music][commands][compare]") {
  fixture f;
  f.say("/register someuser");
  CHECK(has(f.say("/you"), "Use this command as a reply"));
  CHECK(has(f.say("/you", "1", "2"), "User2 hasn't registered"));
  f.say("/register other", "2");
  auto you = f.say("/youtrack", "1", "2");
  CHECK(has(you, "User1 is listening to"));
  CHECK(has(you, "Apocalypse Dreams"));
  CHECK(has(you, "User2 has played this track 1 time"));
  auto me = f.say("/meart", "1", "2");
  CHECK(has(me, "User2 is listening to"));
  CHECK(has(me, "You have played this artist 7,211 times"));
  CHECK(has(f.say("/mealb", "1", "2"), "You have played this album 235 times"));
  CHECK(has(f.say("/vcart", "1", "2"), "User2 has played this artist 7,211 times"));
}

TEST_CASE("compat scores two top lists and lists the shared artists",
          "[music][commands][compat]") {
  fixture f;
  f.say("/register someuser");
  f.say("/register other", "2");
  CHECK(has(f.say("/compat"), "Use this command as a reply"));
  auto out = f.say("/taste", "1", "2");
  CHECK(has(out, "Music taste: User1 and User2"));
  CHECK(has(out, "100% compatible · soulmates"));
  CHECK(has(out, "1 artist in common"));
  CHECK(has(out, "Queen 77 / 77"));
}

TEST_CASE("love and unlove use the author's own session even in a reply",
          "[music][commands][love]") {
  fixture f;
  f.say("/register someuser");
  CHECK(has(f.say("/love"), "needs a linked Last.fm account"));
  CHECK(f.users->loves.empty());
  f.say("/register other", "2");
  {
    std::lock_guard<std::mutex> guard{f.users->mtx};
    f.users->keys["1"] = "key-of-1";
    f.users->keys["2"] = "key-of-2";
    f.users->by_id["1"].has_session_key = true;
    f.users->by_id["2"].has_session_key = true;
  }
  CHECK(has(f.say("/❤️", "1", "2"), "Loved Apocalypse Dreams by Tame Impala"));
  CHECK(has(f.say("/desamei Jay-Z - 99 Problems", "1", "2"),
            "Removed 99 Problems by Jay-Z from your loved tracks"));
  std::lock_guard<std::mutex> guard{f.users->mtx};
  REQUIRE(f.users->loves.size() == 2);
  CHECK(f.users->loves[0].session_key == "key-of-1");
  CHECK(f.users->loves[0].love);
  CHECK(f.users->loves[1].session_key == "key-of-1");
  CHECK_FALSE(f.users->loves[1].love);
  CHECK(f.users->loves[1].artist == "Jay-Z");
  CHECK(f.users->loves[1].track == "99 Problems");
}

TEST_CASE("emoji takes exactly one emoji and /ln shows it", "[music][commands][emoji]") {
  fixture f;
  f.say("/register someuser");
  CHECK(has(f.say("/emoji ok"), "\"ok\" isn't one emoji"));
  CHECK(has(f.say("/em 🔥🔥"), "isn't one emoji"));
  CHECK(has(f.say("/em 🔥"), "loved tracks now show 🔥"));
  CHECK(has(f.say("/ln"), "🔥 Apocalypse Dreams"));
}

TEST_CASE("whoknows works in groups only and sends the fresh count from getInfo",
          "[music][commands][groups]") {
  fixture f;
  f.say("/register someuser");
  CHECK(has(f.say("/wk Weeknd"), "only works in groups"));
  f.in_group = true;
  auto text = f.say("/wk Weeknd");
  INFO(text);
  {
    std::lock_guard<std::mutex> guard{f.users->mtx};
    REQUIRE(f.users->who_knows.size() == 1);
    auto& req = f.users->who_knows.front();
    CHECK(req.name == "The Weeknd"); // as Last.fm corrected it
    CHECK(req.kind == entity_kind::artist);
    CHECK(req.group_id == "c");
    CHECK(req.invoker_id == "1");
    CHECK(req.invoker_plays == 7211);
    CHECK(req.offset == 0);
  }
  CHECK(has(text, "Who knows The Weeknd in this group?"));
  CHECK(has(text, "\xF0\x9F\x91\x91 1. User1 — 7,211 plays"));
  CHECK(has(text, "2. otherfm — 12 plays"));
  CHECK(has(text, "16 listeners, 999 plays"));
  CHECK(has(text, "User1 claimed the crown with 7,211 plays!"));

  // Without a name: the artist being played; albums and tracks too.
  f.say("/wk");
  f.say("/wkal");
  f.say("/gwkt Jay-Z - 99 Problems");
  std::lock_guard<std::mutex> guard{f.users->mtx};
  REQUIRE(f.users->who_knows.size() == 4);
  CHECK(f.users->who_knows[1].name == "Tame Impala");
  CHECK(f.users->who_knows[2].kind == entity_kind::album);
  CHECK(f.users->who_knows[2].name == "Lonerism");
  CHECK(f.users->who_knows[2].artist == "Tame Impala");
  CHECK(f.users->who_knows[2].invoker_plays == 235);
  CHECK(f.users->who_knows[3].kind == entity_kind::track);
  CHECK(f.users->who_knows[3].group_id.empty()); // global
  CHECK(f.users->who_knows[3].name == "99 Problems");
}

TEST_CASE("whoknows shows the invoker's indexing progress while their index runs",
          "[music][commands][groups]") {
  fixture f;
  f.say("/register someuser");
  {
    std::lock_guard<std::mutex> guard{f.users->mtx};
    f.users->by_id["1"].id = 42;
  }
  f.in_group = true;
  // No index running: no line.
  auto idle = f.say("/wk Weeknd");
  INFO(idle);
  CHECK(has(idle, "16 listeners, 999 plays"));
  CHECK_FALSE(has(idle, "indexing"));
  {
    std::lock_guard<std::mutex> guard{f.users->mtx};
    f.users->progress.running = true;
    f.users->progress.kind = entity_kind::artist;
    f.users->progress.done = 3000;
    f.users->progress.total = 7412;
  }
  auto running = f.say("/wk Weeknd");
  INFO(running);
  CHECK(has(running, "16 listeners, 999 plays"));
  CHECK(has(running, "indexing: 3,000 of 7,412 artists"));
  {
    std::lock_guard<std::mutex> guard{f.users->mtx};
    f.users->progress.kind = entity_kind::album;
  }
  CHECK(has(f.say("/gwkal"), "indexing: 3,000 of 7,412 albums"));
  std::lock_guard<std::mutex> guard{f.users->mtx};
  REQUIRE(f.users->progress_asked.size() == 3);
  CHECK(f.users->progress_asked.back() == 42); // the invoker's own index
}
