#pragma once

// Internal to actors/server: what the listener, the sessions and the closer
// share, and the few helpers they all use.

#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/error.hpp>

#include "actors/server/detail/routes.hpp"
#include "actors/server/http_server.hpp"

namespace lastgram::server::detail {

/// The engine name in log lines.
constexpr std::string_view engine_name = "server";

/// Who gets one of the connection slots. At most `max_total` connections at
/// once, the last `loopback_reserve` of them only for loopback clients (so a
/// local /healthz still answers when remote clients hold everything), and at
/// most `per_address` from one client address. Thread-safe.
class admission {
public:
  enum class verdict { admitted, server_full, address_full };

  admission(std::size_t max_total, std::size_t per_address, std::size_t loopback_reserve);

  /// Takes a slot for `address` when the limits allow it.
  verdict try_admit(const std::string& address, bool loopback);

  /// Gives back a slot taken by try_admit.
  void release(const std::string& address);

  /// Connections admitted and not yet released.
  std::size_t in_use() const;

private:
  std::size_t max_total_;
  std::size_t per_address_;
  std::size_t loopback_reserve_;
  mutable std::mutex mtx_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> by_address_;
};

/// Slots kept for loopback clients out of `max_total`: an eighth, at most 8.
std::size_t loopback_reserve_for(std::size_t max_total);

/// True for 127.0.0.0/8, ::1 and IPv4 loopback mapped into IPv6.
bool is_loopback(const boost::asio::ip::address& address);

/// Everything sessions read; shared so that a session never outlives it.
struct shared_state {
  shared_state(std::size_t max_connections, std::size_t per_address)
    : slots(max_connections, per_address, loopback_reserve_for(max_connections)) {}

  std::chrono::seconds timeout{30};
  /// For the request head, and for the next request on a kept-alive connection.
  std::chrono::seconds head_timeout{5};
  std::uint64_t body_limit = 1 << 20;
  std::uint32_t header_limit = 8192;
  route_table routes;
  admission slots;
};

/// Answers from other threads pass through here; stop() closes it before
/// the io_context goes away, so a late responder never posts into the void.
/// It also knows every open session, so that a server sharing an I/O loop
/// it cannot stop (http_server::share_loop) can close them all and wait for
/// them to end.
struct gate {
  std::mutex mtx;
  bool open = true;
  /// Guards the three below. Not `mtx`: a responder may drop the last
  /// reference to its session while it holds `mtx`.
  std::mutex sessions_mtx;
  /// Each open session's abort (see session::abort), by session.
  std::unordered_map<const void*, std::function<void()>> sessions;
  /// Set once the server closes its sessions: a session starting later
  /// closes at once.
  bool closing = false;
  /// Signalled when a session leaves `sessions`.
  std::condition_variable ended;
};

/// Holds one admitted connection slot until destroyed.
class connection_slot {
public:
  connection_slot(std::shared_ptr<shared_state> st, std::string address)
    : st_(std::move(st)), address_(std::move(address)) {}
  ~connection_slot() { st_->slots.release(address_); }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::shared_ptr<shared_state> st_;
  std::string address_;
};

/// Logs a connection-level error (at debug: clients vanish all the time).
void fail(boost::beast::error_code ec, std::string_view what);

/// Counts one answered request in lastgram_http_requests_total.
void count_request(const std::string& route, unsigned status);

} // namespace lastgram::server::detail
