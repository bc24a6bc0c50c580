#pragma once

/// Cluster membership: each node publishes a membership actor on its cluster
/// endpoint (mutual TLS with the cluster's CA, or plain TCP on loopback),
/// dials its seeds and every endpoint its peers tell it about, and watches
/// each peer's membership actor. A peer that dies or hangs (middleman
/// heartbeats plus connection timeout) is marked down and redialed, so it
/// rejoins by itself when it comes back. The result is kept in a roster
/// (roster.hpp) that work placement and diagnostics read in-process.
///
/// CAF's network modules stay in membership.cpp; this header needs only
/// CAF's forward declarations.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "caf/fwd.hpp"

#include "messages/cluster.hpp"
#include "messages/settings.hpp"

namespace lastgram {
struct engine_handles;
} // namespace lastgram

namespace lastgram::cluster {

class roster;

/// Whether the cluster link is TLS: any of the certificate files is set.
/// (Configuration validation makes sure that then all three are.)
bool uses_tls(const cluster_settings& s);

/// Loads CAF's middleman into `cfg`, plus the OpenSSL manager with the
/// cluster's CA, certificate and key (peers must present a certificate of
/// the same CA) when uses_tls(s); sets the application identifier, the
/// heartbeat interval and the connection timeout. Call before the actor
/// system is created, for nodes and for `lastgram cluster status` alike.
void configure(caf::actor_system_config& cfg, const cluster_settings& s);

/// What a membership actor needs.
struct membership_options {
  cluster_settings settings;
  /// This node's name in the cluster (node.name, or host#pid).
  std::string node_name;
  /// This node's engines (the command engine and diagnostics), looked up whenever
  /// the node introduces itself, so that restarted engines are picked up.
  std::shared_ptr<const engine_handles> engines;
  /// Where the current view goes; may be shared with any reader.
  std::shared_ptr<roster> view;
  /// Down members that are not seeds are forgotten after this long.
  std::chrono::milliseconds forget_after = std::chrono::minutes{10};
};

/// Spawns the membership actor as a child of `parent` (a supervisor). It
/// publishes itself on settings.address:port (quitting with the error when
/// that fails, so that its supervisor retries and eventually gives up) and
/// speaks the membership_actor interface (messages/cluster.hpp).
membership_actor spawn_membership(caf::local_actor* parent,
                                  std::shared_ptr<const membership_options> opts);

/// The delay before redialing an endpoint after `failures` failed attempts
/// in a row (1-based): 200 ms doubling up to 2 s. Pure, for tests.
std::chrono::milliseconds redial_delay(int failures);

/// Asks the membership actor at `host:port` for its view, from a process
/// that is not a member (`lastgram cluster status`); `sys` must have been
/// configured with configure(). Blocks for at most `timeout`.
caf::expected<cluster_view> query_view(caf::actor_system& sys, const cluster_settings& s,
                                       const std::string& host, std::uint16_t port,
                                       std::chrono::milliseconds timeout);

} // namespace lastgram::cluster
