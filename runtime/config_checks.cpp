#include "runtime/config_checks.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "actors/cluster/endpoint.hpp"

namespace lastgram::runtime::checks {

namespace {

using sv = std::string_view;

bool url_safe(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

} // namespace

std::optional<std::string> non_empty(const std::string& v) {
  if (v.empty())
    return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> http_url(const std::string& v) {
  for (sv scheme : {sv{"http://"}, sv{"https://"}})
    if (v.size() > scheme.size() && v.compare(0, scheme.size(), scheme) == 0)
      return std::nullopt;
  return "must start with http:// or https://";
}

std::optional<std::string> optional_http_url(const std::string& v) {
  return v.empty() ? std::nullopt : http_url(v);
}

std::optional<std::string> path_segment(const std::string& v) {
  if (!std::all_of(v.begin(), v.end(), url_safe))
    return "may only hold letters, digits, '_' and '-'";
  return std::nullopt;
}

// Telegram's own rule for secret_token. The message never shows the value.
std::optional<std::string> webhook_secret(const std::string& v) {
  if (v.empty() || v.size() > 256 || !std::all_of(v.begin(), v.end(), url_safe))
    return "must be 1-256 characters of A-Z, a-z, 0-9, '_' and '-' (Telegram's rule for "
           "secret_token)";
  return std::nullopt;
}

std::optional<std::string> optional_language(const std::string& v) {
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  if (!std::all_of(v.begin(), v.end(), ok))
    return "is not a language tag like \"en\" or \"pt-BR\"";
  return std::nullopt;
}

std::optional<std::string> language(const std::string& v) {
  return v.empty() ? non_empty(v) : optional_language(v);
}

std::optional<std::string> developer_id(const std::string& v) {
  auto colon = v.find(':');
  auto platform = v.substr(0, colon);
  bool known = platform == "telegram" || platform == "discord" || platform == "console";
  if (colon == std::string::npos || !known || colon + 1 == v.size()
      || v.find_first_of(" \t", colon) != std::string::npos)
    return "\"" + v + "\" is not \"platform:id\" (platform: telegram, discord or console)";
  return std::nullopt;
}

std::optional<std::string> cluster_address(const std::string& v) {
  if (cluster::is_wildcard(v))
    return "would publish on every interface; give a loopback or private address";
  return std::nullopt;
}

std::optional<std::string> cluster_endpoint(const std::string& v) {
  std::string why;
  if (!cluster::parse_endpoint(v, &why))
    return "\"" + v + "\" " + why;
  return std::nullopt;
}

std::optional<std::string> role_name(const std::string& v) {
  if (v.empty() || !std::all_of(v.begin(), v.end(), url_safe))
    return "\"" + v + "\" is not a role name (letters, digits, '_' and '-')";
  return std::nullopt;
}

} // namespace lastgram::runtime::checks

namespace lastgram::runtime::checks {

std::optional<std::string> optional_snowflake(const std::string& v) {
  if (v.size() > 20 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "is not a Discord id (up to 20 decimal digits)";
  return std::nullopt;
}

std::optional<std::string> optional_ed25519_key(const std::string& v) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (!v.empty() && (v.size() != 64 || !std::all_of(v.begin(), v.end(), hex)))
    return "must be the application's public key: 64 hex digits";
  return std::nullopt;
}

} // namespace lastgram::runtime::checks
