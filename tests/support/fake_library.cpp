#include "support/fake_library.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

namespace lastgram::test {

namespace {

std::string images() {
  return R"([{"size":"small","#text":""},{"size":"medium","#text":""},)"
         R"({"size":"large","#text":""},{"size":"extralarge","#text":""}])";
}

std::string music_url(const std::string& path) {
  std::string out = "https://www.last.fm/music/";
  for (char c : path)
    out += c == ' ' ? '+' : c;
  return out;
}

std::string artist_object(const std::string& name) {
  return R"({"url":)" + quoted(music_url(name)) + R"(,"name":)" + quoted(name)
         + R"(,"mbid":""})";
}

std::string artist_of(int i, int artists) {
  return "Artist " + std::to_string(artists > 0 ? (i % artists) + 1 : 1);
}

struct entry {
  std::string name;
  std::string artist;
  std::int64_t playcount = 0;
};

// The whole list of a kind, in rank order.
std::vector<entry> entries(const library_spec& spec, char kind) {
  std::vector<entry> out;
  int n = kind == 'a' ? spec.artists : kind == 'l' ? spec.albums : spec.tracks;
  for (int i = 1; i <= n; ++i) {
    entry e;
    e.playcount = library_playcount(spec.user, i, n);
    if (kind == 'a') {
      e.name = "Artist " + std::to_string(i);
    } else {
      e.name = (kind == 'l' ? "Album " : "Track ") + std::to_string(i);
      e.artist = artist_of(i, spec.artists);
    }
    out.push_back(std::move(e));
  }
  if (kind == 'a')
    for (const auto& [name, plays] : spec.extra_artists)
      out.push_back(entry{name, {}, plays});
  return out;
}

std::string page_body(const library_spec& spec, char kind, int page, int limit) {
  auto all = entries(spec, kind);
  limit = std::max(limit, 1);
  page = std::max(page, 1);
  auto total = static_cast<int>(all.size());
  auto pages = (total + limit - 1) / limit;
  std::string items;
  for (int r = (page - 1) * limit; r < std::min(total, page * limit); ++r) {
    const auto& e = all[static_cast<std::size_t>(r)];
    if (!items.empty())
      items += ',';
    std::string item = R"({"@attr":{"rank":")" + std::to_string(r + 1) + R"("},"mbid":"",)";
    if (kind == 'a') {
      item += R"("url":)" + quoted(music_url(e.name)) + R"(,"streamable":"0",)";
    } else {
      item += R"("artist":)" + artist_object(e.artist) + R"(,"url":)"
              + quoted(music_url(e.artist + "/_/" + e.name)) + ",";
      if (kind == 't')
        item += R"("duration":"200","streamable":{"fulltrack":"0","#text":"0"},)";
    }
    item += R"("playcount":")" + std::to_string(e.playcount) + R"(","image":)" + images()
            + R"(,"name":)" + quoted(e.name) + "}";
    items += item;
  }
  const char* root = kind == 'a' ? "topartists" : kind == 'l' ? "topalbums" : "toptracks";
  const char* list = kind == 'a' ? "artist" : kind == 'l' ? "album" : "track";
  return std::string{"{\""} + root + "\":{\"" + list + "\":[" + items + R"(],"@attr":{"page":")"
         + std::to_string(page) + R"(","total":")" + std::to_string(total) + R"(","user":)"
         + quoted(spec.user) + R"(,"perPage":")" + std::to_string(limit) + R"(","totalPages":")"
         + std::to_string(pages) + "\"}}}";
}

int int_param(const fake_call& call, const char* name, int fallback) {
  auto v = call.param(name);
  return v.empty() ? fallback : std::atoi(v.c_str());
}

} // namespace

std::int64_t library_playcount(const std::string& user, int rank, int n) {
  // Strictly decreasing with rank; the user's own factor (1..5) makes
  // different users rank differently for the same entity.
  auto factor = static_cast<std::int64_t>(std::hash<std::string>{}(user) % 5 + 1);
  return static_cast<std::int64_t>(n - rank + 1) * factor;
}

std::string top_artists_page(const library_spec& spec, int page, int limit) {
  return page_body(spec, 'a', page, limit);
}

std::string top_albums_page(const library_spec& spec, int page, int limit) {
  return page_body(spec, 'l', page, limit);
}

std::string top_tracks_page(const library_spec& spec, int page, int limit) {
  return page_body(spec, 't', page, limit);
}

std::string correction_body(const std::string& name) {
  if (name.empty())
    return R"({"corrections":"\n                "})";
  return R"({"corrections":{"correction":{"artist":{"name":)" + quoted(name)
         + R"(,"mbid":"","url":)" + quoted(music_url(name))
         + R"(},"@attr":{"index":"0"}}}})";
}

void fake_library_set::add(library_spec spec) {
  libs_.push_back(std::move(spec));
}

void fake_library_set::add_correction(std::string from, std::string to) {
  corrections_.emplace_back(std::move(from), std::move(to));
}

void fake_library_set::serve(fake_lastfm& fm) const {
  auto libs = std::make_shared<const std::vector<library_spec>>(libs_);
  auto find = [libs](const fake_call& call) -> const library_spec* {
    auto user = call.param("user");
    for (const auto& l : *libs) {
      if (l.user.size() != user.size())
        continue;
      if (std::equal(l.user.begin(), l.user.end(), user.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a))
                   == std::tolower(static_cast<unsigned char>(b));
          }))
        return &l;
    }
    return nullptr;
  };
  for (auto [method, kind] : {std::pair{"user.gettopartists", 'a'},
                              std::pair{"user.gettopalbums", 'l'},
                              std::pair{"user.gettoptracks", 't'}}) {
    fm.set_handler(method, [find, k = kind](const fake_call& call) {
      library_spec empty;
      empty.user = call.param("user");
      const auto* spec = find(call);
      return page_body(spec ? *spec : empty, k, int_param(call, "page", 1),
                       int_param(call, "limit", 50));
    });
  }
  fm.set_handler("user.getinfo", [find](const fake_call& call) {
    const auto* spec = find(call);
    std::int64_t played = 0;
    if (spec)
      for (const auto& x : spec->history)
        played += x.now_playing ? 0 : 1;
    auto total = std::to_string(spec && spec->scrobbles > 0 ? spec->scrobbles : played);
    auto since = std::to_string(spec ? spec->registered_at : 0);
    return R"({"user":{"name":)" + quoted(call.param("user")) + R"(,"playcount":)"
           + quoted(total) + R"(,"subscriber":"0","type":"user","realname":"","image":)"
           + images() + R"(,"registered":{"unixtime":)" + quoted(since) + R"(,"#text":)" + since
           + "}}}";
  });
  auto fixes = std::make_shared<const std::vector<std::pair<std::string, std::string>>>(
    corrections_);
  fm.set_handler("artist.getcorrection", [fixes](const fake_call& call) {
    auto lower = [](std::string x) {
      for (auto& c : x)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return x;
    };
    auto asked = lower(call.param("artist"));
    for (const auto& [from, to] : *fixes)
      if (lower(from) == asked)
        return correction_body(to);
    return correction_body({});
  });
  fm.set_handler("user.getrecenttracks", [find](const fake_call& call) {
    const auto* spec = find(call);
    return recent_tracks_body(call.param("user"), spec ? spec->history : std::vector<fake_scrobble>{},
                              call);
  });
}

} // namespace lastgram::test
