#pragma once

/// Cluster endpoints as operators write them ("host:port", "[::1]:4280") and
/// the loopback test that decides whether plain TCP is allowed. Pure, no CAF:
/// the configuration check and the CLI use it too.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lastgram::cluster {

struct endpoint {
  /// Host name or address, without brackets.
  std::string host;
  std::uint16_t port = 0;

  /// "host:port", or "[v6]:port" when the host holds a colon.
  std::string to_string() const;
};

/// Parses "host:port" or "[ipv6]:port" with a port of 1..65535. On failure
/// returns nullopt and, when `why` is given, says what is wrong.
std::optional<endpoint> parse_endpoint(std::string_view text, std::string* why = nullptr);

/// Whether `host` names this machine's loopback: "localhost", 127.0.0.0/8 or
/// ::1. Anything else may reach another machine.
bool is_loopback(std::string_view host);

/// Whether `host` means "every interface" (0.0.0.0, ::, empty), which a
/// cluster endpoint must never be published on.
bool is_wildcard(std::string_view host);

} // namespace lastgram::cluster
