#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "caf/event_based_actor.hpp"
#include "caf/typed_response_promise.hpp"

#include "actors/command/environment.hpp"
#include "actors/command/parser.hpp"
#include "i18n/catalog.hpp"
#include "messages/cache.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/fm_engine.hpp"
#include "messages/image.hpp"
#include "messages/indexer.hpp"
#include "messages/lyrics.hpp"
#include "messages/model.hpp"

namespace lastgram::command {

struct command_spec;

/// One command run: the message, the parsed command and its spec, the
/// language to answer in, and a snapshot of the engine's counters.
struct invocation {
  incoming_message message;
  parsed_command command;
  const command_spec* spec = nullptr;
  std::shared_ptr<const environment> env;
  std::string language;
  command_stats stats;
  /// The author and, for a reply to a user, the replied-to user, as the
  /// database knows them (only fetched for commands with user guards or
  /// needs_user; otherwise both not found).
  guard_users users;
  /// The message replies to another person (not a bot, not a channel post).
  bool replies_to_user = false;
};

/// What a command body works with. Cheap to copy: copies share one run, so a
/// command that answers later (after a request to another engine) captures
/// the context by value in its callbacks, calls defer() before returning and
/// finish() when done.
class context {
public:
  using promise_type = caf::typed_response_promise<command_result>;

  context(caf::event_based_actor* self, std::shared_ptr<const invocation> inv,
          promise_type promise);

  const incoming_message& message() const { return state_->inv->message; }
  const parsed_command& command() const { return state_->inv->command; }
  const command_spec& spec() const { return *state_->inv->spec; }
  const environment& env() const { return *state_->inv->env; }
  const std::string& language() const { return state_->inv->language; }
  const command_stats& stats() const { return state_->inv->stats; }
  caf::event_based_actor* self() const { return state_->self; }

  /// The author as the database knows them.
  const user_lookup& author() const { return state_->inv->users.author; }
  /// Whom the command is about: the replied-to user for a reply to a person,
  /// otherwise the author (what "targetable" commands show).
  const user_lookup& subject() const {
    auto& inv = *state_->inv;
    return inv.replies_to_user ? inv.users.target : inv.users.author;
  }
  /// The display name of subject() on the platform.
  std::string subject_name() const;

  /// Handles of the other engines (invalid handles when not running: a
  /// request to one fails at once with an error).
  database_actor database() const;
  fm_actor fm() const;
  cache_actor cache() const;
  lyrics_actor lyrics() const;
  image_actor image() const;
  /// The library indexer; invalid when indexing is off on this node.
  indexer_actor indexer() const;
  std::chrono::milliseconds engine_timeout() const { return env().engine_timeout; }

  /// Replies with the translation of `key` as plain text and finishes.
  void reply_text(std::string_view key, std::initializer_list<i18n::arg> args = {});

  /// Replies with the localized message for an engine error (Last.fm not
  /// found / private / unavailable / busy, storage unavailable, ...) and
  /// finishes. `name` fills {name} where the message has one.
  void reply_error(const caf::error& err, const std::string& name = {});

  /// Looks up a translated text in the run's language.
  std::string text(std::string_view key,
                   std::initializer_list<i18n::arg> args = {}) const;

  /// Queues a reply that quotes the command message.
  void reply(rich_text text);
  void reply(outgoing_reply r);

  /// A button that, when pressed, runs `command` with `args` (e.g. "config"
  /// with {"tags", "off"}) through the command engine as the person who
  /// pressed it, in the chat's turn, guards included; its
  /// answer replaces the message holding the button (see messages/event.hpp).
  /// With `owner_only` only the author of this command may press it (others
  /// get an alert). The button's state waits in the cache for `ttl`, under a
  /// random token carried in its callback data ("b:<token>", 24 bytes);
  /// finish() sends the replies only once the cache has taken every button
  /// of the run (or failed to, within a short deadline: such a button is
  /// logged and left out of the replies).
  button action_button(std::string label, std::string command, std::vector<std::string> args,
                       bool owner_only = true,
                       std::chrono::seconds ttl = std::chrono::minutes{15});

  /// How the run ends when it is not a plain success (default ok), e.g.
  /// `busy` when an engine was full: counted under that outcome, and a
  /// button press whose run ends so shows the first reply as an alert and
  /// leaves the message that holds the button as it was.
  void set_outcome(command_outcome outcome) { state_->outcome = outcome; }

  /// The command answers later; the run stays open until finish().
  void defer() { state_->deferred = true; }
  bool deferred() const { return state_->deferred; }

  /// Sends the queued replies and ends the run (idempotent); with buttons
  /// still being stored, as soon as the cache has answered for them.
  void finish();

  /// Runs `fn` in this run's actor after `delay` (the run must be deferred).
  void after(std::chrono::milliseconds delay, std::function<void()> fn);

  /// The continuation scheduled by after() under `id`, for the run's actor.
  static void fire(caf::event_based_actor* self, std::uint64_t id);

private:
  struct state {
    caf::event_based_actor* self;
    std::shared_ptr<const invocation> inv;
    promise_type promise;
    command_result result;
    bool deferred = false;
    bool finished = false;
    command_outcome outcome = command_outcome::ok;
    /// Buttons whose state the cache has not acknowledged yet.
    std::uint32_t pending_buttons = 0;
    /// Callback data of buttons the cache did not store: left out.
    std::vector<std::string> lost_buttons;
    /// Why the first of them was not stored, for the log.
    std::string lost_reason;
  };
  std::shared_ptr<state> state_;

  /// Sends the result once finish() was called and no button is pending.
  static void flush(state& st);
};

} // namespace lastgram::command
