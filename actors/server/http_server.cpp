#include "actors/server/http_server.hpp"

// The server's pieces, like Boost.Beast's async server example:
//   detail/listener   accepts connections, turns away those over the limits
//   detail/session    one connection: read, route, call the handler, write
//   detail/closer     a graceful close that lets the client read our answer
//   detail/routes     the routing table (exact paths, longest prefix)
//   detail/request_parser  Beast's parser, with the header limit on trailers too
//   detail/state      what they share: limits, routes, who holds the connection slots
// This file holds the lifecycle: settings, threads, start and stop.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "actors/logging/log.hpp"
#include "actors/server/detail/listener.hpp"
#include "actors/server/detail/state.hpp"
#include "actors/support/thread_name.hpp"

namespace lastgram::server {

namespace net = boost::asio;
using detail::engine_name;

namespace {

/// How long stop() waits for the sessions on a shared loop to end.
constexpr std::chrono::seconds shared_loop_stop_wait{2};

} // namespace

std::string http_request::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size()
           && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                return std::tolower(static_cast<unsigned char>(x))
                       == std::tolower(static_cast<unsigned char>(y));
              });
  };
  for (const auto& [key, value] : headers)
    if (same(key, name))
      return value;
  return {};
}

struct http_server::impl {
  impl(const server_settings& settings, std::size_t max_connections)
    : settings_(settings),
      st_(std::make_shared<detail::shared_state>(
        max_connections, static_cast<std::size_t>(
                           std::max<std::int64_t>(1, settings.max_connections_per_address)))) {
    auto timeout = std::max<std::int64_t>(1, settings.timeout_seconds);
    st_->timeout = std::chrono::seconds{timeout};
    st_->head_timeout =
      std::chrono::seconds{std::clamp<std::int64_t>(settings.head_timeout_seconds, 1, timeout)};
    st_->body_limit = static_cast<std::uint64_t>(std::max<std::int64_t>(0, settings.body_limit));
    st_->header_limit = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(settings.header_limit, 256, 1 << 20));
  }

  std::error_code start();
  void run_threads(int count);
  void stop();

  /// Routes may be added only before start().
  bool can_add_route(const std::string& path) {
    if (!started_)
      return true;
    log::error(engine_name, "route added after start ignored", {log::kv("path", path)});
    return false;
  }

  server_settings settings_;
  std::shared_ptr<detail::shared_state> st_;
  std::shared_ptr<detail::gate> gate_ = std::make_shared<detail::gate>();
  std::mutex lifecycle_mtx_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<unsigned short> port_{0};
  // Declared before the I/O objects that use it, reset after them in stop().
  // Each thread holds it too: one of them may be the thread that stops the
  // server (a handler, or what it calls), and that thread lets go of it
  // last, once it leaves the io_context.
  std::shared_ptr<net::io_context> ioc_;
  /// Set by share_loop: ioc_ is someone else's, run by their threads.
  std::shared_ptr<net::io_context> shared_loop_;
  std::shared_ptr<detail::listener> listener_;
  std::vector<std::thread> threads_;

  void stop_own_threads();
  void stop_on_shared_loop();
};

std::error_code http_server::impl::start() {
  std::lock_guard<std::mutex> guard{lifecycle_mtx_};
  if (started_)
    return std::make_error_code(std::errc::operation_not_permitted);
  if (settings_.port < 0 || settings_.port > 65535)
    return std::make_error_code(std::errc::invalid_argument);
  st_->routes.freeze();

  auto threads = static_cast<int>(std::clamp<std::int64_t>(settings_.threads, 1, 64));
  if (shared_loop_) {
    ioc_ = shared_loop_;
    threads = 0;
  } else {
    ioc_ = std::make_shared<net::io_context>(threads);
  }
  listener_ = std::make_shared<detail::listener>(*ioc_, st_, gate_);
  if (auto ec = listener_->open(settings_.address, static_cast<unsigned short>(settings_.port))) {
    listener_.reset();
    ioc_.reset();
    return ec;
  }
  auto endpoint = listener_->local_endpoint();
  port_ = endpoint.port();
  started_ = true;
  listener_->run();
  run_threads(threads);
  log::debug(engine_name, "listening",
             {log::kv("address", endpoint.address().to_string()), log::kv("port", port_.load())});
  return {};
}

void http_server::impl::run_threads(int count) {
  for (int i = 0; i < count; ++i)
    threads_.emplace_back([ioc = ioc_] {
      name_thread("lg.http-server");
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          // Handlers catch their own exceptions; this is the last line.
          log::error(engine_name, "I/O thread caught exception", {log::kv("error", e.what())});
        }
      }
    });
}

void http_server::impl::stop() {
  std::lock_guard<std::mutex> guard{lifecycle_mtx_};
  if (!started_ || stopped_)
    return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> gate_guard{gate_->mtx};
    gate_->open = false;
  }
  if (shared_loop_)
    stop_on_shared_loop();
  else
    stop_own_threads();
  log::info(engine_name, "stopped", {log::kv("port", port_.load())});
}

void http_server::impl::stop_own_threads() {
  ioc_->stop();
  // Stopped from one of our own threads (a handler): that thread
  // cannot join itself, and leaves the io_context when what it runs now
  // returns, holding the io_context alive until then.
  auto me = std::this_thread::get_id();
  for (auto& t : threads_) {
    if (t.get_id() == me)
      t.detach();
    else
      t.join();
  }
  threads_.clear();
  listener_.reset();
  // Destroys the handlers still queued, and with them every session and
  // its socket: that closes all connections (when stopped from one of our
  // threads, as that thread leaves it).
  ioc_.reset();
}

void http_server::impl::stop_on_shared_loop() {
  // The loop goes on serving its owner: close the listener and every
  // session on it, and wait (bounded) for the sessions to end. From the
  // loop's own thread that wait could not end; the closing still happens.
  listener_->close();
  listener_.reset();
  std::vector<std::function<void()>> aborts;
  std::unique_lock<std::mutex> guard{gate_->sessions_mtx};
  gate_->closing = true;
  for (const auto& [who, abort] : gate_->sessions)
    aborts.push_back(abort);
  guard.unlock();
  for (auto& abort : aborts)
    abort();
  aborts.clear();
  if (!ioc_->get_executor().running_in_this_thread()) {
    guard.lock();
    if (!gate_->ended.wait_for(guard, shared_loop_stop_wait,
                               [this] { return gate_->sessions.empty(); }))
      log::warn(engine_name, "connections still open after stop",
                {log::kv("connections", static_cast<std::int64_t>(gate_->sessions.size()))});
    guard.unlock();
  }
  ioc_.reset();
}

http_server::http_server(const server_settings& settings, std::size_t max_connections)
  : impl_(std::make_unique<impl>(settings, max_connections)) {}

http_server::~http_server() {
  stop();
}

void http_server::route(std::string method, std::string path, handler h) {
  std::lock_guard<std::mutex> guard{impl_->lifecycle_mtx_};
  if (impl_->can_add_route(path))
    impl_->st_->routes.add_exact(std::move(method), std::move(path), std::move(h));
}

void http_server::route_prefix(std::string method, std::string prefix, handler h) {
  std::lock_guard<std::mutex> guard{impl_->lifecycle_mtx_};
  if (impl_->can_add_route(prefix))
    impl_->st_->routes.add_prefix(std::move(method), std::move(prefix), std::move(h));
}

void http_server::share_loop(std::shared_ptr<boost::asio::io_context> loop) {
  std::lock_guard<std::mutex> guard{impl_->lifecycle_mtx_};
  if (!impl_->started_)
    impl_->shared_loop_ = std::move(loop);
}

std::error_code http_server::start() {
  return impl_->start();
}

unsigned short http_server::port() const noexcept {
  return impl_->port_.load();
}

void http_server::stop() {
  impl_->stop();
}

} // namespace lastgram::server
