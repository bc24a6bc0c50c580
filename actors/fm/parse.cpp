#include "actors/fm/parse.hpp"

#include <charconv>
#include <cstdint>
#include <cmath>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "actors/fm/parse_text.hpp"

namespace lastgram::fm {

namespace {

using json = rapidjson::Value;

fm_error malformed(std::string what) {
  return fm_error{fm_errc::malformed_response, 0, std::move(what), 0};
}

const json* member(const json* v, const char* name) {
  if (v == nullptr || !v->IsObject())
    return nullptr;
  auto it = v->FindMember(name);
  return it == v->MemberEnd() ? nullptr : &it->value;
}

template <class... Names>
const json* member(const json* v, const char* first, Names... rest) {
  auto* next = member(v, first);
  if constexpr (sizeof...(rest) == 0)
    return next;
  else
    return member(next, rest...);
}

std::string_view raw_string(const json* v) {
  if (v == nullptr || !v->IsString())
    return {};
  return {v->GetString(), v->GetStringLength()};
}

// The textual value of a member that Last.fm sends as a plain string, as a
// number, or as an object carrying `name` or `#text`.
std::string raw_text(const json* v) {
  if (v == nullptr)
    return {};
  if (v->IsString())
    return std::string{raw_string(v)};
  if (v->IsInt64())
    return std::to_string(v->GetInt64());
  if (v->IsUint64())
    return std::to_string(v->GetUint64());
  if (v->IsObject()) {
    if (auto* name = member(v, "name"); name != nullptr && name->IsString())
      return std::string{raw_string(name)};
    return raw_text(member(v, "#text"));
  }
  return {};
}

// Like raw_text, with HTML entities decoded: for names shown to people.
std::string text(const json* v) {
  return decode_entities(raw_text(v));
}

std::int64_t to_int(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  std::int64_t result = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), result);
  // "12.0" counts as 12; garbage or overflow counts as unknown (0).
  return ec == std::errc{} ? result : 0;
}

// A count or timestamp that Last.fm sends as a number or as a string.
std::int64_t num(const json* v) {
  if (v == nullptr)
    return 0;
  if (v->IsInt64())
    return v->GetInt64();
  if (v->IsUint64())
    return INT64_MAX; // beyond int64: clamp rather than wrap
  if (v->IsDouble()) {
    auto d = v->GetDouble();
    // Converting a non-finite or huge double is UB: treat it as unknown.
    return std::isfinite(d) && std::fabs(d) < 9.0e18 ? std::llround(d) : 0;
  }
  if (v->IsString())
    return to_int(raw_string(v));
  if (v->IsBool())
    return v->GetBool() ? 1 : 0;
  if (v->IsObject())
    return num(member(v, "#text"));
  return 0;
}

double real(const json* v) {
  if (v == nullptr)
    return 0;
  if (v->IsNumber())
    return v->GetDouble();
  if (v->IsString()) {
    auto s = raw_string(v);
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    return ec == std::errc{} && std::isfinite(d) ? d : 0;
  }
  return 0;
}

// "1", "true", 1 or true.
bool flag(const json* v) {
  if (v == nullptr)
    return false;
  if (v->IsBool())
    return v->GetBool();
  if (v->IsString()) {
    auto s = raw_string(v);
    return s == "1" || s == "true";
  }
  return num(v) != 0;
}

// Calls f for each element of a list that Last.fm sends as an array, or as a
// single object when the list has one element.
template <class F>
void each(const json* v, F&& f) {
  if (v == nullptr)
    return;
  if (v->IsArray()) {
    for (const auto& x : v->GetArray())
      if (x.IsObject())
        f(x);
  } else if (v->IsObject()) {
    f(*v);
  }
}

int size_rank(std::string_view size) {
  constexpr std::string_view sizes[] = {"small", "medium", "large",
                                        "extralarge", "mega"};
  for (int i = 0; i < 5; ++i)
    if (sizes[i] == size)
      return i + 1;
  return 0; // "" or unknown: Last.fm repeats a known size under ""
}

// The largest non-empty, non-placeholder URL of an `image` list.
std::string best_image(const json* images) {
  if (images != nullptr && images->IsString()) {
    auto url = raw_string(images);
    return is_placeholder_image(url) ? std::string{} : std::string{url};
  }
  std::string_view best;
  int best_rank = -1;
  each(images, [&](const json& img) {
    auto url = raw_string(member(&img, "#text"));
    if (url.empty() || is_placeholder_image(url))
      return;
    auto rank = size_rank(raw_string(member(&img, "size")));
    if (rank >= best_rank) {
      best = url;
      best_rank = rank;
    }
  });
  return std::string{best};
}

std::vector<std::string> tag_names(const json* tags) {
  std::vector<std::string> result;
  each(member(tags, "tag"), [&](const json& tag) {
    if (auto name = text(member(&tag, "name")); !name.empty())
      result.push_back(std::move(name));
  });
  return result;
}

std::optional<fm_error> error_member(const json& root) {
  auto* code = member(&root, "error");
  if (code == nullptr)
    return std::nullopt;
  auto n = num(code);
  if (n <= 0 || n > 1000)
    return malformed("unrecognised error body");
  auto ln = static_cast<int>(n);
  return fm_error{from_lastfm_code(ln), ln,
                  decode_entities(raw_string(member(&root, "message"))), 0};
}

// Parses `body` into `doc` and checks that it is an object and not a Last.fm
// error.
std::optional<fm_error> load(rapidjson::Document& doc, std::string_view body) {
  // Iterative parsing: a deeply nested body must not blow the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError())
    return malformed(std::string{"invalid JSON at offset "}
                     + std::to_string(doc.GetErrorOffset()) + ": "
                     + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return malformed("body is not a JSON object");
  return error_member(doc);
}

// Loads `body` and hands f the object under `root_name`.
template <class T, class F>
parse_result<T> with_root(std::string_view body, const char* root_name,
                          F&& f) {
  rapidjson::Document doc;
  if (auto err = load(doc, body))
    return std::move(*err);
  auto* root = member(&doc, root_name);
  if (root == nullptr || !root->IsObject())
    return malformed(std::string{"missing object '"} + root_name + "'");
  T result;
  f(*root, result);
  return result;
}

track recent_track(const json& x) {
  track t;
  t.name = text(member(&x, "name"));
  t.artist = text(member(&x, "artist"));
  t.album = text(member(&x, "album"));
  t.url = raw_text(member(&x, "url"));
  t.mbid = raw_text(member(&x, "mbid"));
  t.image = best_image(member(&x, "image"));
  t.now_playing = flag(member(&x, "@attr", "nowplaying"));
  t.loved = flag(member(&x, "loved"));
  t.played_at = t.now_playing ? 0 : num(member(&x, "date", "uts"));
  t.duration = num(member(&x, "duration"));
  return t;
}

parse_result<top_list> parse_top(std::string_view body, period range,
                                 top_kind kind, const char* root_name,
                                 const char* item_name) {
  return with_root<top_list>(body, root_name, [&](const json& root,
                                                  top_list& out) {
    out.kind = kind;
    out.range = range;
    auto* attr = member(&root, "@attr");
    out.user = text(member(attr, "user"));
    out.page = num(member(attr, "page"));
    out.total = num(member(attr, "total"));
    out.total_pages = num(member(attr, "totalPages"));
    each(member(&root, item_name), [&](const json& x) {
      top_item item;
      item.rank = num(member(&x, "@attr", "rank"));
      if (item.rank == 0) // missing: the list is in rank order
        item.rank = static_cast<std::int64_t>(out.items.size()) + 1;
      item.name = text(member(&x, "name"));
      if (kind != top_kind::artists)
        item.artist = text(member(&x, "artist"));
      item.playcount = num(member(&x, "playcount"));
      item.url = raw_text(member(&x, "url"));
      item.mbid = raw_text(member(&x, "mbid"));
      item.image = best_image(member(&x, "image"));
      out.items.push_back(std::move(item));
    });
  });
}

} // namespace

std::optional<fm_error> lastfm_error_in(std::string_view body) {
  // Every Last.fm error payload has an "error" member. A body without that
  // text holds none, and is parsed once, by its method's parser, not here
  // first as well (a recent tracks page is a few kilobytes).
  if (body.find("\"error\"") == std::string_view::npos)
    return std::nullopt;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::nullopt;
  auto err = error_member(doc);
  if (err && err->code == fm_errc::malformed_response)
    return std::nullopt;
  return err;
}

std::optional<fm_error> check_response(int http_status,
                                       std::string_view body) {
  if (auto err = lastfm_error_in(body)) {
    err->http_status = http_status;
    return err;
  }
  if (http_status >= 200 && http_status < 300)
    return std::nullopt;
  auto what = "HTTP " + std::to_string(http_status);
  if (http_status == 429)
    return fm_error{fm_errc::rate_limited, 0, std::move(what), http_status};
  return fm_error{fm_errc::http_error, 0, std::move(what), http_status};
}

parse_result<user_info> parse_user_info(std::string_view body) {
  return with_root<user_info>(body, "user", [](const json& x, user_info& u) {
    u.name = text(member(&x, "name"));
    u.realname = text(member(&x, "realname"));
    u.url = raw_text(member(&x, "url"));
    u.country = text(member(&x, "country"));
    if (u.country == "None") // Last.fm's spelling of "not set"
      u.country.clear();
    u.image = best_image(member(&x, "image"));
    u.playcount = num(member(&x, "playcount"));
    u.artist_count = num(member(&x, "artist_count"));
    u.album_count = num(member(&x, "album_count"));
    u.track_count = num(member(&x, "track_count"));
    auto* registered = member(&x, "registered");
    u.registered = registered != nullptr && registered->IsObject()
                     ? num(member(registered, "unixtime"))
                     : num(registered);
    if (u.registered == 0)
      u.registered = num(member(registered, "#text"));
    u.subscriber = flag(member(&x, "subscriber"));
  });
}

parse_result<recent_tracks> parse_recent_tracks(std::string_view body) {
  return with_root<recent_tracks>(
    body, "recenttracks", [](const json& root, recent_tracks& out) {
      auto* attr = member(&root, "@attr");
      out.user = text(member(attr, "user"));
      out.total = num(member(attr, "total"));
      out.page = num(member(attr, "page"));
      out.per_page = num(member(attr, "perPage"));
      out.total_pages = num(member(attr, "totalPages"));
      each(member(&root, "track"),
           [&](const json& x) { out.tracks.push_back(recent_track(x)); });
    });
}

parse_result<top_list> parse_top_artists(std::string_view body,
                                         period range) {
  return parse_top(body, range, top_kind::artists, "topartists", "artist");
}

parse_result<top_list> parse_top_albums(std::string_view body, period range) {
  return parse_top(body, range, top_kind::albums, "topalbums", "album");
}

parse_result<top_list> parse_top_tracks(std::string_view body, period range) {
  return parse_top(body, range, top_kind::tracks, "toptracks", "track");
}

parse_result<artist_info> parse_artist_info(std::string_view body) {
  return with_root<artist_info>(body, "artist", [](const json& x,
                                                   artist_info& a) {
    a.name = text(member(&x, "name"));
    a.mbid = raw_text(member(&x, "mbid"));
    a.url = raw_text(member(&x, "url"));
    a.image = best_image(member(&x, "image"));
    auto* stats = member(&x, "stats");
    a.listeners = num(member(stats, "listeners"));
    a.playcount = num(member(stats, "playcount"));
    a.user_playcount = num(member(stats, "userplaycount"));
    a.tags = tag_names(member(&x, "tags"));
    a.bio = html_to_text(raw_string(member(&x, "bio", "summary")));
    each(member(&x, "similar", "artist"), [&](const json& s) {
      if (auto name = text(member(&s, "name")); !name.empty())
        a.similar.push_back(std::move(name));
    });
  });
}

parse_result<album_info> parse_album_info(std::string_view body) {
  return with_root<album_info>(body, "album", [](const json& x,
                                                 album_info& a) {
    a.name = text(member(&x, "name"));
    a.artist = text(member(&x, "artist"));
    a.mbid = raw_text(member(&x, "mbid"));
    a.url = raw_text(member(&x, "url"));
    a.image = best_image(member(&x, "image"));
    a.listeners = num(member(&x, "listeners"));
    a.playcount = num(member(&x, "playcount"));
    a.user_playcount = num(member(&x, "userplaycount"));
    a.tags = tag_names(member(&x, "tags"));
    each(member(&x, "tracks", "track"), [&](const json& t) {
      ++a.track_count;
      a.duration += num(member(&t, "duration"));
    });
    a.summary = html_to_text(raw_string(member(&x, "wiki", "summary")));
  });
}

parse_result<track_info> parse_track_info(std::string_view body) {
  return with_root<track_info>(body, "track", [](const json& x,
                                                 track_info& t) {
    t.name = text(member(&x, "name"));
    t.artist = text(member(&x, "artist"));
    t.mbid = raw_text(member(&x, "mbid"));
    t.url = raw_text(member(&x, "url"));
    if (auto* album = member(&x, "album"); album != nullptr) {
      // Here the album's name is `title`, not `name` or `#text`.
      auto* title = member(album, "title");
      t.album = title != nullptr ? text(title) : text(album);
      t.image = best_image(member(album, "image"));
    }
    t.listeners = num(member(&x, "listeners"));
    t.playcount = num(member(&x, "playcount"));
    t.user_playcount = num(member(&x, "userplaycount"));
    t.user_loved = flag(member(&x, "userloved"));
    t.tags = tag_names(member(&x, "toptags"));
    // track.getInfo reports milliseconds, unlike every other method.
    t.duration = num(member(&x, "duration")) / 1000;
    t.summary = html_to_text(raw_string(member(&x, "wiki", "summary")));
  });
}

parse_result<similar_artists> parse_similar_artists(std::string_view body) {
  return with_root<similar_artists>(
    body, "similarartists", [](const json& root, similar_artists& out) {
      out.artist = text(member(&root, "@attr", "artist"));
      each(member(&root, "artist"), [&](const json& x) {
        similar_artist s;
        s.name = text(member(&x, "name"));
        s.mbid = raw_text(member(&x, "mbid"));
        s.url = raw_text(member(&x, "url"));
        s.image = best_image(member(&x, "image"));
        s.match = real(member(&x, "match"));
        out.items.push_back(std::move(s));
      });
    });
}

parse_result<artist_correction> parse_artist_correction(std::string_view body) {
  rapidjson::Document doc;
  if (auto err = load(doc, body))
    return std::move(*err);
  // {"corrections": {"correction": {"artist": {...}, "@attr": {...}}}} when
  // Last.fm corrects the name; "corrections" is "\n" or an empty object
  // when it does not. Several corrections come as an array: the first wins.
  artist_correction out;
  auto* c = member(&doc, "corrections", "correction");
  if (c != nullptr && c->IsArray())
    c = c->Empty() ? nullptr : &(*c)[0];
  auto* a = member(c, "artist");
  out.name = text(member(a, "name"));
  out.mbid = raw_text(member(a, "mbid"));
  out.url = raw_text(member(a, "url"));
  return out;
}

parse_result<auth_token> parse_auth_token(std::string_view body) {
  rapidjson::Document doc;
  if (auto err = load(doc, body))
    return std::move(*err);
  auto token = raw_text(member(&doc, "token"));
  if (token.empty())
    return malformed("missing 'token'");
  return auth_token{std::move(token)};
}

parse_result<auth_session> parse_auth_session(std::string_view body) {
  rapidjson::Document doc;
  if (auto err = load(doc, body))
    return std::move(*err);
  auto* session = member(&doc, "session");
  auth_session result;
  result.name = raw_text(member(session, "name"));
  result.key = raw_text(member(session, "key"));
  result.subscriber = flag(member(session, "subscriber"));
  if (result.name.empty() || result.key.empty())
    return malformed("missing 'session' name or key");
  return result;
}

parse_result<weekly_chart_list>
parse_weekly_chart_list(std::string_view body) {
  return with_root<weekly_chart_list>(
    body, "weeklychartlist", [](const json& root, weekly_chart_list& out) {
      out.user = text(member(&root, "@attr", "user"));
      each(member(&root, "chart"), [&](const json& x) {
        out.charts.push_back(
          chart_range{num(member(&x, "from")), num(member(&x, "to"))});
      });
    });
}

parse_result<write_ack> parse_write_ack(std::string_view body) {
  auto blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank)
    return write_ack{};
  rapidjson::Document doc;
  if (auto err = load(doc, body))
    return std::move(*err);
  return write_ack{};
}

} // namespace lastgram::fm
