#pragma once

// One empty database for one test, shared by the store and engine tests: a
// temp SQLite file (in a directory the store must create) or a fresh
// PostgreSQL schema used through search_path. PostgreSQL comes from
// LASTGRAM_TEST_PG_URL_OVERRIDE if set (running by hand), else from the
// LASTGRAM_TEST_PG_URL compile definition (ctest).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <unistd.h>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "actors/database/store.hpp"
#include "actors/logging/metrics.hpp"

namespace soci {
// The PostgreSQL backend's C entry point (its header needs libpq-fe.h, which
// is not on the include path).
extern "C" backend_factory const* factory_postgresql();
} // namespace soci

/// Runs a behavioural test case once per backend.
#define ANY_BACKEND GENERATE(lastgram::database::backend_kind::sqlite,                            \
                             lastgram::database::backend_kind::postgresql)

/// Requires a store result to hold a value, printing the error otherwise.
#define REQUIRE_OK(expr)                                                                    \
  do {                                                                                      \
    auto&& require_ok_res = (expr);                                                         \
    INFO(#expr << " -> "                                                                    \
               << (require_ok_res ? std::string{"ok"} : require_ok_res.error().message));   \
    REQUIRE(require_ok_res.has_value());                                                    \
  } while (false)

namespace lastgram::test {

using database::backend_kind;
using database::store;

inline std::string pg_url() {
  if (auto env = std::getenv("LASTGRAM_TEST_PG_URL_OVERRIDE"); env && *env)
    return env;
  return LASTGRAM_TEST_PG_URL;
}

inline std::string unique_suffix() {
  static int counter = 0;
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_"
         + std::to_string(rd() % 100000);
}

inline std::string with_param(std::string url, const std::string& param) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  return url + param;
}

/// One empty database for one test: a temp SQLite file (in a directory the
/// store must create) or a new PostgreSQL schema used through search_path.
class test_db {
public:
  explicit test_db(backend_kind backend) : backend_(backend) {
    name_ = "lgtest_" + unique_suffix();
    if (backend_ == backend_kind::sqlite) {
      dir_ = std::filesystem::temp_directory_path() / name_;
      return;
    }
    admin() << "CREATE SCHEMA " + name_;
  }

  test_db(const test_db&) = delete;
  test_db& operator=(const test_db&) = delete;

  ~test_db() {
    if (backend_ == backend_kind::sqlite) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      return;
    }
    try {
      admin() << "DROP SCHEMA " + name_ + " CASCADE";
    } catch (...) {
      // Leave it; the throwaway cluster is deleted with the fixture.
    }
  }

  database_settings settings(std::int64_t timeout_ms = 5000) const {
    database_settings cfg;
    cfg.statement_timeout_ms = timeout_ms;
    if (backend_ == backend_kind::sqlite) {
      cfg.path = (dir_ / "nested" / "lastgram.sqlite3").string();
    } else {
      // application_name lets a test find (and kill) this store's connection.
      cfg.url = with_param(with_param(pg_url(), "options=-csearch_path%3D" + name_),
                           "application_name=" + name_);
    }
    return cfg;
  }

  /// settings() with a pool of `pool_size` workers, for the engine.
  database_settings pool_settings(std::int64_t pool_size,
                                  std::int64_t timeout_ms = 5000) const {
    auto cfg = settings(timeout_ms);
    cfg.pool_size = pool_size;
    return cfg;
  }

  /// A migrated store.
  store open(std::int64_t timeout_ms = 5000) {
    auto db = store::open(settings(timeout_ms));
    INFO((db ? "" : db.error().message));
    REQUIRE(db);
    auto applied = db->migrate();
    INFO((applied ? "" : applied.error().message));
    REQUIRE(applied);
    return std::move(db).value();
  }

  /// A raw SOCI session on the same database, for what the store's API does
  /// not offer (holding locks, killing connections).
  soci::session& admin() {
    if (!admin_) {
      admin_ = std::make_unique<soci::session>();
      if (backend_ == backend_kind::sqlite) {
        admin_->open(soci::sqlite3, settings().path);
      } else {
        // SOCI 4.0 re-tokenizes connect strings as key=value pairs; a URI
        // needs at least one query parameter to survive that.
        admin_->open(*soci::factory_postgresql(),
                     with_param(pg_url(), "connect_timeout=5"));
        *admin_ << "SET client_min_messages = warning"; // no DROP notices
      }
    }
    return *admin_;
  }

  const std::string& name() const {
    return name_;
  }

private:
  backend_kind backend_;
  std::string name_;
  std::filesystem::path dir_;
  std::unique_ptr<soci::session> admin_;
};

/// lastgram_database_direct_reads_total{op, outcome}: the hot path's
/// operations served off the database workers (direct reads, PostgreSQL's
/// lane) or handed to them.
inline double hot_path_count(const char* op, const char* outcome) {
  return metrics::get_counter("lastgram_database_direct_reads_total", "",
                              {{"op", op}, {"outcome", outcome}})
    .value();
}

} // namespace lastgram::test
