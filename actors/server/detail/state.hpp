#pragma once

// Internal to actors/server: what the listener, the sessions and the closer
// share, and the few helpers they all use.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include <boost/beast/core/error.hpp>

#include "actors/server/detail/routes.hpp"
#include "actors/server/http_server.hpp"

namespace lastgram::server::detail {

/// The engine name in log lines.
constexpr std::string_view engine_name = "server";

/// Everything sessions read; shared so that a session never outlives it.
struct shared_state {
  std::chrono::seconds timeout{30};
  std::uint64_t body_limit = 1 << 20;
  std::uint32_t header_limit = 8192;
  std::size_t max_connections = http_server::default_max_connections;
  route_table routes;
  std::atomic<std::size_t> connections{0};
};

/// Answers from other threads pass through here; stop() closes it before
/// the io_context goes away, so a late responder never posts into the void.
struct gate {
  std::mutex mtx;
  bool open = true;
};

/// Holds one of the max_connections slots until destroyed.
class connection_slot {
public:
  explicit connection_slot(std::shared_ptr<shared_state> st) : st_(std::move(st)) {}
  ~connection_slot() { st_->connections.fetch_sub(1); }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::shared_ptr<shared_state> st_;
};

/// Logs a connection-level error (at debug: clients vanish all the time).
void fail(boost::beast::error_code ec, std::string_view what);

/// Counts one answered request in lastgram_http_requests_total.
void count_request(const std::string& route, unsigned status);

} // namespace lastgram::server::detail
