#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram {

/// What the node knows about one engine: whether it is up, how often its
/// supervisor restarted something below it, and why the last time.
struct engine_status {
  std::string engine;
  bool ready = false;
  std::int64_t restarts = 0;
  std::string last_exit_reason;
};

/// The node's readiness and restart board, written by supervisors (rarely:
/// on start, death and restart) and read by /readyz, /botinfo and the
/// diagnostics. A mutex is enough: nothing here is on a hot path.
class health_board {
public:
  /// Declares an engine (not ready until set_ready says so).
  void declare(std::string_view engine);
  void set_ready(std::string_view engine, bool ready);
  void record_exit(std::string_view engine, std::string reason,
                   bool restarted);
  /// True when every declared engine is ready.
  bool all_ready() const;
  std::vector<engine_status> snapshot() const;
  std::int64_t restarts(std::string_view engine) const;

private:
  engine_status& find_or_add(std::string_view engine);

  mutable std::mutex mtx_;
  std::vector<engine_status> engines_;
};

} // namespace lastgram
