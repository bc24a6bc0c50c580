#pragma once

/// A Telegram Bot API emulator for tests: the npm package telegram-test-api
/// 4.2.1 (tests/telegram/package.json; `npm ci` there, as scripts/test.sh
/// does) run by tests/telegram/emulator.js on 127.0.0.1, plus client-side
/// helpers that act as the users talking to the bot.
///
/// What the package does (read from its source, lib/ of 4.2.1):
/// - One HTTP server; all state in memory, kept per bot token (any token is
///   accepted). Message ids and update ids are two global counters shared by
///   every chat and by bot and user messages; ids start at 1.
/// - Bot side, `/bot<token>/<method>` (GET or POST; JSON, form or query
///   parameters; method names case-insensitive):
///   - getMe: always {id: 666, first_name: "Test First name",
///     username: "TestNameBot"} (no is_bot).
///   - getUpdates: every not yet delivered user update of the token, marked
///     delivered as it is sent. Ignores `offset` (an update is never sent
///     twice, so one lost in transit is gone), `limit` and `allowed_updates`;
///     answers at once whatever `timeout` says. Still answers while a webhook
///     is set (Telegram answers 409), with nothing since updates then go to
///     the webhook.
///   - sendMessage: stores the request body as a bot message and answers it
///     plus message_id, date (in ms) and chat {id: chat_id, type "private"}.
///     Any chat_id is accepted (no 400 chat not found, no 403 blocked, no 429).
///     Fields are kept verbatim: `reply_parameters` and
///     `reply_to_message_id` alike (neither is checked), `reply_markup` is
///     parsed from a string when needed but only returned when it is an inline
///     keyboard.
///   - editMessageText / editMessageReplyMarkup: merge the body into the
///     stored message with that chat_id and message_id; `ok` with result null
///     even when there is no such message or nothing changed.
///   - deleteMessage: removes a stored user or bot message (400 when absent).
///   - answerCallbackQuery: ok, result null, nothing checked or kept.
///   - setWebhook: keeps the whole body (url, secret_token, ...) and answers
///     result null; deleteWebhook forgets it (result true).
///   - Any other method (sendPhoto, answerInlineQuery, setMyCommands,
///     sendChatAction, ...): HTTP 500 `{"message": "API method ... is not
///     supported..."}`, not a Bot API error object. Errors of the package are
///     the same 500 shape.
/// - Webhook: while one is set, each user update is POSTed (axios, JSON) to
///   its url instead of being stored, without X-Telegram-Bot-Api-Secret-Token,
///   without a deadline; a refused delivery rejects a promise nobody awaits
///   (Node then exits). A bot message sent while that POST is in flight gets
///   the same message_id as the user message.
/// - User side (POST, JSON): /sendMessage and /sendCommand take a whole
///   Message (plus `botToken`) and store it verbatim as a `message` update:
///   from, chat (type private/group/supergroup, title), language_code,
///   reply_to_message, entities are whatever the client sends; message_id is
///   assigned; the answer is result null (the id is not returned), and the
///   update carries the extra field botToken. /sendCallback takes {botToken,
///   from, message, data} and makes a callback_query update with a numeric
///   string id (no chat_instance). /getUpdates {token, chatId} returns, once,
///   the stored bot messages of a chat; /getUpdatesHistory {token} returns
///   every stored bot and user update of the token. No inline queries at all,
///   no edited messages, no my_chat_member.
///
/// What tests/telegram/emulator.js adds (the package is otherwise untouched):
/// getUpdates long-polls up to `timeout` seconds (at most 50; a poll whose
/// client left consumes nothing); sendPhoto is stored like sendMessage (photo
/// and caption as sent); answerCallbackQuery answers true, 400 for an id never
/// handed out, and is recorded; answerInlineQuery and setMyCommands answer
/// true and are recorded; webhook POSTs carry the secret_token header, have a
/// 10 s deadline and skip proxies, and a refused one is reported to the
/// sender; updates carry no botToken; callback queries get a chat_instance;
/// POST /lastgram/sendMessage, /lastgram/sendCallback and
/// /lastgram/sendInlineQuery send as a user and answer the ids the bot will
/// see; POST /lastgram/state {botToken} answers what was recorded.
///
/// Still missing: offset and allowed_updates, Bot API error answers (400,
/// 403, 429 with retry_after), edited_message and my_chat_member updates,
/// editMessageCaption, sendChatAction and other methods.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lastgram::test {

class child_process;

/// A Telegram account as updates describe it.
struct tg_user {
  std::int64_t id = 0;
  std::string first_name;
  /// The following are omitted from updates when empty.
  std::string last_name;
  std::string username;
  /// Telegram's IETF language tag of the user's client, e.g. "pt-br".
  std::string language_code;
  bool is_bot = false;
};

/// A chat as updates describe it.
struct tg_chat {
  std::int64_t id = 0;
  /// "private", "group" or "supergroup".
  std::string type = "private";
  /// The group's title; unused for private chats.
  std::string title;

  /// The private chat of `user` with the bot (Telegram gives it the user's id).
  static tg_chat private_with(const tg_user& user);
  /// A group or supergroup; ids of groups are negative (e.g. -100123).
  static tg_chat group(std::int64_t id, std::string title, bool supergroup = false);
};

/// The earlier message a user message replies to.
struct tg_reply_to {
  std::int64_t message_id = 0;
  /// Its author (telegram_emulator::bot_user() for a bot message).
  tg_user author;
  /// Its text; omitted when empty.
  std::string text;
};

/// What the emulator did with something a simulated user sent.
struct tg_sent {
  /// False when a webhook is set and refused (or did not answer) the update;
  /// `error` then says why.
  bool ok = true;
  std::string error;
  /// The id the bot sees: message_id of a message (0 for queries).
  std::int64_t message_id = 0;
  /// The id of a callback query or inline query ("" for messages).
  std::string query_id;
  std::int64_t update_id = 0;
};

/// One button of an inline keyboard.
struct tg_button {
  std::string text;
  std::string callback_data;
  std::string url;
};

/// A message the bot sent (sendMessage or sendPhoto), as it stands after any
/// editMessageText / editMessageReplyMarkup.
struct tg_bot_message {
  std::int64_t message_id = 0;
  std::int64_t chat_id = 0;
  std::string text;
  std::string parse_mode;
  /// reply_parameters.message_id, else reply_to_message_id; 0 for none.
  std::int64_t reply_to_message_id = 0;
  bool allow_sending_without_reply = false;
  bool link_preview_disabled = false;
  /// The reply_markup object as compact JSON; "" for none.
  std::string reply_markup;
  /// The inline keyboard's buttons, row after row.
  std::vector<tg_button> buttons;
  /// sendPhoto's photo (URL or file id) and caption; "" for text messages.
  std::string photo;
  std::string caption;
  /// Everything the bot sent for it, as compact JSON.
  std::string json;
};

/// An answerCallbackQuery the bot made.
struct tg_callback_answer {
  std::string callback_query_id;
  std::string text;
  bool show_alert = false;
  std::string url;
};

/// An answerInlineQuery the bot made.
struct tg_inline_answer {
  std::string inline_query_id;
  /// The results array as compact JSON.
  std::string results;
  int cache_time = 300;
  bool is_personal = false;
  std::string next_offset;
};

/// The emulator as a child process (`node tests/telegram/emulator.js <port>`)
/// on a free loopback port, stopped by the destructor. Every call is a
/// synchronous loopback HTTP request with a deadline and throws
/// std::runtime_error when the emulator does not answer properly. Not
/// thread-safe: use it from the test's thread.
class telegram_emulator {
public:
  /// The token the helpers act for unless told otherwise.
  static constexpr const char* default_token = "123456:TEST-emulator_token";
  /// getMe's fixed answer.
  static constexpr std::int64_t bot_id = 666;
  static constexpr const char* bot_username = "TestNameBot";

  /// Starts the emulator and waits until it listens; throws
  /// std::runtime_error (with the emulator's stderr) when it cannot.
  explicit telegram_emulator(std::string token = default_token);
  /// Ends the emulator (end of its stdin, then SIGKILL after 5 s).
  ~telegram_emulator();
  telegram_emulator(const telegram_emulator&) = delete;
  telegram_emulator& operator=(const telegram_emulator&) = delete;

  const std::string& token() const { return token_; }
  unsigned short port() const { return port_; }
  /// The Bot API base URL, what `[telegram] api-url` should be:
  /// "http://127.0.0.1:<port>".
  std::string api_url() const;
  /// The bot as the author of a message (reply targets, callback messages).
  static tg_user bot_user();

  /// `from` sends `text` in `chat`, optionally replying to an earlier
  /// message. A text starting with '/' gets a bot_command entity, as
  /// Telegram gives it.
  tg_sent send_message(const tg_user& from, const tg_chat& chat,
                       const std::string& text,
                       const std::optional<tg_reply_to>& reply_to = std::nullopt);

  /// A service message without text from `from` in `chat`: `left` left the
  /// group (`left_chat_member`), and/or the group became the supergroup
  /// `migrate_to` (`migrate_to_chat_id`, 0 for none).
  tg_sent send_service_message(const tg_user& from, const tg_chat& chat,
                               const std::optional<tg_user>& left,
                               std::int64_t migrate_to = 0);

  /// `from` presses the inline button with `callback_data` under the bot's
  /// message `bot_message_id` in `chat`; the callback_query carries that
  /// message as stored. Throws when the bot sent no such message.
  tg_sent press_button(const tg_user& from, const tg_chat& chat,
                       std::int64_t bot_message_id,
                       const std::string& callback_data);

  /// `from` types `@bot query` (inline mode). `chat_type` is Telegram's
  /// inline_query.chat_type ("sender", "private", "group", ...); "" omits it.
  tg_sent send_inline_query(const tg_user& from, const std::string& query,
                            const std::string& offset = "",
                            const std::string& chat_type = "sender");

  /// The bot's messages in `chat_id`, oldest first.
  std::vector<tg_bot_message> bot_messages(std::int64_t chat_id);
  /// The bot's messages in every chat, oldest first.
  std::vector<tg_bot_message> all_bot_messages();
  /// Polls every 20 ms until `chat_id` holds at least `n` bot messages or
  /// `timeout` passes; returns the messages there are then (check the size).
  std::vector<tg_bot_message>
  wait_for_bot_messages(std::int64_t chat_id, std::size_t n,
                        std::chrono::milliseconds timeout = std::chrono::seconds{10});

  /// The bot's answerCallbackQuery and answerInlineQuery calls, in order.
  std::vector<tg_callback_answer> callback_answers();
  std::vector<tg_inline_answer> inline_answers();
  /// The last setMyCommands `commands` array for the default scope and
  /// `language_code`, as compact JSON; "" when never set.
  std::string commands(const std::string& language_code = "");
  /// What getChatMember answers for `user_id` in `chat_id` from now on:
  /// "creator", "administrator", "member" (everyone's default), "restricted",
  /// "left" or "kicked".
  void set_chat_member(std::int64_t chat_id, std::int64_t user_id, const std::string& status);
  /// How many getChatMember calls the bot made.
  std::int64_t chat_member_calls();
  /// The webhook the bot set (url and secret_token); nullopt when none.
  struct webhook_info {
    std::string url;
    std::string secret_token;
  };
  std::optional<webhook_info> webhook();

  /// POSTs `json_body` to the emulator's `path` and returns the HTTP status
  /// and body, for what the helpers do not cover.
  std::pair<unsigned, std::string> post(const std::string& path,
                                        const std::string& json_body);

  /// What the emulator wrote to stderr so far (for failure messages).
  std::string diagnostics();

private:
  // Runs a /lastgram/send* route and reads the ids it answers.
  tg_sent send_update(const std::string& route, const std::string& body);
  // The `result` of a POST that must answer {"ok":true}, as compact JSON.
  std::string result_of(const std::string& path, const std::string& body);

  std::string token_;
  unsigned short port_ = 0;
  std::unique_ptr<child_process> process_;
};

} // namespace lastgram::test
