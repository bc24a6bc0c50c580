#pragma once

/// The pieces of webhook mode that are pure functions of the settings: the
/// route the server engine serves, the URL registered with setWebhook, the
/// check of Telegram's secret header and the update types the bot asks for.

#include <string>
#include <string_view>
#include <vector>

#include "messages/settings.hpp"

namespace lastgram::telegram {

/// The header in which Telegram echoes setWebhook's `secret_token`.
inline constexpr std::string_view secret_header = "X-Telegram-Bot-Api-Secret-Token";

/// "/telegram/<segment>": `webhook_path` when set, else the first 32 hex
/// digits of SHA-256("lastgram-webhook:" + token), so that the route is hard
/// to guess without being configured and stays the same across restarts.
std::string webhook_route(const telegram_settings& s);

/// `public_url` without trailing '/' followed by `webhook_route(s)`.
std::string webhook_url(const telegram_settings& s);

/// Whether `header_value` equals `secret`, in time that does not depend on
/// where they differ (both are hashed, then the digests compared in constant
/// time). Always false for an empty `secret`.
bool secret_matches(std::string_view header_value, std::string_view secret);

/// The update types the bot handles, for getUpdates and setWebhook:
/// message, edited_message, callback_query, inline_query, my_chat_member.
const std::vector<std::string>& allowed_updates();

} // namespace lastgram::telegram
