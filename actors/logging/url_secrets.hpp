#pragma once

/// The pieces of a secret URL that can reach a log line on their own. Pure
/// string work, no CAF: runtime/config.cpp registers every piece with
/// log::add_secret, so that a driver quoting only the password (libpq's
/// "invalid percent-encoded token: ..." does) is redacted too.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::log {

/// For `scheme://[user-info@]host...`: the user-info ("user:password") and
/// the password, each as written and percent-decoded (escapes that are not
/// valid %XX kept as written, as a lenient driver would), plus the value of
/// any `password=` query parameter (libpq reads one). Both the first and the
/// last '@' are tried as the end of the user-info, since a hostile password
/// may hold '@', '/' or '?'. Empty for a value that is not a URL; never the
/// URL itself, and possibly pieces too short to be worth redacting
/// (log::add_secret ignores those).
std::vector<std::string> url_secret_parts(std::string_view value);

/// `x` with every %XX decoded. A '%' that does not start a valid escape
/// makes it nullopt when `strict`, else it is kept as written. Shared with
/// the URL parsers (caching::parse_redis_url, runtime's URL checks).
std::optional<std::string> percent_decode(std::string_view x, bool strict);

} // namespace lastgram::log
