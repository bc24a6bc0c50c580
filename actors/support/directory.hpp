#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "caf/actor.hpp"

namespace lastgram {

/// The current handle of each engine by name. An engine's supervisor puts
/// its handle here whenever it is (re)started, so that other engines always
/// reach the live one. Looked up per request; a mutex-guarded map of a dozen
/// entries costs far less than the message it routes.
class engine_directory {
public:
  void put(std::string_view engine, caf::actor handle) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      handles_[std::string{engine}] = std::move(handle);
    }
    cv_.notify_all();
  }

  /// Waits until `engine` has a handle (supervisors start their children
  /// asynchronously); returns it, or an invalid handle after `timeout`.
  caf::actor wait_for(std::string_view engine, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    caf::actor result;
    cv_.wait_for(guard, timeout, [&] {
      auto i = handles_.find(std::string{engine});
      if (i == handles_.end())
        return false;
      result = i->second;
      return true;
    });
    return result;
  }

  caf::actor get(std::string_view engine) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = handles_.find(std::string{engine});
    return i == handles_.end() ? caf::actor{} : i->second;
  }

  void clear() {
    std::lock_guard<std::mutex> guard{mtx_};
    handles_.clear();
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::map<std::string, caf::actor, std::less<>> handles_;
};

} // namespace lastgram
