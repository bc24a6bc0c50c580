// SPDX-License-Identifier: MIT
#include "platforms/net/io_hooks.hpp"

#include <atomic>

#include <boost/asio/io_context.hpp>

namespace lastgram::net {

namespace {

std::atomic<void (*)()> enter_hook{nullptr};
std::atomic<void (*)()> after_hook{nullptr};

} // namespace

void set_io_thread_hooks(io_thread_hooks hooks) noexcept {
  enter_hook.store(hooks.enter);
  after_hook.store(hooks.after_handler);
}

std::size_t run_io(boost::asio::io_context& ioc) {
  // The hooks may be set after this thread started (the node makes its HTTP
  // client before its actor system): they are looked up until found.
  void (*after)() = nullptr;
  std::size_t n = 0;
  for (;;) {
    if (after == nullptr && (after = after_hook.load()) != nullptr) {
      if (auto* enter = enter_hook.load())
        enter();
    }
    // After each handler, including one that threw: what it woke still runs.
    struct after_each {
      void (*hook)();
      ~after_each() {
        if (hook != nullptr)
          hook();
      }
    } guard{after};
    if (ioc.run_one() == 0)
      return n;
    ++n;
  }
}

} // namespace lastgram::net
