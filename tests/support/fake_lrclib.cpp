#include "support/fake_lrclib.hpp"

#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>

#include "support/test_http_server.hpp"

namespace lastgram::test {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string nullable(const std::string& s) {
  return s.empty() ? "null" : json_string(s);
}

std::string percent_decode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size()) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::string param(const std::string& query, const std::string& name) {
  std::istringstream in{query};
  std::string pair;
  while (std::getline(in, pair, '&')) {
    auto eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name)
      return percent_decode(pair.substr(eq + 1));
  }
  return {};
}

const char* not_found_body
  = R"({"code":404,"name":"TrackNotFound","message":"Failed to find specified track"})";

} // namespace

std::string lrclib_json(const fake_lrclib::record& r) {
  std::ostringstream out;
  out << "{\"id\":" << r.id << ",\"name\":" << json_string(r.track)
      << ",\"trackName\":" << json_string(r.track) << ",\"artistName\":" << json_string(r.artist)
      << ",\"albumName\":" << json_string(r.album) << ",\"duration\":" << r.duration
      << ",\"instrumental\":" << (r.instrumental ? "true" : "false")
      << ",\"plainLyrics\":" << nullable(r.plain) << ",\"syncedLyrics\":" << nullable(r.synced)
      << "}";
  return out.str();
}

struct fake_lrclib::impl {
  mutable std::mutex mtx;
  std::vector<record> records;
  std::vector<std::string> targets;
  std::unique_ptr<test_http_server> server;

  canned_response answer(const received_request& req) {
    std::lock_guard<std::mutex> guard{mtx};
    targets.push_back(req.target);
    auto q = req.target.find('?');
    auto path = req.target.substr(0, q);
    auto query = q == std::string::npos ? std::string{} : req.target.substr(q + 1);
    canned_response none{reply_action::respond, 404, not_found_body, {}, false, false, {}};
    if (path.rfind("/api/get/", 0) == 0) {
      auto id = std::atoll(path.c_str() + 9);
      for (auto& r : records)
        if (r.id == id)
          return {reply_action::respond, 200, lrclib_json(r), {}, false, false, {}};
      return none;
    }
    if (path == "/api/get")
      return get(query, none);
    if (path == "/api/search")
      return search(param(query, "q"));
    return none;
  }

  canned_response get(const std::string& query, canned_response none) {
    auto artist = lower(param(query, "artist_name"));
    auto track = lower(param(query, "track_name"));
    auto album = lower(param(query, "album_name"));
    auto duration = param(query, "duration");
    if (artist.empty() || track.empty())
      return {reply_action::respond, 400, R"({"code":400,"name":"ValidationError"})", {},
              false, false, {}};
    for (auto& r : records) {
      if (lower(r.artist) != artist || lower(r.track) != track)
        continue;
      if (!album.empty() && lower(r.album) != album)
        continue;
      if (!duration.empty() && std::fabs(std::stod(duration) - r.duration) > 2)
        continue;
      return {reply_action::respond, 200, lrclib_json(r), {}, false, false, {}};
    }
    return none;
  }

  canned_response search(const std::string& q) {
    std::string body = "[";
    for (auto& r : records) {
      auto hay = lower(r.artist + " " + r.track);
      std::istringstream words{lower(q)};
      std::string w;
      bool all = true;
      while (words >> w)
        all = all && hay.find(w) != std::string::npos;
      if (!all)
        continue;
      if (body.size() > 1)
        body += ',';
      body += lrclib_json(r);
    }
    return {reply_action::respond, 200, body + "]", {}, false, false, {}};
  }
};

fake_lrclib::fake_lrclib() : impl_(std::make_unique<impl>()) {
  auto* self = impl_.get();
  impl_->server = std::make_unique<test_http_server>(
    [self](const received_request& req) { return self->answer(req); });
}

fake_lrclib::~fake_lrclib() = default;

void fake_lrclib::add(record r) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->records.push_back(std::move(r));
}

std::string fake_lrclib::url() const {
  auto u = impl_->server->url("/");
  return u.substr(0, u.size() - 1);
}

std::vector<std::string> fake_lrclib::targets() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->targets;
}

void add_sample_lyrics(fake_lrclib& lrclib) {
  std::string long_text;
  for (int stanza = 1; stanza <= 40; ++stanza) {
    for (int line = 1; line <= 4; ++line)
      long_text += "Stanza " + std::to_string(stanza) + " line " + std::to_string(line)
                   + " of a song that goes on and on\n";
    long_text += "\n";
  }
  lrclib.add({101, "Feels Like We Only Go Backwards", "Tame Impala", "Lonerism", 193, false,
              long_text, ""});
  lrclib.add({102, "99 Problems (Explicit)", "Jay-Z", "The Black Album (Deluxe)", 234, false, "",
              "[00:01.00] If you havin' girl problems\n[00:03.50] I feel bad for you son"});
  lrclib.add({103, "Flim", "Aphex Twin", "Come to Daddy", 177, true, "", ""});
}

} // namespace lastgram::test
