#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lastgram::net {

/// The parts of an absolute http:// or https:// URL that a request needs.
struct parsed_url {
  /// True for https://.
  bool tls = false;
  /// Lower-cased host name or IP literal; IPv6 literals without brackets.
  std::string host;
  /// The explicit port, or 80 / 443 by scheme.
  std::uint16_t port = 0;
  /// Path and query ("/" at least), without the fragment.
  std::string target;

  /// The Host header value: the host, plus ":port" when it is not the default.
  std::string host_header() const;

  /// Identifies the connection pool this URL belongs to ("https://host:port").
  std::string origin() const;
};

/// Parses an absolute http(s) URL; std::nullopt when it is not one we can send.
/// User info ("user:pass@") is refused so that credentials never end up in
/// a URL that gets logged; control characters and spaces are refused so that
/// a URL cannot smuggle extra header lines.
std::optional<parsed_url> parse_url(std::string_view url);

} // namespace lastgram::net
