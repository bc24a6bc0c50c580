#include "actors/caching/redis_client.hpp"

// Redis URLs, apart from the client so the parsing reads on its own (and
// needs no hiredis).

#include <algorithm>
#include <charconv>

#include "actors/logging/url_secrets.hpp"

namespace lastgram::caching {

namespace {

bool all_digits(std::string_view x) {
  return !x.empty()
         && std::all_of(x.begin(), x.end(),
                        [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

std::optional<redis_endpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  auto rest = url.substr(scheme.size());
  redis_endpoint result;
  // Path: an optional database number.
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      if (!all_digits(db) || db.size() > 9)
        return std::nullopt;
      std::from_chars(db.data(), db.data() + db.size(), result.db);
    }
  }
  // User info: "[user]:password@" (the last '@', passwords may contain one).
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = info.find(':');
    if (colon == std::string_view::npos)
      return std::nullopt; // a user without a password means nothing to Redis
    auto user = log::percent_decode(info.substr(0, colon), true);
    auto password = log::percent_decode(info.substr(colon + 1), true);
    if (!user || !password || password->empty())
      return std::nullopt;
    result.username = std::move(*user);
    result.password = std::move(*password);
  }
  // Host and port; IPv6 literals in brackets.
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    host = rest.substr(1, close - 1);
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return std::nullopt;
      port = after.substr(1);
      if (port.empty())
        return std::nullopt;
    }
  } else {
    auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty())
        return std::nullopt;
    }
  }
  if (host.empty() || host.find_first_of(" ?#") != std::string_view::npos)
    return std::nullopt;
  result.host = std::string{host};
  if (!port.empty()) {
    if (!all_digits(port) || port.size() > 5)
      return std::nullopt;
    unsigned value = 0;
    std::from_chars(port.data(), port.data() + port.size(), value);
    if (value == 0 || value > 65535)
      return std::nullopt;
    result.port = static_cast<std::uint16_t>(value);
  }
  return result;
}

std::string describe(const redis_endpoint& x) {
  std::string result = "redis://";
  if (x.host.find(':') != std::string::npos)
    result += "[" + x.host + "]";
  else
    result += x.host;
  result += ":" + std::to_string(x.port) + "/" + std::to_string(x.db);
  return result;
}

std::vector<std::vector<std::string>> handshake_commands(const redis_endpoint& x) {
  std::vector<std::vector<std::string>> out;
  if (!x.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!x.username.empty())
      auth.push_back(x.username);
    auth.push_back(x.password);
    out.push_back(std::move(auth));
  }
  if (x.db != 0)
    out.push_back({"SELECT", std::to_string(x.db)});
  return out;
}

} // namespace lastgram::caching
