#include "actors/cluster/placement.hpp"

#include <algorithm>

#include "actors/cluster/roster.hpp"

namespace lastgram::cluster {

std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // FNV's low bits mix poorly for short keys; a final avalanche spreads them.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

std::vector<ring_point> build_ring(const std::vector<std::string>& endpoints,
                                   std::size_t replicas) {
  std::vector<ring_point> ring;
  ring.reserve(endpoints.size() * replicas);
  for (std::size_t m = 0; m < endpoints.size(); ++m)
    for (std::size_t r = 0; r < replicas; ++r)
      ring.push_back({stable_hash(endpoints[m] + "#" + std::to_string(r)), m});
  std::sort(ring.begin(), ring.end(), [](const ring_point& a, const ring_point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.member < b.member;
  });
  return ring;
}

std::size_t owner_of(const std::vector<ring_point>& ring, std::string_view key) noexcept {
  auto h = stable_hash(key);
  auto i = std::lower_bound(ring.begin(), ring.end(), h,
                            [](const ring_point& p, std::uint64_t v) { return p.hash < v; });
  if (i == ring.end())
    i = ring.begin();
  return i->member;
}

placement::placement(std::shared_ptr<const roster> members) : roster_(std::move(members)) {
  // nop
}

command_actor placement::owner(std::string_view key) {
  if (!roster_)
    return {};
  std::lock_guard<std::mutex> guard{mtx_};
  auto version = roster_->version();
  if (version != version_) {
    version_ = version;
    members_.clear();
    std::vector<std::string> endpoints;
    for (const auto& m : *roster_->live()) {
      bool runs_commands = std::find(m.roles.begin(), m.roles.end(), "commands") != m.roles.end();
      if (!runs_commands || (!m.self && !m.command))
        continue;
      members_.push_back({m.endpoint, m.self, m.state == member_state::suspect, m.command});
      endpoints.push_back(m.endpoint);
    }
    ring_ = build_ring(endpoints);
  }
  if (members_.size() < 2)
    return {};
  const auto& owner = members_[owner_of(ring_, key)];
  if (owner.self || owner.suspect)
    return {};
  return owner.command;
}

} // namespace lastgram::cluster
