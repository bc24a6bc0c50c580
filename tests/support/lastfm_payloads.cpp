#include "support/lastfm_payloads.hpp"
#include "support/build_paths.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iterator>

namespace lastgram::test {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string text_object(const std::string& text) {
  return "{\"mbid\":\"\",\"#text\":" + quoted(text) + "}";
}

std::string track_json(const fake_scrobble& s) {
  std::string out = "{\"artist\":" + text_object(s.artist) + ",\"streamable\":\"0\","
                    "\"image\":[{\"size\":\"small\",\"#text\":\"\"}],\"mbid\":\"\","
                    "\"album\":" + text_object(s.album) + ",\"name\":" + quoted(s.name) + ",";
  if (s.now_playing) {
    out += "\"@attr\":{\"nowplaying\":\"true\"},";
  } else {
    std::time_t t = static_cast<std::time_t>(s.played_at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%d %b %Y, %H:%M", &tm);
    out += "\"date\":{\"uts\":" + quoted(std::to_string(s.played_at)) + ",\"#text\":"
           + quoted(buf) + "},";
  }
  return out + "\"url\":\"https://www.last.fm/music/x\"}";
}

std::int64_t number(const fake_call& call, const char* name, std::int64_t fallback) {
  auto v = call.param(name);
  return v.empty() ? fallback : std::stoll(v);
}

} // namespace

std::string recent_tracks_body(const std::string& user, const std::vector<fake_scrobble>& history,
                               const fake_call& call) {
  auto page = std::max<std::int64_t>(1, number(call, "page", 1));
  auto limit = std::clamp<std::int64_t>(number(call, "limit", 50), 1, 1000);
  auto from = number(call, "from", 0);
  auto to = number(call, "to", 0);
  const fake_scrobble* playing = nullptr;
  std::vector<const fake_scrobble*> kept;
  for (const auto& s : history) {
    if (s.now_playing) {
      playing = &s;
      continue;
    }
    if ((from == 0 || s.played_at >= from) && (to == 0 || s.played_at <= to))
      kept.push_back(&s);
  }
  auto total = static_cast<std::int64_t>(kept.size());
  auto pages = (total + limit - 1) / limit;
  std::string tracks;
  auto add = [&](const fake_scrobble& s) {
    tracks += (tracks.empty() ? "" : ",") + track_json(s);
  };
  if (playing != nullptr && from == 0 && to == 0)
    add(*playing);
  for (auto i = (page - 1) * limit; i < std::min(total, page * limit); ++i)
    add(*kept[static_cast<std::size_t>(i)]);
  return "{\"recenttracks\":{\"track\":[" + tracks + "],\"@attr\":{\"user\":" + quoted(user)
         + ",\"totalPages\":" + quoted(std::to_string(pages)) + ",\"page\":"
         + quoted(std::to_string(page)) + ",\"perPage\":" + quoted(std::to_string(limit))
         + ",\"total\":" + quoted(std::to_string(total)) + "}}}";
}

std::vector<fake_scrobble> made_up_history() {
  std::vector<fake_scrobble> h;
  h.push_back({"Now Song", "Live Band", "Live Album", 0, true});
  for (int i = 0; i < 25; ++i)
    h.push_back({"Song " + std::to_string(i + 1), "Artist " + std::to_string(i % 3), "Album",
                 history_start - 180 * i, false});
  return h;
}

std::vector<fake_scrobble> peak_history(std::int64_t day) {
  std::vector<fake_scrobble> history;
  for (int i = 3; i >= 0; --i)
    history.push_back({i < 3 ? "Night" : "Late", "Band B", "Two", day + 20 * 3600 + i * 60, false});
  for (int i = 2; i >= 0; --i)
    history.push_back({"Day", "Band A", "One", day + 10 * 3600 + i * 60, false});
  return history;
}

std::vector<fake_scrobble> streak_history() {
  std::vector<fake_scrobble> history{{"Song A", "Artist X", "Album Q", 0, true}};
  std::int64_t t = history_start;
  for (int i = 0; i < 3; ++i)
    history.push_back({"Song A", "Artist X", "Album Q", t -= 200, false});
  for (int i = 0; i < 2; ++i)
    history.push_back({"Song B", "Artist X", "Album Q", t -= 200, false});
  history.push_back({"Song C", "Artist X", "Other", t -= 200, false});
  history.push_back({"Song D", "Artist Y", "Album Q", t -= 200, false});
  return history;
}

std::vector<fake_scrobble> pace_history(std::int64_t now) {
  std::vector<fake_scrobble> history;
  for (int i = 0; i < 300; ++i)
    history.push_back({"Song", "Band", "Album", now - 3600 - i * 7200, false});
  return history;
}

std::string user_info_body(const std::string& name) {
  std::ifstream file{std::string{LASTGRAM_FIXTURES_DIR} + "/lastfm/user-getinfo.json"};
  std::string info{std::istreambuf_iterator<char>{file}, {}};
  const std::string fixture_name = "TyphoonsNotABot";
  for (auto at = info.find(fixture_name); at != std::string::npos;
       at = info.find(fixture_name, at + name.size()))
    info.replace(at, fixture_name.size(), name);
  return info;
}

namespace {

/// The fixture `name` (an *.getInfo with username) with the user's play
/// count set to `userplaycount`.
std::string with_userplaycount(const std::string& name, std::int64_t userplaycount) {
  std::ifstream file{std::string{LASTGRAM_FIXTURES_DIR} + "/lastfm/" + name};
  std::string info{std::istreambuf_iterator<char>{file}, {}};
  const std::string field = "\"userplaycount\"";
  auto at = info.find(field);
  if (at == std::string::npos)
    return info;
  auto open = info.find('"', at + field.size());
  auto close = info.find('"', open + 1);
  info.replace(open + 1, close - open - 1, std::to_string(userplaycount));
  return info;
}

} // namespace

std::string artist_info_body(std::int64_t userplaycount) {
  return with_userplaycount("artist-getinfo-with-username.json", userplaycount);
}

std::string album_info_body(std::int64_t userplaycount) {
  return with_userplaycount("album-getinfo-with-username.json", userplaycount);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string long_date_utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%A, %B %d, %Y", &tm);
  std::string out = buf;
  // ICU writes the day without a leading zero.
  auto comma = out.find(", ");
  auto zero = out.find(" 0", comma + 2);
  if (zero != std::string::npos && zero < out.rfind(','))
    out.erase(zero + 1, 1);
  return out;
}

} // namespace lastgram::test
