#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "messages/cache.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/diag.hpp"
#include "messages/discord_gateway.hpp"
#include "messages/event.hpp"
#include "messages/fm_engine.hpp"
#include "messages/image.hpp"
#include "messages/indexer.hpp"
#include "messages/lyrics.hpp"

namespace lastgram {

/// The current handle of one engine, with the engine's typed door. The
/// engine's spawn function puts its handle here whenever the engine is
/// (re)started, so that other engines always reach the live one. Looked up
/// per request: a mutex-guarded copy costs far less than the message it
/// routes.
template <class Handle>
class handle_slot {
public:
  void put(Handle handle) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      handle_ = std::move(handle);
    }
    cv_.notify_all();
  }

  /// The handle; invalid while the engine is not running.
  Handle get() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return handle_;
  }

  /// Waits until the engine has a handle (supervisors start their children
  /// asynchronously); returns it, or an invalid handle after `timeout`.
  Handle wait_for(std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, timeout, [this] { return static_cast<bool>(handle_); });
    return handle_;
  }

  void clear() {
    std::lock_guard<std::mutex> guard{mtx_};
    handle_ = Handle{};
  }

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  Handle handle_;
};

/// The engines other engines talk to, each behind its typed door. A message
/// an engine does not handle does not compile.
struct engine_handles {
  handle_slot<cache_actor> caching;
  handle_slot<database_actor> database;
  handle_slot<fm_actor> fm;
  handle_slot<command_actor> command;
  handle_slot<event_actor> event;
  handle_slot<diag_actor> diag;
  /// Optional: a node without it answers /lyrics with "unavailable".
  handle_slot<lyrics_actor> lyrics;
  /// Optional: a node without it answers collages with "unavailable".
  handle_slot<image_actor> image;
  /// Optional: a node without it (indexer.enabled off) indexes nothing and
  /// answers /index with "unavailable".
  handle_slot<indexer_actor> indexer;
  /// Optional: the Discord identify gate of a node running the gateway,
  /// which the cluster's members learn through the membership.
  handle_slot<discord::gateway_identify_gate> identify_gate;

  /// Waits until every engine has a handle (at start, before input flows);
  /// false when one is still missing after `timeout`.
  bool wait_all(std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [deadline] {
      return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()),
                      std::chrono::milliseconds{0});
    };
    return caching.wait_for(left()) && database.wait_for(left()) && fm.wait_for(left())
           && command.wait_for(left()) && event.wait_for(left()) && diag.wait_for(left());
  }

  /// Drops every handle (at shutdown). Every slot must be here: a handle
  /// kept past the actor system's end keeps a detached engine's thread
  /// waiting for its actor to be destroyed, and the process never exits.
  void clear() {
    caching.clear();
    database.clear();
    fm.clear();
    command.clear();
    event.clear();
    diag.clear();
    lyrics.clear();
    identify_gate.clear();
    image.clear();
    indexer.clear();
  }
};

} // namespace lastgram
