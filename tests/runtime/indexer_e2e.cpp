// The indexer in the lastgram binary: a node killed with kill -9 in the
// middle of a library, and started again on the same database, resumes
// from the page it stored last and completes the library with the right
// totals. The fake Last.fm answers each top-artists page slowly, so the kill
// lands mid-library; the test watches index_state, it never sleeps.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/build_paths.hpp"
#include "actors/database/store.hpp"
#include "support/eventually.hpp"
#include "support/fake_lastfm.hpp"
#include "support/fake_library.hpp"
#include "support/process.hpp"

using namespace lastgram;
using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> indexing_node_args(const temp_dir& dir, const std::string& api_url) {
  return {LASTGRAM_BINARY, "run",
          "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
          "--set", "server.address=127.0.0.1",
          "--set", "server.port=" + std::to_string(free_port()),
          "--set", "node.data-dir=" + dir.file("data"),
          "--set", "database.path=" + dir.file("data/db.sqlite3"),
          "--set", "lastfm.api-url=" + api_url,
          "--set", "lastfm.rate-per-second=0",
          "--set", "indexer.page-size=200",
          "--set", "indexer.album-depth=300",
          "--set", "indexer.track-depth=300",
          "--set", "indexer.scan-seconds=1"};
}

const std::vector<std::string> lastfm_env{
  "LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
  "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"};

/// The pages of user.getTopArtists asked from call `from` on.
std::vector<int> artist_pages(const fake_lastfm& fake, std::size_t from) {
  std::vector<int> out;
  auto calls = fake.received();
  for (auto i = from; i < calls.size(); ++i)
    if (calls[i].method == "user.gettopartists")
      out.push_back(std::stoi(calls[i].param("page")));
  return out;
}

} // namespace

TEST_CASE("a node killed with kill -9 mid-library resumes from the stored page",
          "[e2e][indexer]") {
  fake_lastfm fake;
  fake_library_set libraries;
  library_spec spec;
  spec.user = "resumer";
  spec.artists = 2000; // 10 pages of 200
  spec.albums = 450;   // depth 300: 2 pages
  spec.tracks = 100;
  spec.scrobbles = 123456;
  spec.registered_at = 1300000000;
  libraries.add(spec);
  libraries.serve(fake);
  fake.fail_method("user.getTopArtists", fake_fault::slow(300ms));

  temp_dir dir;
  database_settings cfg;
  cfg.path = dir.file("data/db.sqlite3");
  std::filesystem::create_directories(dir.file("data"));
  auto db = database::store::open(cfg);
  REQUIRE(db);
  REQUIRE(db->migrate());
  auto user = db->register_user(platform_kind::telegram, "42", "resumer", "Resumer");
  REQUIRE(user);
  auto id = user->id;
  auto state = [&] {
    auto s = db->get_index_state(id);
    REQUIRE(s);
    return *s;
  };

  std::int32_t stored = 0;
  std::size_t calls_before = 0;
  {
    child_process node{indexing_node_args(dir, fake.url()), lastfm_env};
    // Killed once some artist pages are stored and more are to come.
    REQUIRE(eventually(
      [&] {
        auto s = state();
        return s.status == index_status::running && s.kind == entity_kind::artist && s.page >= 3;
      },
      60s, 20ms));
    node.signal(SIGKILL);
    CHECK(node.wait(10s) == 128 + SIGKILL);
    auto s = state();
    REQUIRE(s.status == index_status::running);
    REQUIRE(s.kind == entity_kind::artist);
    REQUIRE(s.page < 10);
    stored = s.page;
    calls_before = fake.received().size();
  }
  INFO("stored artist page at the kill: " << stored);
  CHECK(db->count_user_plays(id, entity_kind::artist).value() == 0); // nothing switched in

  child_process again{indexing_node_args(dir, fake.url()), lastfm_env};
  bool finished = eventually([&] { return state().status == index_status::done; }, 60s, 50ms);
  INFO("restarted node's log:\n" << again.err());
  REQUIRE(finished);
  // The second node went on after the stored page, never from page 1.
  auto pages = artist_pages(fake, calls_before);
  REQUIRE_FALSE(pages.empty());
  CHECK(pages.front() == stored + 1);
  CHECK(pages.back() == 10);
  CHECK(static_cast<std::int32_t>(pages.size()) == 10 - stored);
  CHECK(db->count_user_plays(id, entity_kind::artist).value() == 2000);
  CHECK(db->count_user_plays(id, entity_kind::album).value() == 300);
  CHECK(db->count_user_plays(id, entity_kind::track).value() == 100);
  auto s = state();
  CHECK(s.scrobbles == 123456);
  CHECK(s.artists_total == 2000);
  // A play count from a page stored before the kill and one after it.
  for (int rank : {1, 2000}) {
    auto e = db->upsert_entity(entity_kind::artist, "Artist " + std::to_string(rank));
    REQUIRE(e);
    auto who = db->global_who_knows(*e, 10);
    REQUIRE(who);
    REQUIRE(who->rows.size() == 1);
    CHECK(who->rows[0].playcount == library_playcount("resumer", rank, 2000));
  }
  again.signal(SIGTERM);
  CHECK(again.wait(30s) == 0);
}
