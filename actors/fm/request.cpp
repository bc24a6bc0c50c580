#include "actors/fm/request.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/evp.h>

#include "actors/support/text.hpp"

namespace lastgram::fm {

namespace {

bool unsigned_param(std::string_view name) {
  return name == "format" || name == "callback";
}

bool credential_param(std::string_view name) {
  return name == "api_key" || name == "api_sig";
}

param_list sorted(param_list params) {
  // Stable: equal names keep their order, so the result is deterministic.
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) {
                     return a.first < b.first;
                   });
  return params;
}

fm_request make(std::string_view method, param_list params) {
  fm_request req;
  req.method = std::string{method};
  req.params = std::move(params);
  return req;
}

void add_if(param_list& params, std::string_view name,
            std::string_view value) {
  if (!value.empty())
    params.emplace_back(std::string{name}, std::string{value});
}

fm_request top_request(std::string_view method, std::string_view user,
                       period range, int limit, int page) {
  return make(method, {{"user", std::string{user}},
                       {"period", std::string{to_string(range)}},
                       {"limit", std::to_string(std::clamp(limit, 1, 1000))},
                       {"page", std::to_string(std::max(page, 1))}});
}

fm_request info_request(std::string_view method, param_list params,
                        std::string_view username, bool autocorrect) {
  add_if(params, "username", username);
  params.emplace_back("autocorrect", autocorrect ? "1" : "0");
  return make(method, std::move(params));
}

fm_request love_request(std::string_view method, std::string_view artist,
                        std::string_view track, std::string_view session_key) {
  auto req = make(method, {{"artist", std::string{artist}},
                           {"track", std::string{track}},
                           {"sk", std::string{session_key}}});
  req.needs_signature = true;
  req.is_write = true;
  return req;
}

} // namespace

// -- encoding -----------------------------------------------------------------

std::string percent_encode(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

std::string md5_hex(std::string_view data) {
  static constexpr char hex[] = "0123456789abcdef";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr)
      != 1)
    return {};
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0F]);
  }
  return out;
}

std::string api_signature(const param_list& params, std::string_view secret) {
  std::string plain;
  for (const auto& [name, value] : sorted(params)) {
    if (unsigned_param(name))
      continue;
    plain += name;
    plain += value;
  }
  plain += secret;
  return md5_hex(plain);
}

param_list wire_params(const fm_request& req, std::string_view api_key,
                       std::string_view api_secret) {
  param_list result;
  result.reserve(req.params.size() + 4);
  result.emplace_back("method", req.method);
  for (const auto& p : req.params)
    result.push_back(p);
  result.emplace_back("api_key", std::string{api_key});
  if (req.needs_signature)
    result.emplace_back("api_sig", api_signature(result, api_secret));
  result.emplace_back("format", "json");
  return result;
}

std::string form_encode(const param_list& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty())
      out.push_back('&');
    out += percent_encode(name);
    out.push_back('=');
    out += percent_encode(value);
  }
  return out;
}

std::string encode_request(const fm_request& req, std::string_view api_key,
                           std::string_view api_secret) {
  return form_encode(wire_params(req, api_key, api_secret));
}

std::string auth_url(std::string_view api_key, std::string_view token) {
  return "https://www.last.fm/api/auth/?"
         + form_encode({{"api_key", std::string{api_key}},
                        {"token", std::string{token}}});
}

// -- identity and caching -----------------------------------------------------

std::string cache_key(const fm_request& req) {
  param_list canonical;
  for (const auto& [name, value] : req.params) {
    if (credential_param(name) || unsigned_param(name) || name == "method")
      continue;
    if (name == "user" || name == "username")
      canonical.emplace_back(name, to_lower_ascii(value));
    else if (name == "sk")
      canonical.emplace_back(name, md5_hex(value).substr(0, 12));
    else
      canonical.emplace_back(name, value);
  }
  std::sort(canonical.begin(), canonical.end());
  return to_lower_ascii(req.method) + '?' + form_encode(canonical);
}

bool serves_stale(const fm_request& req) {
  // Now playing is never shown from an expired entry: the track may have
  // ended. Everything else may be, for half its TTL, while one call
  // refreshes it.
  return to_lower_ascii(req.method) != "user.getrecenttracks";
}

std::chrono::seconds cache_ttl(const fm_request& req) {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  if (req.is_write || req.needs_signature)
    return seconds{0};
  auto method = to_lower_ascii(req.method);
  auto has_user = std::any_of(req.params.begin(), req.params.end(),
                              [](const auto& p) {
                                return p.first == "username"
                                       || p.first == "user";
                              });
  if (method == "user.getrecenttracks")
    return seconds{3}; // now playing must be live: at most 3 s old
  if (method == "user.gettopartists" || method == "user.gettopalbums"
      || method == "user.gettoptracks")
    return minutes{10};
  if (method == "user.getweeklychartlist")
    return hours{1};
  if (method == "user.getinfo")
    return minutes{30};
  if (method == "artist.getinfo" || method == "album.getinfo"
      || method == "track.getinfo")
    // With a user the answer carries their play count, which grows while they
    // listen: at most 30 s old next to a now playing track.
    return has_user ? seconds{30} : hours{6};
  if (method == "artist.getsimilar")
    return hours{12};
  return seconds{0};
}

// -- builders -----------------------------------------------------------------

fm_request user_get_info(std::string_view user) {
  return make("user.getInfo", {{"user", std::string{user}}});
}

fm_request user_get_recent_tracks(const recent_tracks_query& query) {
  param_list params{{"user", query.user},
                    {"limit", std::to_string(std::clamp(query.limit, 1, 200))},
                    {"page", std::to_string(std::max(query.page, 1))}};
  if (query.from > 0)
    params.emplace_back("from", std::to_string(query.from));
  if (query.to > 0)
    params.emplace_back("to", std::to_string(query.to));
  if (query.extended)
    params.emplace_back("extended", "1");
  return make("user.getRecentTracks", std::move(params));
}

fm_request user_get_top_artists(std::string_view user, period range,
                                int limit, int page) {
  return top_request("user.getTopArtists", user, range, limit, page);
}

fm_request user_get_top_albums(std::string_view user, period range, int limit,
                               int page) {
  return top_request("user.getTopAlbums", user, range, limit, page);
}

fm_request user_get_top_tracks(std::string_view user, period range, int limit,
                               int page) {
  return top_request("user.getTopTracks", user, range, limit, page);
}

fm_request user_get_weekly_chart_list(std::string_view user) {
  return make("user.getWeeklyChartList", {{"user", std::string{user}}});
}

fm_request artist_get_info(std::string_view artist, std::string_view username,
                           bool autocorrect) {
  return info_request("artist.getInfo", {{"artist", std::string{artist}}},
                      username, autocorrect);
}

fm_request album_get_info(std::string_view artist, std::string_view album,
                          std::string_view username, bool autocorrect) {
  return info_request("album.getInfo",
                      {{"artist", std::string{artist}},
                       {"album", std::string{album}}},
                      username, autocorrect);
}

fm_request track_get_info(std::string_view artist, std::string_view track,
                          std::string_view username, bool autocorrect) {
  return info_request("track.getInfo",
                      {{"artist", std::string{artist}},
                       {"track", std::string{track}}},
                      username, autocorrect);
}

fm_request artist_get_similar(std::string_view artist, int limit,
                              bool autocorrect) {
  return make("artist.getSimilar",
              {{"artist", std::string{artist}},
               {"limit", std::to_string(std::clamp(limit, 1, 1000))},
               {"autocorrect", autocorrect ? "1" : "0"}});
}

fm_request artist_get_correction(std::string_view artist) {
  return make("artist.getCorrection", {{"artist", std::string{artist}}});
}

fm_request track_love(std::string_view artist, std::string_view track,
                      std::string_view session_key) {
  return love_request("track.love", artist, track, session_key);
}

fm_request track_unlove(std::string_view artist, std::string_view track,
                        std::string_view session_key) {
  return love_request("track.unlove", artist, track, session_key);
}

fm_request auth_get_token() {
  auto req = make("auth.getToken", {});
  req.needs_signature = true;
  return req;
}

fm_request auth_get_session(std::string_view token) {
  auto req = make("auth.getSession", {{"token", std::string{token}}});
  req.needs_signature = true;
  return req;
}

} // namespace lastgram::fm
