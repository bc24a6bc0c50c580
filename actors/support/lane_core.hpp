#pragma once

/// What the pipelined lanes (database/pg_lane.hpp, caching/redis_lane.hpp)
/// share whatever their protocol: which thread is the loop's, whether the
/// connection serves and has room (readable from any thread), the socket
/// their client library owns and the loop waits on, a deadline on the
/// oldest operation waiting, reconnecting after a backoff, and their log
/// lines. Everything but `up()`, `has_room()`, `taken()` and
/// `run_on_loop()` runs on the loop's thread.
///
/// Its handlers hold only `this`: the lane that owns it keeps it alive
/// while its own handlers run, and a handler of a timer destroyed with it
/// returns on operation_aborted before touching it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace lastgram::support {

class lane_core {
public:
  using clock_type = std::chrono::steady_clock;

  struct hooks {
    /// When the oldest operation still waiting was sent; nullopt: none.
    std::function<std::optional<clock_type::time_point>()> oldest;
    /// The oldest operation waited past the deadline: drop the connection
    /// (which calls failed()).
    std::function<void()> expired;
    /// Opens a new connection (after failed() and its backoff).
    std::function<void()> reconnect;
  };

  /// `engine` names the log lines' engine and `what` the connection in
  /// them; `deadline` bounds an operation's wait for its answer.
  lane_core(boost::asio::io_context& loop, const char* engine, const char* what,
            std::chrono::milliseconds deadline, hooks h);
  /// Leaves the socket to its library.
  ~lane_core();
  lane_core(const lane_core&) = delete;
  lane_core& operator=(const lane_core&) = delete;

  boost::asio::io_context& loop() noexcept {
    return loop_;
  }

  /// Binds the calling thread as the loop's (the lane's first handler).
  void bind() noexcept {
    thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }

  bool on_loop() const noexcept {
    return std::this_thread::get_id() == thread_.load(std::memory_order_relaxed);
  }

  /// Runs `f` on the loop's thread: at once when called there, else posted
  /// (`f` keeps what it needs alive). Any thread.
  template <class F>
  void run_on_loop(F f) {
    if (on_loop())
      f();
    else
      boost::asio::post(loop_, std::move(f));
  }

  /// The connection serves. Any thread.
  bool up() const noexcept {
    return up_.load(std::memory_order_relaxed);
  }

  bool stopped() const noexcept {
    return stopped_;
  }

  /// An operation was taken (any thread); `finished()` when it ended.
  void taken() noexcept {
    waiting_.fetch_add(1, std::memory_order_relaxed);
  }
  void finished() noexcept {
    waiting_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// Fewer operations wait than the lane takes (512); beyond that the
  /// engine serves them itself. Any thread.
  bool has_room() const noexcept;

  /// Watches `fd`, a socket its client library owns (released, never
  /// closed, here), unless it watches it already; false when `fd` < 0.
  bool watch_socket(int fd);

  /// Stops watching the socket: the waits on it never call back.
  void forget_socket();

  bool watching() const noexcept {
    return sock_.has_value();
  }

  /// Calls `f(error_code)` once the socket is readable (`read`) or
  /// writable, unless it was forgotten or replaced meanwhile. `f` keeps
  /// alive what it uses (the lane, and so this). Needs a watched socket.
  template <class F>
  void wait(bool read, F f) {
    using base = boost::asio::posix::descriptor_base;
    sock_->async_wait(read ? base::wait_read : base::wait_write,
                      [this, g = socket_generation_, f = std::move(f)](const auto& ec) mutable {
                        if (g == socket_generation_)
                          f(ec);
                      });
  }

  /// The connection serves: logged when first up and when back after a loss.
  void connected();

  /// The connection failed or did not open (`why`): logged as lost once
  /// while it was up (at debug level otherwise), the deadline dropped, and
  /// `hooks::reconnect` run after the backoff (1 s, doubling up to 5 s)
  /// unless stopped.
  void failed(const std::string& why);

  /// No reconnecting from now on.
  void stop();

  /// Arms the deadline on the oldest operation waiting, unless armed (not
  /// reset at every answer: setting a timer is a system call).
  void watch();

private:
  boost::asio::io_context& loop_;
  const char* engine_;
  std::string what_;
  std::chrono::milliseconds deadline_;
  hooks hooks_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer deadline_timer_;
  std::chrono::milliseconds backoff_;
  /// Bumped at each failure: a deadline set for an older connection returns.
  std::uint64_t generation_ = 0;
  std::optional<boost::asio::posix::stream_descriptor> sock_;
  int sock_fd_ = -1;
  /// Bumped whenever the socket is forgotten: a wait on it returns.
  std::uint64_t socket_generation_ = 0;
  std::atomic<int> waiting_{0};
  bool armed_ = false;
  bool stopped_ = false;
  bool ever_up_ = false;
  bool lost_logged_ = false;
  std::atomic<bool> up_{false};
  std::atomic<std::thread::id> thread_{};
};

} // namespace lastgram::support
