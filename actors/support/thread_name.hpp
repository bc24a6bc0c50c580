#pragma once

/// Names the calling thread (at most 15 characters), so that `top -H`, the
/// benchmarks' per-thread figures and a profile tell the engines apart.
/// Detached actors call it first thing in their behavior function, which
/// CAF runs on the actor's own thread.

#include <pthread.h>

namespace lastgram {

inline void name_thread(const char* name) {
  pthread_setname_np(pthread_self(), name);
}

} // namespace lastgram
