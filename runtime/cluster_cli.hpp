#pragma once

/// `lastgram cluster make-certs|status`: the operator's side of the cluster.
/// runtime/cli.cpp parses the command line (and loads the configuration for
/// status); these do the rest and return the process exit code.

#include <iosfwd>
#include <string>
#include <vector>

#include "messages/cluster.hpp"
#include "messages/settings.hpp"

namespace lastgram::runtime {

/// The node names make-certs uses: `names` when given, else node1..nodeN.
std::vector<std::string> cert_node_names(int count, const std::vector<std::string>& names);

/// Creates the cluster CA (or reuses DIR/ca.pem + ca.key) and a certificate
/// and key per node in `dir`, then prints the [cluster] lines for each node.
/// 0 ok, 1 when files could not be made, 2 for bad names.
int cluster_make_certs(const std::string& dir, const std::vector<std::string>& names,
                       std::ostream& out, std::ostream& err);

/// The view as text: a header line, then one line per member.
std::string render_view(const cluster_view& view);

/// The view as one JSON object: {"node","endpoint","members":[{"name",
/// "endpoint","roles","state","state_age_ms","self"}]}.
std::string render_view_json(const cluster_view& view);

/// Connects to the cluster endpoint `target` ("host:port") with the cluster
/// settings of `s` (certificates, application identifier), asks its
/// membership actor for the members and prints them. 0 ok, 1 unreachable or
/// refused (e.g. a certificate the node does not trust), 2 bad target or
/// plain TCP off loopback.
int cluster_status(const settings& s, const std::string& target, bool json, std::ostream& out,
                   std::ostream& err);

} // namespace lastgram::runtime
