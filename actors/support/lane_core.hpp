#pragma once

/// What the pipelined lanes (database/pg_lane.hpp, caching/redis_lane.hpp)
/// share whatever their protocol: which thread is the loop's, whether the
/// connection serves (readable from any thread), a deadline on the oldest
/// operation waiting, reconnecting after a backoff, and their log lines.
/// Everything but `up()` and `run_on_loop()` runs on the loop's thread.
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
  bool armed_ = false;
  bool stopped_ = false;
  bool ever_up_ = false;
  bool lost_logged_ = false;
  std::atomic<bool> up_{false};
  std::atomic<std::thread::id> thread_{};
};

} // namespace lastgram::support
