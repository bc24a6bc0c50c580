#pragma once
// A fresh PostgreSQL schema for a test's nodes, dropped afterwards, on the
// test services' PostgreSQL (LASTGRAM_TEST_PG_URL_OVERRIDE when set, for runs
// by hand, else the ctest fixture's LASTGRAM_TEST_PG_URL).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <unistd.h>

#include "support/process.hpp"

namespace lastgram::test {

inline std::string pg_base_url() {
  if (auto env = std::getenv("LASTGRAM_TEST_PG_URL_OVERRIDE"); env && *env)
    return env;
  return LASTGRAM_TEST_PG_URL;
}

/// A fresh PostgreSQL schema for one node, dropped afterwards.
class pg_schema {
public:
  pg_schema() : name_("e2e_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++)) {
    auto res = run({"/usr/bin/psql", pg_base_url(), "-v", "ON_ERROR_STOP=1", "-q", "-c",
                    "CREATE SCHEMA " + name_},
                   "");
    INFO(res.err);
    REQUIRE(res.exit_code == 0);
  }
  ~pg_schema() {
    run({"/usr/bin/psql", pg_base_url(), "-q", "-c", "DROP SCHEMA IF EXISTS " + name_ + " CASCADE"},
        "");
  }
  /// The node's LASTGRAM_DATABASE_URL: the test database, this schema first.
  std::string url() const {
    auto base = pg_base_url();
    return base + (base.find('?') == std::string::npos ? "?" : "&")
           + "options=-csearch_path%3D" + name_;
  }

private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string name_;
};

} // namespace lastgram::test
