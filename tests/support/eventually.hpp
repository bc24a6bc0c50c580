#pragma once

/// Polling against a deadline: how a test waits for something another
/// thread or process does, instead of sleeping and hoping it happened.

#include <chrono>
#include <thread>

namespace lastgram::test {

/// Polls `done` every `every` (10 ms by default) for at most `limit`; true
/// once it held. For real servers and processes: where a clock can be
/// injected, tests use that instead.
template <class Pred>
bool eventually(Pred&& done, std::chrono::milliseconds limit = std::chrono::seconds{5},
                std::chrono::milliseconds every = std::chrono::milliseconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    // Pacing the poll, not waiting for an outcome: the deadline decides.
    std::this_thread::sleep_for(every);
  }
  return true;
}

/// For "nothing happened" checks without a marker to wait for: polls that
/// `still_fine` keeps holding for the whole `window`, which must be at least
/// the time the ruled-out event needs to show. False as soon as it breaks.
template <class Pred>
bool holds_for(Pred&& still_fine, std::chrono::milliseconds window,
               std::chrono::milliseconds every = std::chrono::milliseconds{10}) {
  auto end = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < end) {
    if (!still_fine())
      return false;
    // Pacing the poll: the window decides.
    std::this_thread::sleep_for(every);
  }
  return still_fine();
}

} // namespace lastgram::test
