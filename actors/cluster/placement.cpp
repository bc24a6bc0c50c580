#include "actors/cluster/placement.hpp"

#include <algorithm>
#include <optional>

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

std::vector<std::size_t> assign_shards(const std::vector<std::string>& endpoints,
                                       std::int32_t count, std::string_view key_prefix) {
  if (endpoints.empty() || count < 1)
    return {};
  // The ring is built over the sorted endpoints, so that the points' tie
  // order, and with it the answer, does not depend on the order given.
  std::vector<std::size_t> order(endpoints.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return endpoints[a] < endpoints[b]; });
  std::vector<std::string> sorted;
  sorted.reserve(order.size());
  for (auto i : order)
    sorted.push_back(endpoints[i]);
  auto ring = build_ring(sorted);
  std::vector<std::size_t> out;
  out.reserve(static_cast<std::size_t>(count));
  std::string key{key_prefix};
  for (std::int32_t k = 0; k < count; ++k)
    out.push_back(order[owner_of(ring, key + std::to_string(k))]);
  return out;
}

shard_placement::shard_placement(std::shared_ptr<const roster> members, std::string role,
                                 std::string key_prefix, std::int32_t count)
  : roster_(std::move(members)),
    role_(std::move(role)),
    prefix_(std::move(key_prefix)),
    count_(count) {
  // nop
}

role_members with_role(const std::vector<cluster_member>& live, std::string_view role) {
  role_members out;
  for (const auto& m : live) {
    if (std::find(m.roles.begin(), m.roles.end(), role) == m.roles.end())
      continue;
    if (m.self)
      out.self = out.endpoints.size();
    out.endpoints.push_back(m.endpoint);
    out.members.push_back(&m);
  }
  return out;
}

const cluster_member* singleton_owner(const std::vector<cluster_member>& live,
                                      std::string_view role, std::string_view key) {
  auto view = with_role(live, role);
  auto owners = assign_shards(view.endpoints, 1, key);
  return owners.empty() ? nullptr : view.members[owners.front()];
}

bool shard_placement::runs_here(std::int32_t shard) {
  if (!roster_ || shard < 0 || shard >= count_)
    return false;
  std::lock_guard<std::mutex> guard{mtx_};
  auto version = roster_->version();
  if (version != version_) {
    version_ = version;
    auto live = roster_->live();
    auto view = with_role(*live, role_);
    mine_.assign(static_cast<std::size_t>(count_), false);
    if (view.self) {
      auto owners = assign_shards(view.endpoints, count_, prefix_);
      for (std::size_t k = 0; k < owners.size(); ++k)
        mine_[k] = owners[k] == *view.self;
    }
  }
  return mine_[static_cast<std::size_t>(shard)];
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
