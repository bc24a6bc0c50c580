// Benchmark of the library indexer: a full index of one generated library
// (5,000 artists, albums and tracks by default) through the real fm engine
// (no rate limit) and the indexer into SQLite, against the loopback fake
// Last.fm; then `libraries` smaller libraries indexed one after another, to
// see whether memory stays flat. Prints one JSON line per phase: Last.fm
// calls by method, wall time, the process's CPU time (the fake Last.fm runs
// in this process too, so this overstates the node's own time) and RSS,
// sampled every 100 libraries in the second phase (flat means bounded).
//
//   build/bench/index_library [artists=5000] [libraries=1000] [library_artists=1000]
//
// Figures, never assertions.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "caf/all.hpp"

#include "bench/process_stats.hpp"

#include "actors/database/store.hpp"
#include "actors/fm/engine.hpp"
#include "actors/indexer/engine.hpp"
#include "actors/logging/log.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/fake_lastfm.hpp"
#include "support/fake_library.hpp"

using namespace lastgram;
using clock_type = std::chrono::steady_clock;
using bench::cpu_seconds;
using bench::rss_mb;

namespace {

test::library_spec library(const std::string& user, int artists, int albums, int tracks) {
  test::library_spec spec;
  spec.user = user;
  spec.artists = artists;
  spec.albums = albums;
  spec.tracks = tracks;
  spec.history.push_back(test::fake_scrobble{"Track 1", "Artist 1", "Album 1", 1767225000, false});
  return spec;
}

/// Registers `user` and indexes it; false when it did not finish in 10 min.
bool index_one(database::store& db, caf::scoped_actor& self, const indexer_actor& indexer,
               const std::string& user, int n) {
  auto rec = db.register_user(platform_kind::telegram, std::to_string(n), user, user);
  if (!rec)
    return false;
  self->send(indexer, index_user_atom::value, rec->id, user);
  auto deadline = clock_type::now() + std::chrono::minutes{10};
  while (clock_type::now() < deadline) {
    auto s = db.get_index_state(rec->id);
    if (s && s->status == index_status::done)
      return true;
    // Pacing the poll; the deadline decides.
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return false;
}

} // namespace

int main(int argc, char** argv) {
  int artists = argc > 1 ? std::atoi(argv[1]) : 5000;
  int libraries = argc > 2 ? std::atoi(argv[2]) : 1000;
  int library_artists = argc > 3 ? std::atoi(argv[3]) : 1000;
  log_settings quiet;
  quiet.level = log_level::error;
  log::init(quiet);

  auto dir = std::filesystem::temp_directory_path() / ("lastgram-bench-index-" + std::to_string(getpid()));
  database_settings dbs;
  dbs.path = (dir / "bench.sqlite3").string();
  auto opened = database::store::open(dbs);
  if (!opened || !opened->migrate()) {
    std::fprintf(stderr, "cannot open the database\n");
    return 1;
  }
  auto db = std::move(opened).value();

  test::fake_lastfm fake;
  test::fake_library_set libs;
  libs.add(library("big", artists, 5000, 5000));
  for (int i = 0; i < libraries; ++i)
    libs.add(library("lib" + std::to_string(i), library_artists, 200, 200));
  libs.serve(fake);

  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::lastgram>();
  add_error_categories(cfg);
  caf::actor_system sys{cfg};
  auto http = std::make_shared<net::http_client>(net::http_client::options{});
  {
    caf::scoped_actor self{sys};
    lastfm_settings ls;
    ls.api_url = fake.url();
    ls.api_key = "bench-api-key-0123";
    ls.api_secret = "bench-api-secret-0123";
    ls.rate_per_second = 0;
    auto fm = fm::spawn_engine(self.ptr(), ls, http, [] { return cache_actor{}; }, false);
    auto opts = std::make_shared<indexer::indexer_options>();
    opts->database = dbs;
    opts->settings.scan_seconds = 86400;
    opts->fm = [fm] { return fm; };
    auto indexer = indexer::spawn_engine(self.ptr(), opts);

    auto cpu0 = cpu_seconds();
    auto t0 = clock_type::now();
    bool ok = index_one(db, self, indexer, "big", 0);
    auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::printf("{\"phase\":\"full index\",\"ok\":%s,\"artists\":%d,\"albums\":5000,\"tracks\":5000,"
                "\"calls\":%d,\"artist_calls\":%d,\"album_calls\":%d,\"track_calls\":%d,"
                "\"recent_calls\":%d,\"wall_s\":%.3f,\"cpu_s\":%.3f,\"rss_mb\":%.1f}\n",
                ok ? "true" : "false", artists, fake.total_calls(), fake.calls("user.gettopartists"),
                fake.calls("user.gettopalbums"), fake.calls("user.gettoptracks"),
                fake.calls("user.getrecenttracks"), wall, cpu_seconds() - cpu0, rss_mb());

    std::string samples;
    int done = 0;
    t0 = clock_type::now();
    for (int i = 0; i < libraries; ++i) {
      if (!index_one(db, self, indexer, "lib" + std::to_string(i), i + 1)) {
        std::fprintf(stderr, "library %d did not finish\n", i);
        break;
      }
      done = i + 1;
      if (done % 100 == 0 || done == libraries)
        samples += (samples.empty() ? "" : ",") + std::string{"["} + std::to_string(done) + ","
                   + std::to_string(static_cast<int>(rss_mb() + 0.5)) + "]";
    }
    std::printf("{\"phase\":\"libraries one after another\",\"libraries\":%d,\"artists_each\":%d,"
                "\"wall_s\":%.3f,\"rss_mb_by_libraries\":[%s],\"rss_mb_end\":%.1f}\n",
                done, library_artists,
                std::chrono::duration<double>(clock_type::now() - t0).count(), samples.c_str(),
                rss_mb());
    caf::anon_send_exit(indexer, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(fm, caf::exit_reason::user_shutdown);
  }
  http->shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
