#pragma once
/// Work placement over the cluster's live members by consistent hashing: a
/// key (a platform and chat) always maps to the same member while the
/// membership holds, and a member joining or leaving moves only about 1/N
/// of the keys. Every node builds the same ring from the same members, so
/// they agree on the owner without talking.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/cluster.hpp"
#include "messages/command.hpp"

namespace lastgram::cluster {

class roster;

/// A stable 64-bit FNV-1a hash (the same on every node and build).
std::uint64_t stable_hash(std::string_view text) noexcept;

/// One point of the ring: a hash and the index of its member.
struct ring_point {
  std::uint64_t hash = 0;
  std::size_t member = 0;
};

/// The ring of `endpoints` with `replicas` points each, sorted by hash.
std::vector<ring_point> build_ring(const std::vector<std::string>& endpoints,
                                   std::size_t replicas = 64);

/// The index of the member that owns `key` on `ring` (which must not be
/// empty).
std::size_t owner_of(const std::vector<ring_point>& ring, std::string_view key) noexcept;

/// The member that runs each of `count` shards of a cluster singleton: shard
/// k runs on the owner of the key `key_prefix` + k on the ring of
/// `endpoints` (an index into `endpoints`, whose order does not matter).
/// The ring is what moves fewest shards: a shard moves only when its member
/// leaves (to the next point on the ring) or when a member joins whose
/// point comes first (to that member); shards never move between members
/// that stay. Empty when there is no member.
std::vector<std::size_t> assign_shards(const std::vector<std::string>& endpoints,
                                       std::int32_t count, std::string_view key_prefix);

/// The endpoints of the live members (up or suspect) of `live` that
/// advertise `role`, in its order, and this node's index among them (none
/// when it lacks the role).
struct role_members {
  std::vector<std::string> endpoints;
  std::vector<const cluster_member*> members;
  std::optional<std::size_t> self;
};
role_members with_role(const std::vector<cluster_member>& live, std::string_view role);

/// The member of `live` with `role` that holds the one-of-a-kind job `key`
/// (the owner of shard 0 of assign_shards for it, so the member whose
/// shard_placement(role, key, 1) runs shard 0); nullptr when no member has
/// the role. The same on every member that sees the same members.
const cluster_member* singleton_owner(const std::vector<cluster_member>& live,
                                      std::string_view role, std::string_view key);

/// Which shards of a cluster singleton (e.g. Discord's gateway shards) this
/// node runs: those assign_shards places on it among the roster's live
/// members (up or suspect, so a member that only missed heartbeats keeps
/// its shards until it is declared down) that advertise `role`. Nothing
/// before the membership first publishes, or while this node lacks the
/// role. Thread-safe; recomputed only when the roster's version changes.
class shard_placement {
public:
  shard_placement(std::shared_ptr<const roster> members, std::string role, std::string key_prefix,
                  std::int32_t count);

  /// Whether this node runs shard `shard` now.
  bool runs_here(std::int32_t shard);

private:
  std::shared_ptr<const roster> roster_;
  std::string role_;
  std::string prefix_;
  std::int32_t count_;
  std::mutex mtx_;
  std::uint64_t version_ = ~std::uint64_t{0};
  std::vector<bool> mine_;
};

/// Places keys on the members of a roster that run commands. Thread-safe;
/// the ring is rebuilt only when the roster's version changes.
class placement {
public:
  explicit placement(std::shared_ptr<const roster> members);

  /// The command engine of the member that owns `key`; an invalid handle
  /// when this node owns it, when the owner is suspect or has no command
  /// engine, or when there is no cluster.
  command_actor owner(std::string_view key);

private:
  struct entry {
    std::string endpoint;
    bool self = false;
    bool suspect = false;
    command_actor command;
  };

  std::shared_ptr<const roster> roster_;
  std::mutex mtx_;
  std::uint64_t version_ = ~std::uint64_t{0};
  std::vector<entry> members_;
  std::vector<ring_point> ring_;
};

} // namespace lastgram::cluster
