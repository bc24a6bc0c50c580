#pragma once

/// The cluster's vocabulary: what a node says about itself to its peers
/// (member_card), how a node sees a member (cluster_member), and the typed
/// interface of the membership actor every node publishes on its cluster
/// endpoint.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/command.hpp"
#include "messages/diag.hpp"
#include "messages/discord_gateway.hpp"

namespace lastgram {

using members_atom = caf::atom_constant<caf::atom("members")>;

/// How a node sees a member.
/// - up: connected and answering;
/// - suspect: connected, but its last gossip went unanswered (it may be
///   frozen; the connection timeout decides);
/// - down: disconnected; kept for a while so operators see it, and redialed.
enum class member_state : std::uint8_t { up, suspect, down };

std::string to_string(member_state x);

/// What a node tells a peer about itself, over their direct connection.
struct member_card {
  /// node.name, or host#pid.
  std::string name;
  /// "host:port" the node published; a member's identity in the cluster.
  std::string endpoint;
  std::vector<std::string> roles;
  /// The node's command engine and diagnostics actor; invalid when absent.
  command_actor command;
  diag_actor diag;
  /// The node's Discord identify gate; invalid when it runs no gateway.
  discord::gateway_identify_gate identify_gate;
};

/// Whether two cards name the same engine handles.
inline bool same_handles(const member_card& a, const member_card& b) {
  return a.command == b.command && a.diag == b.diag && a.identify_gate == b.identify_gate;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_card& x) {
  return f(caf::meta::type_name("member_card"), x.name, x.endpoint, x.roles, x.command,
           x.diag, x.identify_gate);
}

/// A node's introduction to a peer, and the peer's answer: its card and the
/// endpoints of the members it sees up, so that nodes learn of each other
/// through the ones they know.
struct member_gossip {
  member_card card;
  std::vector<std::string> endpoints;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_gossip& x) {
  return f(caf::meta::type_name("member_gossip"), x.card, x.endpoints);
}

/// One member as a node sees it, itself included.
struct cluster_member {
  std::string name;
  std::string endpoint;
  std::vector<std::string> roles;
  member_state state = member_state::up;
  /// Milliseconds since `state` last changed.
  std::int64_t state_age_ms = 0;
  /// This entry is the node that made the list.
  bool self = false;
  /// Handles of the member's engines, reached over the direct connection to
  /// it (invalid when absent, when the member is down, and in views sent to
  /// another process).
  command_actor command;
  diag_actor diag;
  discord::gateway_identify_gate identify_gate;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_member& x) {
  return f(caf::meta::type_name("cluster_member"), x.name, x.endpoint, x.roles, x.state,
           x.state_age_ms, x.self, x.command, x.diag, x.identify_gate);
}

/// A node's view of the cluster, as `lastgram cluster status` shows it.
struct cluster_view {
  /// The answering node's name and endpoint.
  std::string node;
  std::string endpoint;
  /// Every member it knows, itself included, sorted by endpoint.
  std::vector<cluster_member> members;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(caf::meta::type_name("cluster_view"), x.node, x.endpoint, x.members);
}

/// The membership actor, published on the node's cluster endpoint.
/// - member_gossip -> member_gossip: a peer introduces itself (right after
///   connecting, then periodically as a liveness probe); the answer is the
///   same from this node. The sender must be the peer's membership actor,
///   whose death (a lost connection) removes the peer.
/// - members -> cluster_view: the members this node knows, without engine
///   handles (the view may leave the cluster, e.g. to `cluster status`).
using membership_actor = caf::typed_actor<
  caf::replies_to<member_gossip>::with<member_gossip>,
  caf::replies_to<members_atom>::with<cluster_view>>;

} // namespace lastgram
