#pragma once

/// The rules for single configuration values that more than a range or a
/// list of words: each returns why a value is refused (never quoting a
/// secret), or nothing. Internal to runtime/config*.

#include <optional>
#include <string>

namespace lastgram::runtime::checks {

/// Not empty.
std::optional<std::string> non_empty(const std::string& v);

/// An http:// or https:// URL.
std::optional<std::string> http_url(const std::string& v);

/// Empty, or an http(s) URL.
std::optional<std::string> optional_http_url(const std::string& v);

/// Letters, digits, '_' and '-' only (a URL path segment).
std::optional<std::string> path_segment(const std::string& v);

/// Telegram's rule for a webhook secret_token.
std::optional<std::string> webhook_secret(const std::string& v);

/// Empty, or a language tag like "en" or "pt-BR".
std::optional<std::string> optional_language(const std::string& v);

/// A language tag like "en" or "pt-BR".
std::optional<std::string> language(const std::string& v);

/// "platform:id" for telegram, discord or console.
std::optional<std::string> developer_id(const std::string& v);

/// An address to publish on that is not every interface.
std::optional<std::string> cluster_address(const std::string& v);

/// A "host:port" endpoint.
std::optional<std::string> cluster_endpoint(const std::string& v);

/// A role name: letters, digits, '_' and '-'.
std::optional<std::string> role_name(const std::string& v);

} // namespace lastgram::runtime::checks

namespace lastgram::runtime::checks {

/// Empty, or a Discord snowflake (1-20 decimal digits).
std::optional<std::string> optional_snowflake(const std::string& v);

/// Empty, or an Ed25519 public key as 64 hex digits.
std::optional<std::string> optional_ed25519_key(const std::string& v);

} // namespace lastgram::runtime::checks
