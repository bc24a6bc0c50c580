// /cllg and /acllg in a real actor system: the command engine runs them, the
// real (memory) caching engine keeps their buttons, the real database engine
// knows the users (SQLite), the event engine answers presses. Last.fm is a
// stand-in serving top lists, and the image engine's door is a recording
// double that answers a tiny JPEG, "busy" or "failed".

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/ask.hpp"
#include "actors/test_config.hpp"
#include "actors/test_db.hpp"
#include "actors/caching/engine.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/database/engine.hpp"
#include "actors/event/engine.hpp"
#include "actors/support/engines.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/event.hpp"
#include "messages/fm_engine.hpp"
#include "messages/image.hpp"
#include "messages/type_ids.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

/// The smallest JPEG-shaped answer: start and end markers around a comment.
const std::string tiny_jpeg = std::string{"\xFF\xD8\xFF\xFE\x00\x04ok\xFF\xD9", 10};

/// What the doubles saw, and how the image door answers.
struct recorded {
  std::mutex mtx;
  std::vector<top_query> queries;
  std::vector<collage_request> requests;
  image_status answer = image_status::ok;

  template <class T>
  std::vector<T> copy(const std::vector<T>& of) {
    std::lock_guard<std::mutex> guard{mtx};
    return of;
  }
};

/// Top lists of `q.limit` ranked items with cover URLs; "quiet" has none.
/// The only Last.fm call collages make; the test casts it to the fm door.
caf::behavior fake_fm(std::shared_ptr<recorded> rec) {
  return {
    [rec](const top_query& q) {
      {
        std::lock_guard<std::mutex> guard{rec->mtx};
        rec->queries.push_back(q);
      }
      fm::top_list list;
      list.kind = q.kind;
      list.user = q.user;
      list.range = q.range;
      if (q.user == "quiet")
        return list;
      for (std::int32_t i = 1; i <= q.limit; ++i) {
        fm::top_item item;
        item.rank = i;
        item.name = "Item " + std::to_string(i);
        item.artist = q.kind == fm::top_kind::artists ? "" : "Artist " + std::to_string(i);
        item.playcount = 100 - i;
        item.image = "https://lastfm.freetls.fastly.net/i/u/300x300/" + std::to_string(i) + ".png";
        list.items.push_back(std::move(item));
      }
      list.total = q.limit;
      return list;
    },
  };
}

/// The image engine's door as a test double: records each request and
/// answers with the status the test set.
image_actor::behavior_type recording_image(std::shared_ptr<recorded> rec) {
  return {
    [rec](collage_request& req) {
      std::lock_guard<std::mutex> guard{rec->mtx};
      rec->requests.push_back(req);
      collage_image img;
      img.status = rec->answer;
      if (img.status == image_status::ok) {
        img.jpeg = tiny_jpeg;
        img.width = 300 * req.columns;
        img.height = 300 * req.rows;
      }
      return img;
    },
  };
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

struct fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  test::test_db db_file{database::backend_kind::sqlite};
  std::shared_ptr<recorded> rec = std::make_shared<recorded>();
  std::shared_ptr<engine_handles> handles = std::make_shared<engine_handles>();
  std::vector<caf::actor> actors;
  caf::actor commands;
  caf::actor events;
  caf::actor db;

  explicit fixture(bool with_image = true) {
    db_file.open();
    auto env = test::all_commands_environment();
    env->engines = handles;
    auto cache = caching::spawn_engine(self.ptr(), cache_settings{}, nullptr);
    auto database = database::spawn_engine(self.ptr(), db_file.pool_settings(2), nullptr);
    auto fm = sys.spawn(fake_fm, rec);
    auto command_engine = command::spawn_engine(self.ptr(), env);
    auto event_engine = event::spawn_engine(self.ptr(), env);
    handles->caching.put(cache);
    handles->database.put(database);
    handles->fm.put(caf::actor_cast<fm_actor>(fm));
    handles->command.put(command_engine);
    if (with_image)
      handles->image.put(sys.spawn(recording_image, rec));
    commands = caf::actor_cast<caf::actor>(command_engine);
    events = caf::actor_cast<caf::actor>(event_engine);
    db = caf::actor_cast<caf::actor>(database);
    actors = {events, commands, fm, db,
              caf::actor_cast<caf::actor>(cache)};
    if (with_image)
      actors.push_back(caf::actor_cast<caf::actor>(handles->image.get()));
    for (auto id : {"1", "2", "3"})
      register_user(id, std::string{"fm"} + id);
  }

  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  ~fixture() {
    for (auto& a : actors)
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }

  template <class T, class... Ts>
  T must(const caf::actor& to, Ts&&... xs) {
    return test::must_answer<T>(self, to, std::forward<Ts>(xs)...);
  }

  void register_user(const std::string& id, const std::string& fm_name) {
    must<user_record>(db, register_atom::value, platform_kind::console, id, fm_name,
                      "User" + id);
  }

  /// `text` sent by `id` in chat c1, as a reply to `reply_to`'s message
  /// when given.
  command_result say(const std::string& text, const std::string& id = "1",
                     const std::string& reply_to = {}) {
    return must<command_result>(commands, test::console_message(text, id, "c1", reply_to));
  }

  press_result press(const std::string& data, const std::string& id = "1") {
    button_press p;
    p.press_id = "q1";
    p.from.id = id;
    p.chat.id = "c1";
    p.message_id = "8";
    p.data = data;
    return must<press_result>(events, p);
  }

  std::vector<collage_request> requests() { return rec->copy(rec->requests); }
  std::vector<top_query> queries() { return rec->copy(rec->queries); }
  void answer_with(image_status s) {
    std::lock_guard<std::mutex> guard{rec->mtx};
    rec->answer = s;
  }
};

outgoing_reply only_reply(const command_result& r) {
  REQUIRE(r.replies.size() == 1);
  return r.replies.front();
}

std::vector<std::vector<std::string>> labels_of(const outgoing_reply& r) {
  std::vector<std::vector<std::string>> out;
  for (auto& row : r.buttons) {
    out.emplace_back();
    for (auto& b : row)
      out.back().push_back(b.label);
  }
  return out;
}

std::string data_of(const outgoing_reply& r, const std::string& label) {
  for (auto& row : r.buttons)
    for (auto& b : row)
      if (b.label == label)
        return b.callback_data;
  FAIL("no button " << label);
  return {};
}

} // namespace

TEST_CASE("cllg sends the subject's top list to the image door and answers the picture",
          "[collage][commands]") {
  fixture f;
  auto res = f.say("/cllg 4x4 artist 1m");
  CHECK(res.outcome == command_outcome::ok);
  auto r = only_reply(res);
  CHECK(r.photo_jpeg == tiny_jpeg);
  CHECK(r.reply_to_message_id == "7");
  CHECK(plain_text(r.text) == "Top artists of fm1, last month · 4×4");

  auto q = f.queries();
  REQUIRE(q.size() == 1);
  CHECK(q[0].user == "fm1");
  CHECK(q[0].kind == fm::top_kind::artists);
  CHECK(q[0].range == fm::period::one_month);
  CHECK(q[0].limit == 16);
  auto req = f.requests();
  REQUIRE(req.size() == 1);
  CHECK(req[0].layout == collage_layout::grid);
  CHECK(req[0].columns == 4);
  CHECK(req[0].rows == 4);
  CHECK(req[0].labels);
  REQUIRE(req[0].tiles.size() == 16);
  CHECK(req[0].tiles[0].name == "Item 1");
  CHECK(req[0].tiles[0].artist.empty());
  CHECK(req[0].tiles[0].playcount == 99);
  CHECK(req[0].tiles[0].playcount_text == "99 plays");
  CHECK(req[0].tiles[15].name == "Item 16");
  CHECK(req[0].tiles[15].image_url == "https://lastfm.freetls.fastly.net/i/u/300x300/16.png");

  using rows = std::vector<std::vector<std::string>>;
  CHECK(labels_of(r) == rows{{"➖ 3×3", "➕ 5×5"},
                             {"🏷 Hide names"},
                             {"✓ Artists", "Albums", "Tracks"},
                             {"7 days", "✓ 1 month", "3 months"},
                             {"6 months", "12 months", "All time"}});
}

TEST_CASE("cllg defaults to a labelled 3x3 of albums over 7 days and its aliases work",
          "[collage][commands]") {
  fixture f;
  for (auto text : {"/cllg", "/collage", "/clg", "/cl"}) {
    auto r = only_reply(f.say(text));
    CHECK(plain_text(r.text) == "Top albums of fm1, last 7 days · 3×3");
  }
  for (auto& req : f.requests()) {
    CHECK(req.columns == 3);
    CHECK(req.rows == 3);
    CHECK(req.tiles.size() == 9);
    CHECK(req.tiles[0].artist == "Artist 1");
  }
  CHECK(f.requests().size() == 4);
  // The edges of the size have no button past them.
  auto one = labels_of(only_reply(f.say("/cllg 1")));
  CHECK(one.front() == std::vector<std::string>{"➕ 2×2"});
  auto ten = labels_of(only_reply(f.say("/cllg 10x10 nolabels")));
  CHECK(ten.front() == std::vector<std::string>{"➖ 9×9"});
  CHECK(ten[1] == std::vector<std::string>{"🏷 Show names"});
  CHECK_FALSE(f.requests().back().labels);
}

TEST_CASE("a press on a collage button redraws and edits with one thing changed",
          "[collage][commands]") {
  fixture f;
  auto first = only_reply(f.say("/cllg 4x4 artist 1m"));
  auto bigger = f.press(data_of(first, "➕ 5×5"));
  CHECK(bigger.edit);
  CHECK_FALSE(bigger.alert);
  CHECK(bigger.reply.photo_jpeg == tiny_jpeg);
  CHECK(bigger.reply.reply_to_message_id.empty());
  CHECK(plain_text(bigger.reply.text) == "Top artists of fm1, last month · 5×5");
  auto req = f.requests();
  REQUIRE(req.size() == 2);
  CHECK(req[1].columns == 5);
  CHECK(req[1].tiles.size() == 25);
  CHECK(f.queries().back().kind == fm::top_kind::artists);
  CHECK(f.queries().back().range == fm::period::one_month);

  // The edited message's own buttons keep working from the new state.
  auto tracks = f.press(data_of(bigger.reply, "Tracks"));
  CHECK(plain_text(tracks.reply.text) == "Top tracks of fm1, last month · 5×5");
  auto overall = f.press(data_of(tracks.reply, "All time"));
  CHECK(plain_text(overall.reply.text) == "Top tracks of fm1, all time · 5×5");
  CHECK(labels_of(overall.reply)[2] == std::vector<std::string>{"Artists", "Albums", "✓ Tracks"});
  auto plain = f.press(data_of(overall.reply, "🏷 Hide names"));
  CHECK(plain.edit);
  CHECK_FALSE(f.requests().back().labels);
  CHECK(f.requests().back().columns == 5);
  CHECK(f.queries().back().kind == fm::top_kind::tracks);
  CHECK(f.queries().back().range == fm::period::overall);
  auto smaller = f.press(data_of(plain.reply, "➖ 4×4"));
  CHECK(f.requests().back().columns == 4);
  CHECK_FALSE(f.requests().back().labels);
  CHECK(labels_of(smaller.reply)[1] == std::vector<std::string>{"🏷 Show names"});
}

TEST_CASE("only the author can press a collage button", "[collage][commands]") {
  fixture f;
  auto first = only_reply(f.say("/cllg 3x3"));
  auto before = f.requests().size();
  auto res = f.press(data_of(first, "➕ 4×4"), "2");
  CHECK(res.alert);
  CHECK_FALSE(res.edit);
  CHECK(res.notice == "This button isn't for you.");
  CHECK(f.requests().size() == before);
}

TEST_CASE("a collage of the person replied to stays theirs when the author presses",
          "[collage][commands]") {
  fixture f;
  auto first = only_reply(f.say("/cllg tracks", "1", "2"));
  CHECK(plain_text(first.text) == "Top tracks of fm2, last 7 days · 3×3");
  CHECK(f.queries().back().user == "fm2");
  auto res = f.press(data_of(first, "➕ 4×4"), "1");
  CHECK(res.edit);
  CHECK(f.queries().back().user == "fm2");
  CHECK(plain_text(res.reply.text) == "Top tracks of fm2, last 7 days · 4×4");
  // The person drawn is not the author: their press is refused too.
  CHECK(f.press(data_of(first, "➕ 4×4"), "2").notice == "This button isn't for you.");
}

TEST_CASE("a busy image engine is told as busy and a press keeps the picture",
          "[collage][commands]") {
  fixture f;
  auto first = only_reply(f.say("/cllg"));
  f.answer_with(image_status::busy);
  auto res = f.say("/cllg 5x5");
  CHECK(res.outcome == command_outcome::busy);
  auto r = only_reply(res);
  CHECK(r.photo_jpeg.empty());
  CHECK(plain_text(r.text)
        == "I'm drawing a lot of collages right now. Please try again in a minute.");
  auto pressed = f.press(data_of(first, "➕ 4×4"));
  CHECK(pressed.alert);
  CHECK_FALSE(pressed.edit);
  CHECK(pressed.notice == "I'm drawing a lot of collages right now. Please try again in a minute.");
  // In the user's language.
  CHECK(has(plain_text(only_reply(f.say("/lang pt")).text), "Português"));
  CHECK(plain_text(only_reply(f.say("/cllg")).text)
        == "Estou desenhando muitas colagens agora. Tente de novo daqui a um minuto.");
}

TEST_CASE("a failed render or a node without the image engine gets an apology",
          "[collage][commands]") {
  const std::string sorry = "Sorry, I couldn't draw this collage. Please try again later.";
  {
    fixture f;
    f.answer_with(image_status::failed);
    auto res = f.say("/cllg");
    CHECK(res.outcome == command_outcome::failed);
    CHECK(plain_text(only_reply(res).text) == sorry);
  }
  fixture without{false};
  auto res = without.say("/acllg");
  CHECK(res.outcome == command_outcome::failed);
  CHECK(plain_text(only_reply(res).text) == sorry);
}

TEST_CASE("a collage of an empty period says so and asks for no picture",
          "[collage][commands]") {
  fixture f;
  f.register_user("4", "quiet");
  auto res = f.say("/cllg overall", "4");
  CHECK(plain_text(only_reply(res).text) == "quiet has no scrobbles in this period (all time).");
  CHECK(f.requests().empty());
}

TEST_CASE("collage words that make no collage are refused before Last.fm is asked",
          "[collage][commands]") {
  fixture f;
  CHECK(plain_text(only_reply(f.say("/cllg 11x11")).text)
        == "A collage is from 1x1 up to 10x10 tiles, so “11x11” won't do.");
  auto bad = plain_text(only_reply(f.say("/cllg albums banana")).text);
  CHECK(has(bad, "I don't understand “banana”."));
  CHECK(has(bad, "/cllg [size (e.g. 5x5)] [albums, artists or tracks] [period]"));
  CHECK(has(plain_text(only_reply(f.say("/cllg 2 months")).text), "“2 months”"));
  CHECK(has(plain_text(only_reply(f.say("/acllg 5x5")).text), "I don't understand “5x5”."));
  CHECK(has(plain_text(only_reply(f.say("/cllg fm:no_such!")).text), "is not a Last.fm username"));
  CHECK(f.queries().empty());
  CHECK(f.requests().empty());
  // Someone not registered is told so by the guard.
  CHECK(f.say("/cllg", "9").outcome == command_outcome::guard_failed);
}

TEST_CASE("acllg asks for the asymmetric layout with 23 tiles and has no size buttons",
          "[collage][commands]") {
  fixture f;
  auto r = only_reply(f.say("/acllg artists overall"));
  CHECK(r.photo_jpeg == tiny_jpeg);
  CHECK(plain_text(r.text) == "Top artists of fm1, all time");
  auto req = f.requests();
  REQUIRE(req.size() == 1);
  CHECK(req[0].layout == collage_layout::asymmetric);
  CHECK(req[0].tiles.size() == 23);
  CHECK(f.queries().back().limit == 23);
  auto rows = labels_of(r);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"🏷 Hide names"});
  auto res = f.press(data_of(r, "Albums"));
  CHECK(res.edit);
  CHECK(f.requests().back().layout == collage_layout::asymmetric);
  CHECK(f.queries().back().kind == fm::top_kind::albums);
  CHECK(f.queries().back().range == fm::period::overall);
}

TEST_CASE("help describes cllg with its aliases and usage", "[collage][commands]") {
  fixture f;
  auto text = plain_text(only_reply(f.say("/help collage")).text);
  CHECK(has(text, "Draw a collage of your top albums"));
  CHECK(has(text, "/collage, /clg, /cl"));
  CHECK(has(plain_text(only_reply(f.say("/help")).text), "/acllg"));
}
