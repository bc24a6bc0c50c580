#pragma once

/// The hot path's SQL on the calling thread, for a SQLite file.
///
/// Every command reads its guards (the author, and a replied-to user), and
/// an indexed /ln reads one play count; every update is stored in the inbox
/// and marked done once answered. Through the database engine each is a
/// hand-off to a worker thread and back: two thread wake-ups, which cost
/// more CPU than the statement, a few tens of microseconds of SQLite on
/// pages it has in memory. With SQLite in WAL mode a reader never waits for
/// the writer, and the inbox's one-row writes hold the write lock for
/// microseconds, so these run on the caller's thread, each on its own
/// connection (one per slot, opened on first use; a slot is taken with
/// try_lock, never waited for). A write waits at most a few milliseconds
/// for another writer's lock (a library being indexed) before it is handed
/// to the engine.
///
/// Whatever is not plainly served (every slot busy, no connection yet, any
/// error, a lock held past a few milliseconds) is answered `std::nullopt`,
/// and the caller asks the database engine as before, which reconnects,
/// logs and counts failures. So an outage looks the same to the user.
/// PostgreSQL answers over the network: there this object is not made and
/// every read goes through the engine.
///
/// `lastgram_database_direct_reads_total{op, outcome}` counts reads served
/// here (outcome "served") and those handed back (outcome "engine"), and
/// does the same for PostgreSQL's lane (pg_lane.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/database/store.hpp"
#include "messages/database.hpp"

namespace lastgram::database {

/// One guard lookup: `found` false when the user is unknown.
result<user_lookup> lookup(result<std::optional<user_record>> res);

/// The guards' read (the database engine's `facts` request): the author,
/// the replied-to user when `target` is set and, in a group, the group's
/// language, recording the author as one of its members.
result<guard_users> read_facts(store& db, platform_kind p, const std::string& author,
                               const std::string& target, const std::string& group);

/// The hot path's operations, as lastgram_database_direct_reads_total's
/// `op` label names them.
enum class hot_op { facts = 0, plays = 1, inbox_add = 2, inbox_mark = 3 };

/// Counts one hot-path operation served off the engine's workers (by
/// direct_reads here, by pg_lane on PostgreSQL) or handed to them.
void count_hot(hot_op op, bool served);

class direct_reads {
public:
  /// Null unless `cfg` names a SQLite file (not PostgreSQL, not ":memory:",
  /// whose connections would each see a database of their own).
  static std::shared_ptr<direct_reads> make(const database_settings& cfg, std::size_t slots);

  direct_reads(const database_settings& cfg, std::size_t slots);
  ~direct_reads();
  direct_reads(const direct_reads&) = delete;
  direct_reads& operator=(const direct_reads&) = delete;

  /// The guards' read for a private chat (a group's read records a member:
  /// a write, left to the engine).
  std::optional<guard_users> facts(platform_kind p, const std::string& author,
                                   const std::string& target);

  /// The store's indexed_playcount.
  std::optional<std::int64_t> indexed_playcount(const indexed_plays_query& q);

  /// The store's inbox_add of a batch (the database engine's inbox_atom):
  /// the ids that were new.
  std::optional<std::vector<std::string>> inbox_add(const std::vector<inbox_entry>& entries,
                                                    const std::string& claimer);

  /// The store's inbox_mark of a batch (the engine's inbox_mark_atom).
  std::optional<std::int64_t> inbox_mark(platform_kind p, const std::vector<std::string>& replied,
                                         const std::vector<std::string>& done);

private:
  struct slot;
  template <class T, class Call>
  std::optional<T> run(hot_op op, Call&& call);

  database_settings cfg_;
  std::vector<std::unique_ptr<slot>> slots_;
};

} // namespace lastgram::database
