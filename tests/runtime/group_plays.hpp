#pragma once
// What the Telegram group end-to-end tests share: the node's database opened
// beside it, and play counts stored as the library indexer would store them
// (telegram_groups_e2e.cpp, telegram_moderation_e2e.cpp).

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "actors/database/store.hpp"
#include "telegram_harness.hpp"

namespace lastgram::test::tg_e2e {

/// The node's SQLite database.
inline database::store open_store(const bot_node& node) {
  database_settings cfg;
  cfg.path = node.dir.file("data/db.sqlite3");
  auto db = database::store::open(cfg);
  REQUIRE(db.has_value());
  return std::move(db).value();
}

/// Stores `plays` of an entity (an album or track by `artist`) for `u`.
inline void index_plays(database::store& db, const tg_user& u, entity_kind kind,
                        const std::string& name, const std::string& artist,
                        std::int64_t plays) {
  auto user = db.get_user(platform_kind::telegram, std::to_string(u.id));
  REQUIRE(user.has_value());
  REQUIRE(user->has_value());
  auto e = db.upsert_entity(kind, name, artist);
  REQUIRE(e.has_value());
  REQUIRE(db.set_user_plays((*user)->id, *e, plays).has_value());
}

/// Stores `plays` of `artist` for `u`.
inline void index_plays(database::store& db, const tg_user& u, const std::string& artist,
                        std::int64_t plays) {
  index_plays(db, u, entity_kind::artist, artist, {}, plays);
}

} // namespace lastgram::test::tg_e2e
