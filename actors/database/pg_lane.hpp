#pragma once

/// PostgreSQL's hot path off the database engine's workers: the guards'
/// read of a private chat, /ln's indexed play count, and a webhook's inbox
/// row and marks, pipelined on one non-blocking connection whose socket the
/// HTTP client's loop waits on.
///
/// Through the workers each of these is a hand-off to a worker's thread,
/// which then sleeps in libpq until PostgreSQL answers and wakes the
/// requester's thread with the answer: three thread wake-ups for a
/// statement of a few tens of microseconds. Here the request is written
/// from the thread that asks (the loop's own thread, when the command runs
/// there) or posted to the loop, and the answer is read on the loop, whose
/// thread then runs the requester (runtime/io_helper.hpp) while the CAF
/// workers sleep. Operations that arrive together share the connection's
/// round trips (libpq's pipeline mode); each commits on its own.
///
/// The database engine's router (engine.cpp) sends an operation here only
/// while `up()` (a group's guards, which write a member, go to the workers). Whatever the lane cannot answer (the connection
/// lost, a statement failed, a play count that needs the index's depth) is
/// answered `std::nullopt`, and the router hands it to the workers, which
/// reconnect, log and count failures as before: an outage looks the same
/// to the user. The connection reconnects by itself with the workers'
/// backoff. The libpq half lives in the PostgreSQL module (pg_pipe.hpp).
///
/// The loop must run on one thread (the node's HTTP client has one).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "messages/database.hpp"
#include "messages/settings.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace lastgram::database {

class pg_lane {
public:
  /// Called once, on the loop's thread (or at once on the caller's, for an
  /// answer that needs no statement).
  template <class T>
  using reply = std::function<void(std::optional<T>)>;

  /// Null unless `cfg` names PostgreSQL and `cfg.direct_reads` is on (the
  /// module is loaded here).
  static std::shared_ptr<pg_lane> make(const database_settings& cfg,
                                       std::shared_ptr<boost::asio::io_context> loop);

  /// Starts connecting on `loop`.
  pg_lane(const database_settings& cfg, std::shared_ptr<boost::asio::io_context> loop);
  ~pg_lane();
  pg_lane(const pg_lane&) = delete;
  pg_lane& operator=(const pg_lane&) = delete;

  /// The connection is up and has room: operations are worth sending here.
  /// Any thread.
  bool up() const noexcept;

  /// The guards' read for a private chat (facts_atom with no group).
  void facts(platform_kind p, std::string author, std::string target, reply<guard_users> done);

  /// The store's indexed_playcount.
  void plays(indexed_plays_query q, reply<std::int64_t> done);

  /// The store's inbox_add: the ids that were new. A batch commits together.
  void inbox_add(std::vector<inbox_entry> entries, std::string claimer,
                 reply<std::vector<std::string>> done);

  /// The store's inbox_mark: rows changed. A batch commits together.
  void inbox_mark(platform_kind p, const std::vector<std::string>& replied,
                  const std::vector<std::string>& done_ids, reply<std::int64_t> done);

  /// Closes the connection; what waits for an answer gets std::nullopt.
  /// Later operations get it at once.
  void stop();

  struct impl;

private:
  /// Owned here, not by impl: the loop's pending handlers hold impl, so
  /// impl owning the loop would keep both alive once the loop stopped.
  std::shared_ptr<boost::asio::io_context> loop_;
  std::shared_ptr<impl> impl_;
};

} // namespace lastgram::database
