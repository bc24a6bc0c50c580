#pragma once

/// One PostgreSQL connection in libpq's pipeline mode that never blocks: the
/// PostgreSQL module's half (pg/pipe.cpp) of the hot path's lane
/// (pg_lane.hpp), which waits for the socket on an asio loop. Operations are
/// statements followed by a sync: the statements of one operation commit
/// together, and their results come back in order, the sync last. Not
/// thread-safe: one owner thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lastgram::database {

/// One result read from a pipe.
struct pg_reply {
  enum class kind {
    /// Nothing complete yet: wait for the socket.
    pending,
    /// A statement's rows: `cells`, row-major, `columns` wide.
    rows,
    /// A statement without rows, which changed `affected` rows.
    command,
    /// A statement failed (`error`); the others up to the sync are skipped.
    failed,
    /// The end of one operation.
    sync,
    /// The connection cannot be used (`error`): its setup failed.
    broken,
  };
  kind what = kind::pending;
  int columns = 0;
  std::int64_t affected = 0;
  std::vector<std::optional<std::string>> cells;
  std::string error;
};

class pg_pipe {
public:
  enum class step { read, write, ready, failed };

  virtual ~pg_pipe() = default;

  /// Goes on connecting (PQconnectPoll): wait until the socket is readable
  /// or writable, and call again. At `ready` the setup and the statements
  /// are on their way and operations may follow.
  virtual step connect() = 0;
  /// The socket to wait on; it may change while connecting. -1: none.
  virtual int socket() const = 0;
  /// Queues the `index`-th statement given to open with these values (text
  /// format, in the order of its $n); false when the connection failed.
  virtual bool send(int index, const std::vector<std::string>& values) = 0;
  /// Ends one operation; false when the connection failed.
  virtual bool sync() = 0;
  /// Writes what is queued: 0 all of it, 1 more to write (wait until the
  /// socket is writable), -1 the connection failed.
  virtual int flush() = 0;
  /// Reads what the socket holds; false when the connection failed.
  virtual bool consume() = 0;
  /// The next result, or `pending`.
  virtual pg_reply next() = 0;
  /// libpq's words about the last failure (never the connection string).
  virtual std::string error() const = 0;
};

/// Starts connecting to `conninfo`. `setup` (statements without parameters,
/// e.g. SET) run first on the connection, then `statements` are prepared;
/// a failure in either makes the pipe `broken`. Null only when libpq cannot
/// allocate a connection.
using open_pipe_fn = std::unique_ptr<pg_pipe> (*)(const std::string& conninfo,
                                                   const std::vector<std::string>& setup,
                                                   const std::vector<std::string>& statements);

} // namespace lastgram::database
