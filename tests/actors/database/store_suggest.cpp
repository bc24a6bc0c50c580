// Suggestions from a user's indexed library (store::library_names), on
// SQLite and on PostgreSQL: folded prefixes, most played first, at most 25.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/database/store.hpp"
#include "actors/test_db.hpp"

using namespace lastgram;
using namespace lastgram::database;
using lastgram::test::test_db;

namespace {

void plays(store& db, std::int64_t user, entity_kind kind, const std::string& name,
           std::int64_t count, const std::string& artist = {}) {
  auto id = db.upsert_entity(kind, name, artist);
  REQUIRE(id);
  REQUIRE_OK(db.set_user_plays(user, *id, count));
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("library names match a folded prefix, most played first, at most 25",
          "[db][library][suggest]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto ana = db.register_user(platform_kind::discord, "11", "anafm", "Ana").value();
  auto bob = db.register_user(platform_kind::discord, "22", "bobfm", "Bob").value();
  plays(db, ana.id, entity_kind::artist, "The Weeknd", 70);
  plays(db, ana.id, entity_kind::artist, "The Beatles", 90);
  plays(db, ana.id, entity_kind::artist, "Daft Punk", 300);
  plays(db, ana.id, entity_kind::artist, "Sigur Rós", 12);
  plays(db, ana.id, entity_kind::artist, "100% Wolf", 3);
  for (int i = 0; i < 30; ++i)
    plays(db, ana.id, entity_kind::artist, "Zed " + std::to_string(i), 1000 - i);
  plays(db, ana.id, entity_kind::album, "Discovery", 50, "Daft Punk");
  plays(db, ana.id, entity_kind::album, "After Hours", 20, "The Weeknd");
  plays(db, bob.id, entity_kind::artist, "The Who", 500);

  auto get = [&](entity_kind kind, const std::string& prefix, const std::string& who = "11") {
    auto r = db.library_names(platform_kind::discord, who, kind, prefix);
    REQUIRE_OK(r);
    return *r;
  };
  // Case and spacing do not matter; another user's library is not shown.
  CHECK(get(entity_kind::artist, "THE  ") == names{"The Beatles", "The Weeknd"});
  CHECK(get(entity_kind::artist, "the w") == names{"The Weeknd"});
  // Prefixes count characters, not bytes (ó is two bytes).
  CHECK(get(entity_kind::artist, "SIGUR RÓ") == names{"Sigur Rós"});
  // No wildcards: % is a character like any other.
  CHECK(get(entity_kind::artist, "%") == names{});
  CHECK(get(entity_kind::artist, "100%") == names{"100% Wolf"});
  // At most 25, the most played first.
  auto zeds = get(entity_kind::artist, "zed");
  REQUIRE(zeds.size() == 25);
  CHECK(zeds.front() == "Zed 0");
  CHECK(zeds.back() == "Zed 24");
  auto top = get(entity_kind::artist, "");
  REQUIRE(top.size() == 25);
  CHECK(top.front() == "Zed 0");
  // Albums as the commands take them, found by album, artist or both.
  CHECK(get(entity_kind::album, "disc") == names{"Daft Punk - Discovery"});
  CHECK(get(entity_kind::album, "daft") == names{"Daft Punk - Discovery"});
  CHECK(get(entity_kind::album, "Daft Punk - D") == names{"Daft Punk - Discovery"});
  CHECK(get(entity_kind::album, "") == names{"Daft Punk - Discovery", "The Weeknd - After Hours"});
  CHECK(get(entity_kind::track, "") == names{});
  // Nobody by that id: nothing, not an error.
  CHECK(get(entity_kind::artist, "", "99") == names{});
  CHECK(get(entity_kind::artist, "", "22") == names{"The Who"});
}
