#include "actors/database/pg_module.hpp"

#include "actors/support/module.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>

#ifndef LASTGRAM_PG_MODULE_PATH
#define LASTGRAM_PG_MODULE_PATH ""
#endif

namespace lastgram::database {

namespace {

std::atomic<const pg_entry_points*> loaded{nullptr};

} // namespace

const pg_entry_points& pg_module() {
  static std::once_flag once;
  static std::string why;
  std::call_once(once, [] {
    const support::module_place where{"liblastgram_pg.so", "LASTGRAM_PG_MODULE",
                                      LASTGRAM_PG_MODULE_PATH};
    loaded.store(support::load_module_entry<pg_entry_points>(where, pg_entry_symbol, why),
                 std::memory_order_release);
  });
  auto points = loaded.load(std::memory_order_acquire);
  if (points == nullptr)
    throw std::runtime_error("the PostgreSQL module did not load: " + why);
  return *points;
}

const pg_entry_points* pg_module_if_loaded() {
  return loaded.load(std::memory_order_acquire);
}

} // namespace lastgram::database
