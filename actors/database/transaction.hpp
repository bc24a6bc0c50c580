#pragma once

// Internal to actors/database: the one way the store opens a transaction.

#include <soci/soci.h>

#include "actors/database/migrations.hpp"

namespace lastgram::database::detail {

/// BEGIN ... COMMIT, rolled back unless committed. On SQLite it begins with
/// BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails
/// at once (SQLITE_BUSY, no busy wait) when another connection committed in
/// between, and several connections write (the pool's workers, the hot
/// path's direct inbox writes), so each transaction takes the write lock up
/// front and waits its busy timeout for it instead.
class write_transaction {
public:
  write_transaction(soci::session& sql, backend_kind backend) : sql_(sql) {
    sql_ << (backend == backend_kind::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  }

  write_transaction(const write_transaction&) = delete;
  write_transaction& operator=(const write_transaction&) = delete;

  ~write_transaction() {
    if (done_)
      return;
    try {
      sql_ << "ROLLBACK";
    } catch (...) {
      // The connection is gone; the server rolls back by itself.
    }
  }

  void commit() {
    sql_ << "COMMIT";
    done_ = true;
  }

private:
  soci::session& sql_;
  bool done_ = false;
};

} // namespace lastgram::database::detail
