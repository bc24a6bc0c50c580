#pragma once

/// The node's current view of the cluster for in-process readers (work
/// placement, diagnostics): the membership actor replaces it on every change,
/// anyone reads it without a message round trip.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "messages/cluster.hpp"

namespace lastgram::cluster {

/// A snapshot of the members, cheap to read from any thread or actor. Each
/// member's `command` and `diag` are handles that reach that node's engines
/// (this node's own for the `self` entry); a member's `endpoint` is its
/// identity and stable across restarts, so it is the key to hash on.
class roster {
public:
  using members = std::vector<cluster_member>;

  /// Members that are up or suspect (still connected), this node included,
  /// sorted by endpoint. Empty until the membership actor first publishes.
  std::shared_ptr<const members> live() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return live_;
  }

  /// Every member known, down ones included, sorted by endpoint.
  std::shared_ptr<const members> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return all_;
  }

  /// Grows by one with every update: a member joined, left or changed state,
  /// or an engine handle changed. Readers can rebuild e.g. a hash ring only
  /// when it moved. (`state_age_ms` in the snapshots is as of the update.)
  std::uint64_t version() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return version_;
  }

  /// Replaces the view; for the membership actor.
  void update(members everyone) {
    std::sort(everyone.begin(), everyone.end(),
              [](const cluster_member& a, const cluster_member& b) {
                return a.endpoint < b.endpoint;
              });
    auto live = std::make_shared<members>();
    for (const auto& m : everyone)
      if (m.state != member_state::down)
        live->push_back(m);
    auto all = std::make_shared<const members>(std::move(everyone));
    std::lock_guard<std::mutex> guard{mtx_};
    all_ = std::move(all);
    live_ = std::move(live);
    ++version_;
  }

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const members> all_ = std::make_shared<const members>();
  std::shared_ptr<const members> live_ = std::make_shared<const members>();
  std::uint64_t version_ = 0;
};

} // namespace lastgram::cluster
