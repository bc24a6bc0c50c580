// End to end over Telegram, command by command: the lastgram binary against
// the Bot API emulator, the fake Last.fm (fixtures, or histories made up per
// Last.fm account) and the fake lrclib. Each step sends a command as a
// simulated user and reads the text of the bot's answer, as it would show in
// the Telegram client (HTML). Users are many so that no one of them reaches
// the per-user rate limit, which has its own user and step.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>

#include "support/fake_bot_api.hpp"
#include "support/fake_lrclib.hpp"
#include "support/lastfm_payloads.hpp"
#include "telegram_harness.hpp"

using namespace lastgram::test;
using namespace lastgram::test::tg_e2e;
using namespace std::chrono_literals;

namespace {

bool sent_with(const fake_lastfm& fm, const std::string& method, const std::string& name,
               const std::string& value) {
  for (auto& c : fm.received())
    if (c.method == method && c.param(name) == value)
      return true;
  return false;
}

/// Waits for a bot message in `chat` showing `text`, new or edited.
std::optional<tg_bot_message> shown(telegram_emulator& tg, std::int64_t chat,
                                    const std::string& text) {
  std::optional<tg_bot_message> found;
  eventually(
    [&] {
      for (auto& m : tg.bot_messages(chat))
        if (contains(content(m), text))
          found = m;
      return found.has_value();
    },
    20s);
  if (!found)
    UNSCOPED_INFO("waited for: " << text << "\nbot said:\n" << transcript(tg, chat));
  return found;
}

/// Every message the bot sent fits Telegram's limits, which the emulator
/// does not enforce: 4,096 for a text, 1,024 for a photo's caption.
void fits_telegram_limits(telegram_emulator& tg) {
  for (auto& m : tg.all_bot_messages()) {
    INFO(m.json);
    CHECK(telegram_visible_length(m.text) <= 4096);
    CHECK(telegram_visible_length(m.caption) <= 1024);
  }
}

void lookups(telegram_emulator& tg, fake_lastfm& fm) {
  tg_user ana{1201, "Ana", "", "ana", "en"};
  auto dm = tg_chat::private_with(ana);
  CHECK(contains(content(ask(tg, ana, dm, "/register someuser")), "registered as"));
  auto ai = ask(tg, ana, dm, "/artistinfo");
  INFO(ai.json);
  CHECK(contains(content(ai), "The Weeknd"));
  CHECK(contains(content(ai), "1,688,480 listeners worldwide"));
  CHECK(contains(content(ai), "You played it 7,211 times"));
  CHECK(contains(content(ai), "Similar artists: Drake, PARTYNEXTDOOR, Bryson Tiller"));
  CHECK_FALSE(contains(content(ai), "Read more on Last.fm"));
  CHECK(sent_with(fm, "artist.getinfo", "artist", "Tame Impala"));
  auto ali = ask(tg, ana, dm, "/albuminfo Paramore - Paramore");
  CHECK(contains(content(ali), "511,055 listeners worldwide"));
  CHECK(contains(content(ali), "17 tracks"));
  CHECK(contains(content(ali), "You played it 235 times"));
  CHECK(sent_with(fm, "album.getinfo", "album", "Paramore"));
  auto ti = ask(tg, ana, dm, "/trackinfo Jay-Z - 99 Problems");
  INFO(ti.json);
  CHECK(contains(content(ti), "Length: 2:37"));
  CHECK(contains(content(ti), "Last.fm corrected your search"));
  CHECK(sent_with(fm, "track.getinfo", "artist", "Jay-Z"));
  CHECK(sent_with(fm, "track.getinfo", "track", "99 Problems"));
  // Without an argument: the now playing track.
  auto now = ask(tg, ana, dm, "/trackinfo");
  CHECK(contains(content(now), "Length: 2:37"));
  CHECK(sent_with(fm, "track.getinfo", "track", "Feels Like We Only Go Backwards"));
}

void comparisons(telegram_emulator& tg) {
  tg_user dan{1202, "Dan", "", "dan", "en"};
  tg_user eve{1203, "Eve", "", "eve", "en"};
  auto group = tg_chat::group(-1007001, "Compare", true);
  CHECK(contains(content(ask(tg, dan, group, "/register someuser")), "registered as"));
  CHECK(contains(content(ask(tg, eve, group, "/register someuser")), "registered as"));
  auto said = tg.send_message(eve, group, "listen to this");
  REQUIRE(said.ok);
  tg_reply_to to_eve{said.message_id, eve, "listen to this"};
  CHECK(contains(content(ask(tg, dan, group, "/youtrack", to_eve)),
                 "Eve has played this track 36 times"));
  CHECK(contains(content(ask(tg, dan, group, "/youalbum", to_eve)),
                 "Eve has played this album 235 times"));
  CHECK(contains(content(ask(tg, dan, group, "/metrack", to_eve)),
                 "You have played this track 36 times"));
  CHECK(contains(content(ask(tg, dan, group, "/mealbum", to_eve)),
                 "You have played this album 235 times"));
}

void love_and_emoji(telegram_emulator& tg, fake_lastfm& fm) {
  tg_user cara{1204, "Cara", "", "cara", "en"};
  tg_user dan{1202, "Dan", "", "dan", "en"};
  auto dm = tg_chat::private_with(cara);
  CHECK(contains(content(ask(tg, cara, dm, "/register someuser")), "registered as"));
  CHECK(contains(content(ask(tg, cara, dm, "/love")), "needs a linked Last.fm account"));
  CHECK(fm.calls("track.love") == 0);
  auto link = ask(tg, cara, dm, "/linkfm");
  INFO(link.json);
  auto done = button_data(link, "✅ Done");
  REQUIRE_FALSE(done.empty());
  REQUIRE(tg.press_button(cara, dm, link.message_id, done).ok);
  REQUIRE(shown(tg, dm.id, "Your Last.fm account is now linked"));
  auto loved = ask(tg, cara, dm, "/love");
  INFO(loved.json);
  CHECK(contains(content(loved), "Loved Feels Like We Only Go Backwards by Tame Impala"));
  CHECK(sent_with(fm, "track.love", "sk", "CENSORED"));
  CHECK(sent_with(fm, "track.love", "track", "Feels Like We Only Go Backwards"));
  // As a reply in a group to Dan, who never linked: still Cara's own session.
  auto group = tg_chat::group(-1007002, "Love", true);
  auto said = tg.send_message(dan, group, "this one");
  REQUIRE(said.ok);
  auto unloved = ask(tg, cara, group, "/unlove Jay-Z - 99 Problems",
                     tg_reply_to{said.message_id, dan, "this one"});
  INFO(unloved.json);
  CHECK(contains(content(unloved), "Removed 99 Problems by Jay-Z from your loved tracks"));
  CHECK(fm.calls("track.unlove") == 1);
  CHECK(sent_with(fm, "track.unlove", "artist", "Jay-Z"));
  CHECK(sent_with(fm, "track.unlove", "track", "99 Problems"));
  CHECK(sent_with(fm, "track.unlove", "sk", "CENSORED"));

  auto bad = ask(tg, cara, dm, "/emoji ok");
  INFO(bad.json);
  CHECK(contains(content(bad), "isn't one emoji"));
  CHECK(contains(content(ask(tg, cara, dm, "/emoji 🔥")), "loved tracks now show 🔥"));
  CHECK(contains(content(ask(tg, cara, dm, "/config")), "Loved track emoji: 🔥"));
}

void lyrics(telegram_emulator& tg) {
  tg_user fay{1205, "Fay", "", "fay", "en"};
  auto group = tg_chat::group(-1007003, "Sing along", true);
  CHECK(contains(content(ask(tg, fay, group, "/register someuser")), "registered as"));
  auto page1 = ask(tg, fay, group, "/lyrics");
  INFO(page1.json);
  CHECK(contains(content(page1), "Stanza 1 line 1"));
  CHECK_FALSE(contains(content(page1), "Stanza 40 line 4"));
  CHECK(contains(content(page1), "Page 1 of 3"));
  auto next = button_data(page1, "▶");
  REQUIRE_FALSE(next.empty());
  CHECK(button_data(page1, "◀").empty());
  auto before = tg.bot_messages(group.id).size();
  REQUIRE(tg.press_button(fay, group, page1.message_id, next).ok);
  auto page2 = edited_to(tg, group.id, page1.message_id, "Page 2 of 3");
  REQUIRE(page2);
  CHECK_FALSE(contains(content(*page2), "Stanza 1 line 1"));
  CHECK_FALSE(button_data(*page2, "◀").empty());
  CHECK(tg.bot_messages(group.id).size() == before);
  auto synced = ask(tg, fay, group, "/lyrics Jay-Z - 99 Problems");
  CHECK(contains(content(synced), "I feel bad for you son"));
  CHECK_FALSE(contains(content(synced), "[00:03.50]"));
  CHECK(contains(content(ask(tg, fay, group, "/lyrics Aphex Twin - Flim")), "is instrumental"));
}

} // namespace

TEST_CASE("telegram lookups comparisons love emoji and lyrics answer with what Last.fm says",
          "[telegram][e2e][commands]") {
  telegram_emulator tg;
  fake_lastfm fm;
  fake_lrclib lrclib;
  add_sample_lyrics(lrclib);
  bot_node node{tg, fm, "polling", {"lyrics.lrclib-url=" + lrclib.url()}};
  lookups(tg, fm);
  comparisons(tg);
  love_and_emoji(tg, fm);
  lyrics(tg);
  fits_telegram_limits(tg);
}

namespace {

/// Each Last.fm account's made-up listening history.
struct histories {
  std::map<std::string, std::vector<fake_scrobble>> of;
};

void serve(fake_lastfm& fm, const histories& h) {
  for (auto& [name, history] : h.of)
    fm.set_body_for_user("user.getInfo", name, user_info_body(name));
  fm.set_handler("user.getRecentTracks", [h](const fake_call& call) {
    auto i = h.of.find(call.param("user"));
    return recent_tracks_body(call.param("user"),
                              i == h.of.end() ? std::vector<fake_scrobble>{} : i->second, call);
  });
}

/// Fifteen commands at once: thirteen answered, the fourteenth told to slow
/// down, the fifteenth dropped.
void rate_limit(telegram_emulator& tg) {
  tg_user kim{1306, "Kim", "", "kim", "en"};
  auto dm = tg_chat::private_with(kim);
  // The windows are aligned to multiples of 10 s: start early in one so
  // that the fifteen fall into the same window.
  REQUIRE(eventually([] { return unix_now() % 10 <= 3; }, 11s, 100ms));
  for (int i = 0; i < 15; ++i)
    REQUIRE(tg.send_message(kim, dm, "/start").ok);
  auto got = tg.wait_for_bot_messages(dm.id, 14, 20s);
  INFO(transcript(tg, dm.id));
  REQUIRE(got.size() >= 14);
  for (std::size_t i = 0; i < 13; ++i)
    CHECK(contains(content(got[i]), "Hi, Kim!"));
  CHECK(contains(content(got[13]), "Easy there! You're sending commands too fast."));
  // The fifteenth would have been answered as fast as the others.
  CHECK(holds_for([&] { return tg.bot_messages(dm.id).size() == 14; }, 3s));
}

} // namespace

TEST_CASE("telegram recent timezone peak milestone streak pace and the rate limit",
          "[telegram][e2e][commands][timezone]") {
  telegram_emulator tg;
  fake_lastfm fm;
  auto now = unix_now();
  auto day = (now / 86400 - 2) * 86400;
  histories h;
  h.of["recentfm"] = made_up_history();
  h.of["streakfm"] = streak_history();
  h.of["peakfm"] = peak_history(day);
  h.of["pacefm"] = pace_history(now);
  serve(fm, h);
  // The rate-limit part sends fifteen commands to one chat at once: the
  // chat's queue holds them all, so that only the per-user limit decides
  // (on a loaded machine the default 10 could refuse some first).
  bot_node node{tg, fm, "polling", {"command.chat-queue-limit=20"}};

  tg_user gus{1301, "Gus", "", "gus", "en"};
  auto gus_dm = tg_chat::private_with(gus);
  CHECK(contains(content(ask(tg, gus, gus_dm, "/register recentfm")), "registered as recentfm"));
  CHECK(contains(content(ask(tg, gus, gus_dm, "/timezone Mars/Olympus")),
                 "I don't know the time zone “Mars/Olympus”"));
  CHECK(contains(content(ask(tg, gus, gus_dm, "/timezone Asia/Tokyo")),
                 "Your time zone is now Asia/Tokyo"));
  auto recent = ask(tg, gus, gus_dm, "/recent");
  INFO(recent.json);
  CHECK(contains(content(recent), "<b>Recent tracks of recentfm</b>"));
  CHECK(contains(content(recent), "▶️ Now Song — Live Band (now playing)"));
  // 12:00 UTC is 21:00 in Tokyo.
  CHECK(contains(content(recent), "Jan 15, 21:00 · Song 1 — Artist 0"));
  CHECK(contains(content(recent), "Page 1 of 3"));
  CHECK_FALSE(button_data(recent, "▶").empty());
  auto milestone = ask(tg, gus, gus_dm, "/milestone 10");
  INFO(milestone.json);
  CHECK(contains(content(milestone), "🏁 Scrobble #10 of recentfm: Song 16 by Artist 0, on "
                                     "Thursday, January 15, 2026."));

  tg_user hal{1302, "Hal", "", "hal", "en"};
  auto hal_dm = tg_chat::private_with(hal);
  CHECK(contains(content(ask(tg, hal, hal_dm, "/register streakfm")), "registered as streakfm"));
  auto streak = ask(tg, hal, hal_dm, "/streak");
  INFO(streak.json);
  CHECK(contains(content(streak), "Streaks of streakfm"));
  CHECK(contains(content(streak), "🎵 Song A by Artist X: 4 plays in a row"));
  CHECK(contains(content(streak), "💿 Album Q by Artist X: 6 plays in a row"));
  CHECK(contains(content(streak), "🧑‍🎤 Artist X: 7 plays in a row"));

  tg_user ida{1303, "Ida", "", "ida", "en"};
  auto ida_dm = tg_chat::private_with(ida);
  CHECK(contains(content(ask(tg, ida, ida_dm, "/register peakfm")), "registered as peakfm"));
  auto peak = ask(tg, ida, ida_dm, "/peak");
  INFO(peak.json);
  CHECK(contains(content(peak), "Busiest day of peakfm, last 7 days"));
  // Durations come from track.getInfo: the fixture's 157 s for each of the
  // 7 scrobbles (3 distinct tracks looked up) is 18 min 19 s.
  CHECK(contains(content(peak),
                 "📅 " + long_date_utc(day) + ": 7 scrobbles, about 18 minutes, 19 seconds"));
  CHECK(fm.calls("track.getInfo") >= 3);
  CHECK(contains(content(peak), "1. Band B — 4 plays"));
  CHECK(contains(content(ask(tg, ida, ida_dm, "/timezone Asia/Tokyo")), "Asia/Tokyo"));
  CHECK(contains(content(ask(tg, ida, ida_dm, "/peak")),
                 "📅 " + long_date_utc(day + 86400) + ": 4 scrobbles"));

  tg_user jon{1304, "Jon", "", "jon", "en"};
  auto jon_dm = tg_chat::private_with(jon);
  CHECK(contains(content(ask(tg, jon, jon_dm, "/register pacefm")), "registered as pacefm"));
  auto pace = ask(tg, jon, jon_dm, "/pace");
  INFO(pace.json);
  // user.getInfo says 138,223: 1,777 to go at 10 a day is 177.7 days.
  CHECK(contains(content(pace), "📈 At 10 scrobbles a day (last month), pacefm reaches 140,000 "
                                "scrobbles on "));
  auto eta = now + static_cast<std::int64_t>(177.7 * 86400);
  CHECK((contains(content(pace), long_date_utc(eta))
         || contains(content(pace), long_date_utc(eta + 600))));

  rate_limit(tg);
  fits_telegram_limits(tg);
}
