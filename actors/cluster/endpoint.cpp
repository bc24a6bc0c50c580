#include "actors/cluster/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace lastgram::cluster {

std::string endpoint::to_string() const {
  auto p = std::to_string(port);
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + p;
  return host + ":" + p;
}

std::optional<endpoint> parse_endpoint(std::string_view text, std::string* why) {
  auto fail = [why](const char* reason) -> std::optional<endpoint> {
    if (why)
      *why = reason;
    return std::nullopt;
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("is not \"[address]:port\"");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return fail("is not \"host:port\"");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return fail("is not \"host:port\" (write IPv6 addresses as \"[address]:port\")");
  }
  if (host.empty())
    return fail("has no host");
  if (host.find_first_of(" \t/") != std::string_view::npos)
    return fail("has a malformed host");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0
      || value > 65535)
    return fail("has no port in 1..65535");
  return endpoint{std::string{host}, static_cast<std::uint16_t>(value)};
}

bool is_loopback(std::string_view host) {
  if (host == "localhost")
    return true;
  std::string h{host};
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool is_wildcard(std::string_view host) {
  if (host.empty() || host == "*")
    return true;
  std::string h{host};
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1)
    return v4.s_addr == htonl(INADDR_ANY);
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1)
    return IN6_IS_ADDR_UNSPECIFIED(&v6);
  return false;
}

} // namespace lastgram::cluster
