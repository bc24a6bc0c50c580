#include "runtime/config_urls.hpp"

#include <algorithm>
#include <string_view>

#include "actors/caching/redis_client.hpp"
#include "actors/logging/url_secrets.hpp"

namespace lastgram::runtime {
namespace {

using sv = std::string_view;

const std::string postgres_shape
  = "must be a PostgreSQL URL, postgresql://user:password@host:port/database";

/// libpq refuses a '%' not followed by two hex digits, and %00.
bool valid_escapes(sv x) {
  auto decoded = log::percent_decode(x, true);
  return decoded && decoded->find('\0') == std::string::npos;
}

bool valid_port(sv port) {
  if (port.empty() || port.size() > 5
      || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  auto value = std::stoul(std::string{port});
  return value >= 1 && value <= 65535;
}

/// One `host[:port]` or `[v6][:port]` of the host list; empty hosts are
/// allowed here (libpq then uses its default), the caller wants one at least.
std::optional<std::string> check_host(sv item, bool& named) {
  sv host = item, port;
  if (!item.empty() && item.front() == '[') {
    auto close = item.find(']');
    if (close == sv::npos)
      return postgres_shape + " (an IPv6 host lacks its closing ']')";
    host = item.substr(1, close - 1);
    auto after = item.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return postgres_shape + " (unexpected text after an IPv6 host)";
    port = after.empty() ? sv{} : after.substr(1);
    if (!after.empty() && port.empty())
      return postgres_shape + " (an empty port)";
  } else if (auto colon = item.find(':'); colon != sv::npos) {
    host = item.substr(0, colon);
    port = item.substr(colon + 1);
    if (port.empty())
      return postgres_shape + " (an empty port)";
  }
  if (!port.empty() && !valid_port(port))
    return postgres_shape + " (a port is not a number 1..65535)";
  if (host.find('@') != sv::npos)
    return postgres_shape + " (an '@' after the user name: percent-encode it as %40 in a "
                            "password)";
  named = named || !host.empty();
  return std::nullopt;
}

/// `key=value&...`; true in `has_host` when a non-empty host= is among them.
std::optional<std::string> check_query(sv query, bool& has_host) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (eq == sv::npos || eq == 0 || pair.find('=', eq + 1) != sv::npos)
      return postgres_shape + " (a query parameter is not key=value)";
    if (pair.substr(0, eq) == "host" && eq + 1 < pair.size())
      has_host = true;
    query = amp == sv::npos ? sv{} : query.substr(amp + 1);
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> check_postgres_url(const std::string& v) {
  if (v.empty())
    return std::nullopt;
  sv rest = v;
  if (rest.rfind("postgresql://", 0) == 0)
    rest.remove_prefix(13);
  else if (rest.rfind("postgres://", 0) == 0)
    rest.remove_prefix(11);
  else
    return postgres_shape + " (the scheme must be postgresql:// or postgres://)";
  if (!valid_escapes(rest))
    return postgres_shape + " (a '%' is not followed by two hex digits, or encodes NUL; "
                            "percent-encode '%' as %25)";
  // As libpq: user-info ends at the first '@' before any '/'.
  if (auto at = rest.find_first_of("@/"); at != sv::npos && rest[at] == '@')
    rest.remove_prefix(at + 1);
  auto hosts_end = rest.find_first_of("/?");
  auto hosts = rest.substr(0, hosts_end);
  bool named = false;
  for (std::size_t start = 0;;) {
    auto comma = hosts.find(',', start);
    if (auto e = check_host(hosts.substr(start, comma - start), named))
      return e;
    if (comma == sv::npos)
      break;
    start = comma + 1;
  }
  if (auto q = rest.find('?'); q != sv::npos)
    if (auto e = check_query(rest.substr(q + 1), named))
      return e;
  if (!named)
    return postgres_shape + " (no host: name one, or a socket directory with ?host=)";
  return std::nullopt;
}

std::optional<std::string> check_redis_url(const std::string& v) {
  if (v.empty() || caching::parse_redis_url(v))
    return std::nullopt;
  return std::string("must be a Redis URL, redis://[[user]:password@]host[:port][/db] "
                     "(percent-encode '/' in a password as %2F; rediss:// is not supported)");
}

} // namespace lastgram::runtime
