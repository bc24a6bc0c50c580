#pragma once

// Internal to platforms/: how every outgoing TLS connection is verified.

#include <boost/asio/ssl/context.hpp>

#include <string>

namespace lastgram::net::detail {

/// Sets up a client context: TLS 1.2 or later, the system's CA store plus
/// `ca_file` when given, and peer verification unless `verify_peer` is false.
/// Throws std::invalid_argument when `ca_file` cannot be loaded.
void configure_client_tls(boost::asio::ssl::context& ctx, const std::string& ca_file,
                          bool verify_peer);

} // namespace lastgram::net::detail
