#pragma once

/// Checks of the secret URLs (LASTGRAM_DATABASE_URL, LASTGRAM_REDIS_URL), for
/// the schema's `secret(...)` rows: a URL that cannot work is refused by
/// `config check` and `run` instead of failing later, at every connection
/// attempt. The messages say what is expected and never quote the value.
/// Internal to runtime/config*.

#include <optional>
#include <string>

namespace lastgram::runtime {

/// A URL that libpq reads: `postgresql://` or `postgres://`, then
/// `[user[:password]@]host[:port][,host[:port]...][/database][?key=value&...]`
/// with valid %XX escapes (no %00), ports 1..65535, IPv6 hosts in brackets.
/// A host is required, in the authority or as a `host=` parameter (a Unix
/// socket directory). An empty value is fine: it means SQLite.
std::optional<std::string> check_postgres_url(const std::string& v);

/// A URL that the caching engine's parser (caching::parse_redis_url)
/// accepts; an empty value is fine: it means an in-process cache only.
std::optional<std::string> check_redis_url(const std::string& v);

} // namespace lastgram::runtime
