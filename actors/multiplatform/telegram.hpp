#pragma once

/// The Telegram platform actor of the multiplatform engine: receives updates
/// (long polling, or webhook POSTs handed over by the server engine), turns
/// them into the common model for the command and event engines, and sends
/// what they answer through the per-chat send limiter and the Bot API.
///
/// Its typed door, `telegram_actor`, is declared in messages/telegram.hpp;
/// the implementation is split by concern (see telegram_state.hpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "caf/fwd.hpp"

#include "messages/settings.hpp"
#include "messages/telegram.hpp"

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
class image_store;
} // namespace lastgram::server

namespace lastgram::multiplatform {

/// What the Telegram actor needs.
struct telegram_options {
  telegram_settings settings;
  std::string default_language = "en";
  /// Deadline for one answer of the command or event engine.
  std::chrono::milliseconds command_timeout{16000};
  std::shared_ptr<net::http_client> http;
  std::shared_ptr<const i18n::catalog> texts;
  /// The other engines (command, event, database, caching) behind their
  /// typed doors; a handle is invalid while its engine is not running.
  std::shared_ptr<const engine_handles> engines;
  /// With a SQLite file, the inbox's writes on the actor's own thread
  /// (actors/database/direct_reads.hpp); null: through the database engine.
  std::shared_ptr<database::direct_reads> direct_db;
  /// Polling mode in a cluster: whether this node is the one that polls
  /// (asked before every getUpdates, and every second while it is not).
  /// Unset: always.
  std::function<bool()> may_poll;
  /// Where inline answers put pictures the bot drew, served by the server
  /// engine under settings.public_url; null (or no public_url): such answers
  /// are left out.
  std::shared_ptr<server::image_store> images;
};

/// Spawns the Telegram actor. In polling mode it calls getMe, deleteWebhook,
/// loads the stored offset and long-polls; in webhook mode it only calls
/// getMe and waits for (tg_update_atom, parsed_update).
telegram_actor spawn_telegram(caf::local_actor* parent,
                              std::shared_ptr<const telegram_options> opts);

/// Registers `POST <webhook route>` on the server: a wrong or missing
/// X-Telegram-Bot-Api-Secret-Token gets 401, a body that is not an update
/// 400, anything else 200 once `telegram()` stored it durably in the inbox
/// (then it handles it), 503 when it could not be stored or the Telegram
/// actor is not running, so that Telegram retries.
void add_webhook_route(server::http_server& srv, const telegram_settings& settings,
                       std::function<telegram_actor()> telegram);

} // namespace lastgram::multiplatform
