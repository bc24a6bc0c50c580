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

/// `text` with whatever of `url` may carry a secret replaced by "***": its
/// path and query, each path segment and query value, and a segment's tail
/// after a leading word (the token in "/bot<token>/"); the whole URL when it
/// does not parse. Parts under 4 characters are left alone. The host and
/// port stay, so an error text built from an exception still says where.
std::string redact_url(std::string text, std::string_view url);

} // namespace lastgram::net
