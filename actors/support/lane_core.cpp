#include "actors/support/lane_core.hpp"

#include <algorithm>

#include "actors/logging/log.hpp"

namespace lastgram::support {

namespace {

/// Operations waiting beyond which has_room() says no.
constexpr int max_waiting = 512;

constexpr std::chrono::milliseconds backoff_initial{1000};
constexpr std::chrono::milliseconds backoff_max{5000};

} // namespace

lane_core::lane_core(boost::asio::io_context& loop, const char* engine, const char* what,
                     std::chrono::milliseconds deadline, hooks h)
  : loop_(loop), engine_(engine), what_(what), deadline_(deadline), hooks_(std::move(h)),
    reconnect_timer_(loop), deadline_timer_(loop), backoff_(backoff_initial) {
}

lane_core::~lane_core() {
  if (sock_)
    sock_->release();
}

bool lane_core::has_room() const noexcept {
  return waiting_.load(std::memory_order_relaxed) < max_waiting;
}

bool lane_core::watch_socket(int fd) {
  if (fd == sock_fd_ && sock_)
    return true;
  forget_socket();
  if (fd < 0)
    return false;
  sock_.emplace(loop_, fd);
  sock_fd_ = fd;
  return true;
}

void lane_core::forget_socket() {
  ++socket_generation_;
  if (sock_) {
    boost::system::error_code ignored;
    sock_->cancel(ignored);
    sock_->release();
    sock_.reset();
  }
  sock_fd_ = -1;
}

void lane_core::connected() {
  backoff_ = backoff_initial;
  up_.store(true, std::memory_order_relaxed);
  if (!ever_up_ || lost_logged_)
    log::info(engine_, what_ + (ever_up_ ? " back" : " ready"));
  ever_up_ = true;
  lost_logged_ = false;
}

void lane_core::failed(const std::string& why) {
  if (up_.load(std::memory_order_relaxed) && !lost_logged_ && !stopped_) {
    lost_logged_ = true;
    log::warn(engine_, what_ + " lost", {{"error", why}});
  }
  up_.store(false, std::memory_order_relaxed);
  ++generation_;
  armed_ = false;
  deadline_timer_.cancel();
  if (stopped_)
    return;
  log::debug(engine_, what_ + " not open", {{"error", why}});
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, backoff_max);
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec)
      return;
    hooks_.reconnect();
  });
}

void lane_core::stop() {
  stopped_ = true;
  reconnect_timer_.cancel();
}

void lane_core::watch() {
  if (armed_)
    return;
  auto oldest = hooks_.oldest();
  if (!oldest)
    return;
  armed_ = true;
  deadline_timer_.expires_at(*oldest + deadline_);
  deadline_timer_.async_wait([this, g = generation_](const boost::system::error_code& ec) {
    if (ec || g != generation_)
      return;
    armed_ = false;
    auto now_oldest = hooks_.oldest();
    if (!now_oldest)
      return;
    if (clock_type::now() >= *now_oldest + deadline_)
      return hooks_.expired();
    watch();
  });
}

} // namespace lastgram::support
