#pragma once

/// The cluster's private certificate authority and its node certificates,
/// made with OpenSSL's C API for `lastgram cluster make-certs`. Nodes verify
/// each other against this CA (mutual TLS), so it must belong to this cluster
/// alone: CAF checks no host names, any certificate the CA signed gets in.

#include <optional>
#include <string>
#include <vector>

namespace lastgram::runtime {

/// One node's files.
struct node_files {
  std::string name;
  /// PEM certificate signed by the CA, and its private key (mode 0600).
  std::string cert;
  std::string key;
};

/// What make_cluster_certs wrote, as absolute paths.
struct cluster_files {
  std::string ca_cert;
  /// The CA's private key (mode 0600): whoever holds it can add nodes.
  std::string ca_key;
  /// False when an existing ca.pem/ca.key pair in the directory was reused.
  bool ca_created = false;
  std::vector<node_files> nodes;
};

/// Either the files or why nothing usable was made.
struct certs_result {
  std::optional<cluster_files> files;
  std::string error;
};

/// Whether `name` may name a node certificate: 1-64 letters, digits, '_',
/// '-' or '.', not starting with '.', and not "ca".
bool valid_node_name(const std::string& name);

/// In `dir` (created with mode 0700 when missing): the CA as ca.pem and
/// ca.key, unless both exist already, in which case they sign the new
/// certificates; then <name>.pem and <name>.key for each name, each an EC
/// P-256 key and a certificate for TLS client and server use. Never
/// overwrites a node's files: an existing one is an error, before anything
/// is written.
certs_result make_cluster_certs(const std::string& dir, const std::vector<std::string>& names);

} // namespace lastgram::runtime
