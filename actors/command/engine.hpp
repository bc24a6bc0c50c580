#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "caf/fwd.hpp"

#include "messages/command.hpp"

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::command {

struct environment;

/// Spawns the command engine: it parses what users send, checks guards and
/// runs each command in its own short-lived actor, answering the platform
/// with a command_result (see messages/command.hpp). A run that throws,
/// fails or times out is answered with a localized apology, logged with its
/// command, platform, chat and reason, and counted as a restart of the
/// command engine's workers; other runs never notice.
command_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<const environment> env);

/// The language to answer someone in before the database is asked: the
/// platform's hint (e.g. Telegram's "pt-BR") when the catalog supports it,
/// else the node's default language. Used for every text written before a
/// user's stored choice is known (and by the event engine for its alerts).
std::string pick_language(const environment& env, std::string_view hint);

/// The same for callers without an environment (platforms): `texts` and the
/// node's `default_language`.
std::string pick_language(const i18n::catalog& texts, std::string_view default_language,
                          std::string_view hint);

} // namespace lastgram::command
