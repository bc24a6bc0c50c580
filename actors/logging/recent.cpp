#include "actors/logging/recent.hpp"

#include <algorithm>
#include <utility>

namespace lastgram::log {

namespace {

constexpr std::size_t process_ring_capacity = 64;

} // namespace

line_ring::line_ring(std::size_t capacity) : capacity_(capacity) {}

void line_ring::push(recent_line line) {
  std::lock_guard<std::mutex> guard{mtx_};
  ++total_;
  if (capacity_ == 0)
    return;
  if (lines_.size() == capacity_)
    lines_.pop_front();
  lines_.push_back(std::move(line));
}

std::vector<recent_line> line_ring::newest(std::size_t max) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto n = max == 0 ? lines_.size() : std::min(max, lines_.size());
  return {lines_.end() - static_cast<std::ptrdiff_t>(n), lines_.end()};
}

std::size_t line_ring::total() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return total_;
}

line_ring& recent_problems() {
  // Leaked on purpose, like the log state: static destructors may still log.
  static auto* instance = new line_ring{process_ring_capacity};
  return *instance;
}

} // namespace lastgram::log
