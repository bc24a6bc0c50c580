#pragma once

/// The wall clock in Unix milliseconds, for times that travel with a message
/// (between threads or nodes), where a steady clock's epoch means nothing.

#include <chrono>
#include <cstdint>

namespace lastgram {

inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace lastgram
