#include "platforms/net/url.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace lastgram::net {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != prefix[i])
      return false;
  return true;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5)
    return std::nullopt;
  unsigned value = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

} // namespace

std::string parsed_url::host_header() const {
  std::string h = bracketed(host);
  if (port != (tls ? 443 : 80))
    h += ":" + std::to_string(port);
  return h;
}

std::string parsed_url::origin() const {
  return std::string(tls ? "https://" : "http://") + bracketed(host) + ":" + std::to_string(port);
}

std::optional<parsed_url> parse_url(std::string_view url) {
  auto bad_char = [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; };
  if (std::any_of(url.begin(), url.end(), bad_char))
    return std::nullopt;

  parsed_url out;
  if (starts_with_nocase(url, "https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (starts_with_nocase(url, "http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }

  auto authority_end = url.find_first_of("/?#");
  auto authority = url.substr(0, authority_end);
  auto rest = authority_end == std::string_view::npos ? std::string_view{} : url.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return std::nullopt;

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    host = authority.substr(1, close - 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char))
      return std::nullopt;
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return std::nullopt;
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char))
      return std::nullopt;
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }

  out.port = out.tls ? 443 : 80;
  // "http://host:/" is legal (RFC 3986 allows an empty port) and means the default.
  if (has_port && !port_text.empty()) {
    auto port = parse_port(port_text);
    if (!port)
      return std::nullopt;
    out.port = *port;
  }
  out.host.reserve(host.size());
  for (char c : host)
    out.host += lower(c);

  rest = rest.substr(0, rest.find('#'));
  if (rest.empty())
    out.target = "/";
  else if (rest.front() == '?')
    out.target = "/" + std::string(rest);
  else
    out.target = std::string(rest);
  return out;
}

namespace {

// Shortest part worth redacting (as in the logging's rule): shorter ones
// would hit ordinary words.
constexpr std::size_t min_secret_length = 4;

/// Splits `s` at every character of `separators`.
std::vector<std::string_view> split_any(std::string_view s, std::string_view separators) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto end = s.find_first_of(separators, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos)
      return out;
    start = end + 1;
  }
}

/// The parts of a request target that may carry a secret.
std::vector<std::string> secret_parts(std::string_view target) {
  std::vector<std::string> parts{std::string{target}};
  auto q = target.find('?');
  auto path = target.substr(0, q);
  parts.emplace_back(path);
  for (auto segment : split_any(path, "/")) {
    parts.emplace_back(segment);
    auto word = std::find_if(segment.begin(), segment.end(), [](char c) {
      return !std::isalpha(static_cast<unsigned char>(c));
    });
    parts.emplace_back(segment.substr(static_cast<std::size_t>(word - segment.begin())));
  }
  if (q != std::string_view::npos)
    for (auto pair : split_any(target.substr(q + 1), "&;")) {
      parts.emplace_back(pair);
      if (auto eq = pair.find('='); eq != std::string_view::npos)
        parts.emplace_back(pair.substr(eq + 1));
    }
  return parts;
}

} // namespace

std::string redact_url(std::string text, std::string_view url) {
  auto parsed = parse_url(url);
  auto parts = parsed ? secret_parts(parsed->target) : std::vector<std::string>{std::string{url}};
  // Longest first, so that a whole target goes before the segments in it.
  std::sort(parts.begin(), parts.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& part : parts) {
    if (part.size() < min_secret_length)
      continue;
    for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 3))
      text.replace(pos, part.size(), "***");
  }
  return text;
}

} // namespace lastgram::net
