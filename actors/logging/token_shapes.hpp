#pragma once

/// Secrets recognised by their shape, for the ones nobody registered: a
/// driver or an upstream may quote a token the node never saw (another bot's
/// token in a forwarded error, a session key in a Last.fm URL). Pure string
/// work, no CAF, no regex: the log writer runs it on every field of every
/// line, so it is one linear scan.
///
/// Shapes:
/// - a Telegram bot token, `<5-15 digits>:<30+ of [A-Za-z0-9_-]>`;
/// - a Discord token, three base64url segments `<20-40>.<5-10>.<25+>`;
/// - a 32-digit hexadecimal word (Last.fm API keys, secrets, session keys);
/// - the user-info of any URL, `scheme://user:password@host` (the `@` must
///   come before the host ends);
/// - the value after `Bot `, `Bearer ` or `Basic ` (authorization headers);
/// - the value of a `token=`, `key=`, `api_key=`, `sk=`, `secret=`,
///   `password=` or `api_sig=` parameter.
/// Each is written as `***`; the text around it is kept.

#include <string>
#include <string_view>

namespace lastgram::log {

/// True when `text` holds at least one of the shapes above.
bool has_token_shape(std::string_view text);

/// `text` with every shape above replaced by `***`.
std::string redact_token_shapes(std::string_view text);

} // namespace lastgram::log
