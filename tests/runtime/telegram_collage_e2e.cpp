// Collages end to end over Telegram: the lastgram binary (its real image
// engine, libvips) against the Bot API emulator, which parses every upload
// strictly and records an uploaded photo as "upload:<w>x<h>:<bytes>:<sha>"
// (tests/telegram/emulator.js), the fake Last.fm serving a made-up top list
// whose covers live on a loopback CDN, and that CDN.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "support/lastfm_payloads.hpp"
#include "support/test_http_server.hpp"
#include "telegram_harness.hpp"

using namespace lastgram::test;
using namespace lastgram::test::tg_e2e;
using namespace std::chrono_literals;

namespace {

/// user.getTopArtists as Last.fm shapes it (tests/fixtures/lastfm), with
/// `limit` artists whose covers are on `cdn`; a user whose name starts with
/// "slow" gets covers under /slow/, which the CDN answers late.
std::string top_artists(const fake_call& call, const std::string& cdn) {
  auto user = call.param("user");
  auto limit = std::stoi(call.param("limit").empty() ? "50" : call.param("limit"));
  auto dir = user.rfind("slow", 0) == 0 ? "/slow/" : "/i/u/300x300/";
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("topartists");
  w.StartObject();
  w.Key("artist");
  w.StartArray();
  for (int i = 1; i <= limit; ++i) {
    auto n = std::to_string(i);
    w.StartObject();
    w.Key("streamable");
    w.String("0");
    w.Key("image");
    w.StartArray();
    for (auto size : {"small", "medium", "large", "extralarge"}) {
      w.StartObject();
      w.Key("size");
      w.String(size);
      w.Key("#text");
      w.String((cdn + dir + "cover" + n + ".png").c_str());
      w.EndObject();
    }
    w.EndArray();
    w.Key("mbid");
    w.String("");
    w.Key("url");
    w.String(("https://www.last.fm/music/Artist+" + n).c_str());
    w.Key("playcount");
    w.String(std::to_string(1000 - i).c_str());
    w.Key("@attr");
    w.StartObject();
    w.Key("rank");
    w.String(n.c_str());
    w.EndObject();
    w.Key("name");
    w.String(("Artist " + n).c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("@attr");
  w.StartObject();
  for (auto [k, v] : {std::pair<const char*, std::string>{"user", user},
                      {"totalPages", "1"}, {"page", "1"}, {"perPage", std::to_string(limit)},
                      {"total", std::to_string(limit)}}) {
    w.Key(k);
    w.String(v.c_str());
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

/// The files mapped into process `pid` (/proc/<pid>/maps).
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("telegram collage: /cllg sends a drawn photo and its buttons redraw it for the author "
          "only and a full render queue answers busy",
          "[telegram][e2e][collage]") {
  std::atomic<int> slow_requests{0};
  // Covers: every path answers 404 (drawn as placeholders) except /slow/,
  // which answers just as late, holding the one render slot.
  test_http_server cdn{[&](const received_request& req) {
    canned_response r;
    r.status = 404;
    r.body = "not found";
    if (starts_with(req.target, "/slow/")) {
      ++slow_requests;
      r.delay = 2500ms;
    }
    return r;
  }};
  telegram_emulator tg;
  fake_lastfm fm;
  auto cdn_root = cdn.url("");
  // Each Last.fm account is what it was registered as.
  fm.set_handler("user.getinfo",
                 [](const fake_call& c) { return user_info_body(c.param("user")); });
  fm.set_handler("user.gettopartists",
                 [cdn_root](const fake_call& c) { return top_artists(c, cdn_root); });
  bot_node node{tg, fm, "polling",
                {"image.render-slots=1", "image.queue=0", "image.cover-timeout-ms=8000"}};

  tg_user ana{1401, "Ana", "", "ana", "en"};
  tg_user bob{1402, "Bob", "", "bob", "en"};
  tg_user cid{1403, "Cid", "", "cid", "en"};
  auto group = tg_chat::group(-1009001, "Pictures", true);
  CHECK(contains(content(ask(tg, ana, group, "/register anafm")), "registered as"));
  // libvips comes with the first collage (actors/image/vips_module.hpp): a
  // node that has drawn nothing has not mapped it.
  CHECK_FALSE(contains(maps_of(node.proc->pid()), "libvips"));
  // Nor, on SQLite, the PostgreSQL module and libpq (actors/database/pg_module.hpp).
  CHECK_FALSE(contains(maps_of(node.proc->pid()), "liblastgram_pg.so"));
  CHECK_FALSE(contains(maps_of(node.proc->pid()), "libpq"));

  // A 4x4 of artists over a month: an uploaded JPEG of 4 x 300 px.
  auto pic = ask(tg, ana, group, "/cllg 4x4 artist 1m");
  INFO(transcript(tg, group.id));
  REQUIRE(pic.message_id != 0);
  CHECK(contains(maps_of(node.proc->pid()), "liblastgram_vips.so"));
  CHECK(contains(maps_of(node.proc->pid()), "libvips"));
  CHECK(starts_with(pic.photo, "upload:1200x1200:"));
  CHECK(contains(pic.caption, "anafm"));
  bool asked = false;
  for (auto& c : fm.received())
    if (c.method == "user.gettopartists" && c.param("user") == "anafm"
        && c.param("period") == "1month" && c.param("limit") == "16")
      asked = true;
  CHECK(asked);
  // Sixteen covers were asked for, at the tile size, from the loopback CDN.
  CHECK(cdn.wait_for_requests(16, 10s));

  // "+" edits the same message into a 5x5.
  auto plus = button_data(pic, "➕ 5×5");
  REQUIRE_FALSE(plus.empty());
  REQUIRE(tg.press_button(ana, group, pic.message_id, plus).ok);
  std::optional<tg_bot_message> bigger;
  CHECK(eventually(
    [&] {
      for (auto& m : tg.bot_messages(group.id))
        if (m.message_id == pic.message_id && starts_with(m.photo, "upload:1500x1500:"))
          bigger = m;
      return bigger.has_value();
    },
    20s));
  REQUIRE(bigger);
  CHECK_FALSE(button_data(*bigger, "➕ 6×6").empty());
  // Still one message: the press edited it.
  CHECK(tg.bot_messages(group.id).size() == 2);

  // Someone else's press gets the alert and changes nothing.
  auto before = tg.callback_answers().size();
  REQUIRE(tg.press_button(bob, group, pic.message_id, button_data(*bigger, "➕ 6×6")).ok);
  CHECK(eventually([&] { return tg.callback_answers().size() > before; }, 10s));
  auto answers = tg.callback_answers();
  REQUIRE(answers.size() > before);
  CHECK(answers.back().show_alert);
  CHECK(contains(answers.back().text, "isn't for you"));
  CHECK(holds_for(
    [&] {
      for (auto& m : tg.bot_messages(group.id))
        if (m.message_id == pic.message_id && !starts_with(m.photo, "upload:1500x1500:"))
          return false;
      return true;
    },
    2s));

  // One render slot and no queue: while Bob's collage waits for its slow
  // covers, Cid is told at once that the bot is busy. (Cid asks in his own
  // chat: commands of one chat take turns.)
  auto cid_dm = tg_chat::private_with(cid);
  CHECK(contains(content(ask(tg, bob, group, "/register slowbob")), "registered as"));
  CHECK(contains(content(ask(tg, cid, cid_dm, "/register cidfm")), "registered as"));
  auto count = tg.bot_messages(group.id).size();
  REQUIRE(tg.send_message(bob, group, "/cllg 2x2 artist").ok);
  REQUIRE(eventually([&] { return slow_requests.load() >= 1; }, 10s));
  auto busy = ask(tg, cid, cid_dm, "/cllg 2x2 artist");
  CHECK(contains(content(busy), "drawing a lot of collages"));
  CHECK(busy.photo.empty());
  // Bob's collage still comes, drawn with placeholders for the late covers.
  auto all = tg.wait_for_bot_messages(group.id, count + 1, 20s);
  REQUIRE(all.size() >= count + 1);
  bool bob_drawn = false;
  for (auto& m : all)
    if (contains(m.caption, "slowbob") && starts_with(m.photo, "upload:600x600:"))
      bob_drawn = true;
  CHECK(bob_drawn);
}
