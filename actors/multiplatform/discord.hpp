#pragma once

/// The Discord platform actor of the multiplatform engine: takes
/// interactions (from the HTTP endpoint, or as gateway dispatches), runs
/// them through the command and event engines and answers within Discord's
/// three seconds: at once when the answer is ready, else deferred and
/// finished by editing @original over REST.
///
/// Its typed door, `discord_actor`, is declared in messages/discord.hpp.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "messages/db.hpp"
#include "messages/discord.hpp"
#include "messages/settings.hpp"

namespace lastgram {
namespace database {
class direct_reads;
} // namespace database

struct engine_handles;
} // namespace lastgram

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::server {
class http_server;
} // namespace lastgram::server

namespace lastgram::multiplatform {

/// What the Discord actor needs.
struct discord_options {
  discord_settings settings;
  std::string default_language = "en";
  /// Deadline for one answer of the command or event engine.
  std::chrono::milliseconds command_timeout{16000};
  /// How long an interaction waits for its answer before it is deferred
  /// (Discord drops an interaction not answered within 3 s).
  std::chrono::milliseconds answer_within{2000};
  std::shared_ptr<net::http_client> http;
  std::shared_ptr<const i18n::catalog> texts;
  std::shared_ptr<const engine_handles> engines;
  /// With a SQLite file, the inbox's writes on the actor's own thread
  /// (actors/database/direct_reads.hpp); null: through the database engine.
  std::shared_ptr<database::direct_reads> direct_db;
  /// The declared option names of a command (to order slash options as the
  /// command's arguments); empty for an unknown command.
  std::function<std::vector<std::string>(const std::string&)> declared_options;
  /// The entity an option of a command names (artist, album, track), whose
  /// names its autocomplete suggests; nothing for other options.
  std::function<std::optional<entity_kind>(const std::string& command, const std::string& option)>
    suggested_kind;
  /// The command each user context-menu command runs, by the menu's name.
  std::map<std::string, std::string> user_menus;
};

discord_actor spawn_discord(caf::local_actor* parent, std::shared_ptr<const discord_options> opts);

/// Registers `POST /discord/interactions`: a bad or missing signature, or a
/// timestamp older than discord.signature-max-age-seconds, gets 401 and
/// nothing runs; a body that is not an interaction 400; a PING `{"type":1}`;
/// anything else is answered with what `discord()` answers (503 when the
/// Discord actor is not running).
void add_interactions_route(server::http_server& srv, const discord_settings& settings,
                            std::function<discord_actor()> discord);

} // namespace lastgram::multiplatform
