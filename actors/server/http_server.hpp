#pragma once

/// A small asynchronous HTTP/1.1 server (Boost.Beast behind a pimpl) for the
/// webhooks, /metrics, /healthz and /readyz.
///
///   server::http_server srv{settings.server};
///   srv.route("GET", "/healthz", [](const http_request&, responder reply) {
///     reply({200, "text/plain; charset=utf-8", "ok\n", {}});
///   });
///   if (auto ec = srv.start()) ... // e.g. address in use
///
/// Handlers run on the server's threads, concurrently for different
/// connections when `threads` > 1, and must not block; they may keep
/// the responder and answer later from any thread (e.g. when an actor
/// replies). A request whose handler does not answer within timeout_seconds
/// gets 503 and its connection is closed. A connection that sends no complete
/// request head within head_timeout_seconds (also between keep-alive
/// requests) is closed; a head or trailer section over header_limit gets 431.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "messages/settings.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace lastgram::server {

/// One request as the handlers see it. `path` and `query` split `target` at
/// the first '?'; neither is percent-decoded.
struct http_request {
  std::string method;
  std::string target;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The client's IP address ("" when unknown), and whether it is a loopback
  /// address (127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6).
  std::string remote_address;
  bool from_loopback = false;

  /// The first header called `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
};

/// What a handler answers. Content-Length, Connection and Server are set by
/// the server; `headers` adds any others.
struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Sends the response of one request. Callable from any thread; only the
/// first call counts, later ones (and calls after the server stopped) are
/// ignored.
using responder = std::function<void(http_response)>;

/// Handles one request; must call the responder exactly once, now or later.
/// An exception thrown before answering becomes a 500.
using handler = std::function<void(const http_request&, responder)>;

/// Routes requests to handlers by method and path. Registration happens
/// before start(); the server then runs until stop() or destruction.
class http_server {
public:
  /// Connections served at once; further ones get 503 and are closed. An
  /// eighth of them (at most 8) is kept for loopback clients, so a local
  /// health check still answers when remote clients hold the rest; one
  /// address holds at most settings.max_connections_per_address.
  static constexpr std::size_t default_max_connections = 1024;

  explicit http_server(const server_settings& settings,
                       std::size_t max_connections = default_max_connections);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Serves `method` requests whose path is exactly `path`.
  void route(std::string method, std::string path, handler h);

  /// Serves `method` requests whose path starts with `prefix`; the longest
  /// matching prefix wins, and exact routes win over prefixes.
  void route_prefix(std::string method, std::string prefix, handler h);

  /// Runs on `loop`, whose owner's threads run it, instead of on threads of
  /// its own (settings.threads is then ignored). Call before start(); `loop`
  /// must run until stop() returned. stop() then closes the listener and
  /// every connection and waits (at most 2 s) for them to end; it leaves the
  /// loop running.
  void share_loop(std::shared_ptr<boost::asio::io_context> loop);

  /// Binds, listens and starts the threads. Returns the error instead of
  /// throwing (bad address, address in use, permission denied, already
  /// started).
  std::error_code start();

  /// The port actually bound (useful with port 0), or 0 before start().
  unsigned short port() const noexcept;

  /// Closes the listener and every connection and joins the threads.
  /// Idempotent; must not be called from a handler.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lastgram::server
