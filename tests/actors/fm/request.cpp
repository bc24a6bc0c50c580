// Building Last.fm requests: encoding, signatures, cache keys and TTLs, and
// the per-method builders.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "actors/fm/request.hpp"

#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/deep_to_string.hpp"

using namespace lastgram::fm;
using namespace std::chrono_literals;

namespace {

std::string param(const param_list& params, const std::string& name) {
  auto i = std::find_if(params.begin(), params.end(),
                        [&](const auto& p) { return p.first == name; });
  return i == params.end() ? std::string{"<missing>"} : i->second;
}

template <class T>
T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(sink(x));
  T y;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE_FALSE(source(y));
  return y;
}

} // namespace

TEST_CASE("fm values survive CAF's binary round trip field by field",
          "[fm]") {
  recent_tracks r;
  r.user = "rj";
  r.total = 94618;
  track t;
  t.name = "Кино";
  t.artist = "Tame Impala";
  t.now_playing = true;
  t.played_at = 1603188238;
  t.duration = 157;
  r.tracks.push_back(t);
  CHECK(caf::deep_to_string(round_trip(r)) == caf::deep_to_string(r));
  fm_error e{fm_errc::rate_limited, 29, "Rate Limit Exceeded", 429};
  auto e2 = round_trip(e);
  CHECK(e2.code == fm_errc::rate_limited);
  CHECK(e2.lastfm_code == 29);
  CHECK(e2.message == "Rate Limit Exceeded");
  CHECK(e2.http_status == 429);
  top_list top;
  top.kind = top_kind::albums;
  top.range = period::six_month;
  top.items.push_back(top_item{1, "The Best Of", "Joy Division", 596, "u",
                               "", "i"});
  auto top2 = round_trip(top);
  CHECK(top2.kind == top_kind::albums);
  CHECK(top2.range == period::six_month);
  CHECK(caf::deep_to_string(top2) == caf::deep_to_string(top));
  similar_artists s;
  s.items.push_back(similar_artist{"Kyuss", "", "u", "", 0.442753});
  CHECK(round_trip(s).items.at(0).match == Approx(0.442753));
  CHECK(caf::deep_to_string(round_trip(write_ack{})) == "fm_write_ack()");
}

TEST_CASE("md5_hex matches the RFC 1321 test vectors", "[fm]") {
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
}

TEST_CASE("api_sig: sorted name+value pairs, secret appended, md5", "[fm]") {
  // Sorted: api_key, method, token (format is not signed). The signed string
  // is "api_keykey123methodauth.getSessiontokentok456s3cr3t", whose md5
  // (printf '%s' ... | md5sum) is e33086ee291963bb6ccdafb3ced6de2b.
  param_list params{{"method", "auth.getSession"},
                    {"token", "tok456"},
                    {"api_key", "key123"},
                    {"format", "json"}};
  CHECK(api_signature(params, "s3cr3t") == "e33086ee291963bb6ccdafb3ced6de2b");
  // `callback` is left out too.
  params.emplace_back("callback", "cb");
  CHECK(api_signature(params, "s3cr3t") == "e33086ee291963bb6ccdafb3ced6de2b");
}

TEST_CASE("wire params of a signed request carry the right api_sig", "[fm]") {
  auto wire = wire_params(auth_get_session("tok456"), "key123", "s3cr3t");
  CHECK(param(wire, "method") == "auth.getSession");
  CHECK(param(wire, "api_key") == "key123");
  CHECK(param(wire, "format") == "json");
  CHECK(param(wire, "api_sig") == "e33086ee291963bb6ccdafb3ced6de2b");
  // auth.getToken signs only api_key and method:
  // md5("api_keykey123methodauth.getTokens3cr3t").
  auto token = wire_params(auth_get_token(), "key123", "s3cr3t");
  CHECK(param(token, "api_sig") == "1a5048a392b9027303f0d22412509251");
}

TEST_CASE("track.love signs raw UTF-8 values and is a write", "[fm]") {
  auto req = track_love("Кино", "Группа крови", "SESSION");
  CHECK(req.is_write);
  CHECK(req.needs_signature);
  // Signed string (raw UTF-8, names sorted: api_key artist method sk track):
  // "api_keykey123artistКиноmethodtrack.loveskSESSIONtrackГруппа крови"
  // + "s3cr3t"; md5 computed with Python's hashlib over its UTF-8 bytes.
  auto wire = wire_params(req, "key123", "s3cr3t");
  CHECK(param(wire, "api_sig") == "8ba58baff0633ad2e386229d14dbdcf9");
  CHECK(param(wire, "sk") == "SESSION");
  CHECK(track_unlove("a", "b", "c").method == "track.unlove");
}

TEST_CASE("unsigned requests carry no api_sig", "[fm]") {
  auto wire = wire_params(user_get_info("rj"), "key123", "s3cr3t");
  CHECK(param(wire, "api_sig") == "<missing>");
  CHECK(wire.front().first == "method");
  CHECK(wire.back() == std::make_pair(std::string{"format"},
                                      std::string{"json"}));
}

TEST_CASE("percent-encoding keeps unreserved bytes and encodes UTF-8", "[fm]") {
  CHECK(percent_encode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(percent_encode("a b&c=d+e/f") == "a%20b%26c%3Dd%2Be%2Ff");
  CHECK(percent_encode("Группа крови")
        == "%D0%93%D1%80%D1%83%D0%BF%D0%BF%D0%B0%20%D0%BA%D1%80%D0%BE%D0%B2"
           "%D0%B8");
  CHECK(percent_encode("坂本") == "%E5%9D%82%E6%9C%AC");
}

TEST_CASE("encode_request builds a query string in parameter order", "[fm]") {
  auto query = encode_request(artist_get_info("Sigur Rós", "rj"), "k", "s");
  CHECK(query
        == "method=artist.getInfo&artist=Sigur%20R%C3%B3s&username=rj"
           "&autocorrect=1&api_key=k&format=json");
  CHECK(auth_url("k1", "t/2")
        == "https://www.last.fm/api/auth/?api_key=k1&token=t%2F2");
}

TEST_CASE("cache keys ignore order, credentials and user-name case", "[fm]") {
  fm_request a{"user.getTopArtists",
               {{"user", "RJ"}, {"period", "7day"}, {"limit", "10"}},
               false, false};
  fm_request b{"USER.gettopartists",
               {{"limit", "10"},
                {"api_key", "k"},
                {"period", "7day"},
                {"user", "rj"},
                {"format", "json"}},
               false, false};
  CHECK(cache_key(a) == cache_key(b));
  CHECK(cache_key(a) == "user.gettopartists?limit=10&period=7day&user=rj");
  // A different value is a different request.
  auto c = a;
  c.params[1].second = "1month";
  CHECK(cache_key(a) != cache_key(c));
  // Values are encoded, so '&' inside a value cannot fake a parameter.
  CHECK(cache_key(artist_get_info("Simon & Garfunkel"))
        == "artist.getinfo?artist=Simon%20%26%20Garfunkel&autocorrect=1");
}

TEST_CASE("cache keys never contain a session key, yet tell sessions apart",
          "[fm]") {
  auto one = cache_key(track_love("A", "T", "SESSION"));
  auto two = cache_key(track_love("A", "T", "OTHER"));
  CHECK(one.find("SESSION") == std::string::npos);
  CHECK(one.find("sk=8e32a82fa789") != std::string::npos); // md5 prefix
  CHECK(one != two);
}

TEST_CASE("cache TTLs follow how fast each answer changes", "[fm]") {
  recent_tracks_query np;
  np.user = "rj";
  CHECK(cache_ttl(user_get_recent_tracks(np)) == 3s);
  CHECK_FALSE(serves_stale(user_get_recent_tracks(np)));
  CHECK(serves_stale(user_get_top_albums("rj", period::overall)));
  CHECK(cache_ttl(user_get_top_albums("rj", period::overall)) == 10min);
  CHECK(cache_ttl(user_get_info("rj")) == 30min);
  CHECK(cache_ttl(artist_get_info("Cher")) >= 1h);
  CHECK(cache_ttl(track_get_info("Cher", "Believe")) >= 1h);
  // With a user the answer holds their growing play count.
  CHECK(cache_ttl(artist_get_info("Cher", "rj")) <= 30s);
  CHECK(cache_ttl(track_get_info("Cher", "Believe", "rj")) <= 30s);
  CHECK(cache_ttl(artist_get_info("Cher", "rj")) > 0s);
  CHECK(cache_ttl(track_love("a", "b", "c")) == 0s);
  CHECK(cache_ttl(auth_get_token()) == 0s);
  CHECK(cache_ttl(auth_get_session("t")) == 0s);
  CHECK(cache_ttl(fm_request{"user.getFriends", {}, false, false}) == 0s);
}

TEST_CASE("recent tracks builder: bounds, clamping and extended", "[fm]") {
  recent_tracks_query q;
  q.user = "rj";
  q.limit = 500;
  q.page = 0;
  q.from = 1600000000;
  q.extended = true;
  auto req = user_get_recent_tracks(q);
  CHECK(req.method == "user.getRecentTracks");
  CHECK_FALSE(req.needs_signature);
  CHECK_FALSE(req.is_write);
  CHECK(param(req.params, "limit") == "200");
  CHECK(param(req.params, "page") == "1");
  CHECK(param(req.params, "from") == "1600000000");
  CHECK(param(req.params, "to") == "<missing>");
  CHECK(param(req.params, "extended") == "1");
  q.extended = false;
  CHECK(param(user_get_recent_tracks(q).params, "extended") == "<missing>");
}

TEST_CASE("top list and info builders", "[fm]") {
  auto top = user_get_top_tracks("rj", period::three_month, 0, 3);
  CHECK(top.method == "user.getTopTracks");
  CHECK(param(top.params, "period") == "3month");
  CHECK(param(top.params, "limit") == "1");
  CHECK(param(top.params, "page") == "3");
  CHECK(user_get_top_artists("rj", period::overall).method
        == "user.getTopArtists");
  CHECK(user_get_weekly_chart_list("rj").method == "user.getWeeklyChartList");
  auto album = album_get_info("Paramore", "Paramore", "", false);
  CHECK(param(album.params, "album") == "Paramore");
  CHECK(param(album.params, "username") == "<missing>");
  CHECK(param(album.params, "autocorrect") == "0");
  auto track = track_get_info("Linkin Park", "One Step Closer", "ybsc");
  CHECK(param(track.params, "track") == "One Step Closer");
  CHECK(param(track.params, "username") == "ybsc");
  auto similar = artist_get_similar("Queens of the Stone Age", 5);
  CHECK(similar.method == "artist.getSimilar");
  CHECK(param(similar.params, "limit") == "5");
}

TEST_CASE("errc helpers: names, Last.fm codes and transience", "[fm]") {
  CHECK(to_string(fm_errc::not_found) == "not_found");
  CHECK(to_string(fm_errc::busy) == "busy");
  CHECK(from_lastfm_code(6) == fm_errc::not_found);
  CHECK(from_lastfm_code(17) == fm_errc::login_required);
  CHECK(from_lastfm_code(26) == fm_errc::suspended_key);
  CHECK(from_lastfm_code(29) == fm_errc::rate_limited);
  CHECK(from_lastfm_code(1) == fm_errc::unknown_lastfm_error);
  for (auto code : {fm_errc::http_error, fm_errc::timeout, fm_errc::network,
                    fm_errc::operation_failed, fm_errc::service_offline,
                    fm_errc::temporarily_unavailable})
    CHECK(is_transient(code));
  for (auto code : {fm_errc::not_found, fm_errc::login_required,
                    fm_errc::rate_limited, fm_errc::suspended_key,
                    fm_errc::invalid_api_key, fm_errc::malformed_response,
                    fm_errc::busy, fm_errc::cancelled})
    CHECK_FALSE(is_transient(code));
}

TEST_CASE("periods round-trip through Last.fm's spelling", "[fm]") {
  for (auto p : {period::overall, period::seven_day, period::one_month,
                 period::three_month, period::six_month,
                 period::twelve_month})
    CHECK(period_from_string(to_string(p)) == p);
  CHECK(to_string(period::seven_day) == "7day");
  CHECK(period_from_string("12MONTH") == period::twelve_month);
  CHECK_FALSE(period_from_string("7d"));
  CHECK_FALSE(period_from_string(""));
}
