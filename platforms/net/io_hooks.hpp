// SPDX-License-Identifier: MIT
#pragma once

// What an I/O thread does around the handlers it runs. The runtime sets the
// hooks once, when the scheduler can lend its work to I/O threads
// (runtime/io_helper.hpp); a thread already running takes them up at its
// next handler. Then the actors a handler woke run on that thread right
// after it, instead of waking a CAF worker. The HTTP client's threads run
// their io_context through run_io.

#include <cstddef>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace lastgram::net {

struct io_thread_hooks {
  /// On the thread, before its first handler.
  void (*enter)() = nullptr;
  /// After each handler, the last one included.
  void (*after_handler)() = nullptr;
};

/// Sets the hooks for I/O threads.
void set_io_thread_hooks(io_thread_hooks hooks) noexcept;

/// Runs `ioc` on the calling thread until it runs out of work or stops, as
/// io_context::run does, with the hooks around each handler. Exceptions
/// from handlers propagate, as from run.
std::size_t run_io(boost::asio::io_context& ioc);

} // namespace lastgram::net
