// The command engine's lines: each chat's commands take turns, one at a
// time in arrival order; a turn runs the guards, checks the arguments and
// launches the command in its own actor.

#include <algorithm>
#include <chrono>
#include <string>

#include "caf/all.hpp"

#include "actors/command/arguments.hpp"
#include "actors/command/engine.hpp"
#include "actors/support/wall_clock.hpp"
#include "actors/command/engine_detail.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/database/direct_reads.hpp"
#include "actors/logging/log.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/text.hpp"
#include "i18n/catalog.hpp"
#include "messages/database.hpp"

namespace lastgram::command::detail {

/// Characters of an unknown command's name quoted back to its sender.
constexpr std::size_t max_quoted_command = 32;

namespace {

void launch(engine_actor self, std::shared_ptr<invocation> inv, turn_ptr t,
            clock_type::time_point started);
void run_guards(engine_actor self, turn_ptr t, const command_spec* spec, const std::string& lang,
                clock_type::time_point started);

} // namespace


std::int64_t local_load_of(const engine_state& st) {
  return static_cast<std::int64_t>(st.turns.waiting() + st.turns.busy_chats());
}

std::int64_t load_of(const engine_state& st) {
  return local_load_of(st) + static_cast<std::int64_t>(st.forwards.size());
}

/// Answers a turn and starts its chat's next command, if any.
void answer(engine_actor self, const turn_ptr& t, command_result res) {
  t->promise.deliver(std::move(res));
  auto& st = self->state;
  auto next = st.turns.next(t->chat);
  st.admission.answered(clock_type::now(), local_load_of(st));
  st.queued.set(static_cast<double>(st.turns.waiting()));
  if (next)
    start(self, std::move(*next));
}

std::string chat_key(const incoming_message& msg) {
  auto platform = to_string(msg.platform);
  std::string key;
  key.reserve(platform.size() + 1 + msg.chat.id.size());
  key.append(platform).append(1, ':').append(msg.chat.id);
  return key;
}

turn_ptr make_turn(std::string chat, incoming_message msg, parsed_command parsed,
                   clock_type::time_point arrived,
                   caf::typed_response_promise<command_result> promise) {
  auto t = std::make_shared<turn>();
  t->chat = std::move(chat);
  t->msg = std::move(msg);
  t->parsed = std::move(parsed);
  t->arrived = arrived;
  t->promise = std::move(promise);
  return t;
}

namespace {

/// command starts.
void answer_text(engine_actor self, const turn_ptr& t, const std::string& lang,
                 std::string_view key, command_outcome outcome, const std::string& command,
                 clock_type::time_point started) {
  record(t->msg, command.empty() ? "unknown" : command, outcome, started);
  auto& texts = *self->state.env->texts;
  answer(self, t, text_result(t->msg, texts.format(lang, key), outcome, command));
}

/// The guards with every fact known, then the run.
void check_then_launch(engine_actor self, std::shared_ptr<invocation> inv, const turn_ptr& t,
                       clock_type::time_point started, const guard_facts& f) {
  if (auto failure = check_guards(inv->spec->guards, f)) {
    answer(self, t, refuse(*inv, failure->key, failure->name, command_outcome::guard_failed,
                           started));
    return;
  }
  if (self->state.draining) {
    answer(self, t, refuse(*inv, "errors.shutting_down", {}, command_outcome::shutting_down,
                           started));
    return;
  }
  launch(self, std::move(inv), t, started);
}

/// The guards' facts about users, and the language, from the database's
/// answer; then the run starts (or a guard refuses).
void launch_with_users(engine_actor self, std::shared_ptr<invocation> inv, turn_ptr t,
                       clock_type::time_point started, const guard_facts& facts,
                       guard_users&& users) {
  auto f = facts;
  f.author_registered = users.author.found;
  f.author_banned = users.author.found && users.author.user.banned;
  f.author_linked = users.author.found && users.author.user.has_session_key;
  f.author_crown_banned = users.author.found && users.author.user.crown_banned;
  f.target_registered = users.target.found;
  f.target_banned = users.target.found && users.target.user.banned;
  // The fallback chain: the language a group's administrators chose
  // for the group (everyone there reads the answer; /register stores
  // each user's client language, so a user's own would always win),
  // the user's, then the platform's hint (already in inv->language),
  // then English.
  auto& catalog = *self->state.env->texts;
  if (catalog.has(users.group_language))
    inv->language = users.group_language;
  else if (users.author.found && catalog.has(users.author.user.language))
    inv->language = users.author.user.language;
  inv->users = std::move(users);
  if (!(inv->spec->guards & guard_group_admin) || f.is_private || f.is_developer)
    return check_then_launch(self, std::move(inv), t, started, f);
  auto msg = inv->message;
  resolve_group_admin(
    self, msg, f,
    [self, inv, t, started](guard_facts g) { check_then_launch(self, inv, t, started, g); },
    [self, inv, t, started] {
      answer(self, t, refuse(*inv, "guard.group_admin_unknown", {},
                             command_outcome::failed, started));
    });
}

/// The author's language and the guards about users need the database:
/// one round trip for the author and the replied-to user together (on this
/// thread when SQLite can serve it directly); then the run starts (or a
/// guard refuses). A command that needs no user still runs when the
/// database is down, in the platform's language.
void check_users_then_launch(engine_actor self, std::shared_ptr<invocation> inv, turn_ptr t,
                             guard_facts facts, clock_type::time_point started,
                             bool users_required) {
  auto& env = *self->state.env;
  auto target_id = facts.replies_to_user ? inv->message.reply_to_author.id : std::string{};
  auto group_id = inv->message.chat.kind == chat_kind::group ? inv->message.chat.id
                                                              : std::string{};
  if (env.direct_reads && group_id.empty())
    if (auto users = env.direct_reads->facts(inv->message.platform, inv->message.author.id,
                                             target_id))
      return launch_with_users(self, std::move(inv), t, started, facts, std::move(*users));
  auto db = env.engines ? env.engines->database.get() : database_actor{};
  auto storage_down = [self, inv, t, started, users_required](const std::string& why) {
    if (!users_required) {
      log::debug("command", "storage unavailable, running in the platform's language",
                 {{"cmd", inv->spec->name}, {"error", why}});
      return launch(self, inv, t, started);
    }
    log::warn("command", "storage unavailable for guards",
              {{"cmd", inv->spec->name}, {"chat", inv->message.chat.id}, {"error", why}});
    answer_text(self, t, inv->language, "errors.storage_unavailable", command_outcome::failed,
                inv->spec->name, started);
  };
  if (!db) {
    storage_down("database engine not running");
    return;
  }
  self->request(db, env.engine_timeout, facts_atom::value, inv->message.platform,
                inv->message.author.id, target_id, group_id)
    .then(
      [self, inv, t, started, facts](guard_users& users) {
        launch_with_users(self, inv, t, started, facts, std::move(users));
      },
      [storage_down, self](caf::error& err) { storage_down(self->system().render(err)); });
}

} // namespace

/// Starts a command whose chat turn has come: guards, then its own actor.
void start(engine_actor self, turn_ptr t) {
  auto& st = self->state;
  auto& env = *st.env;
  auto started = clock_type::now();
  auto lang = pick_language(env, t->msg.author.language);
  const auto* spec = env.commands->find(t->parsed.name);
  if (spec == nullptr) {
    // In groups many bots share the slash: stay quiet about what is not ours.
    if (t->msg.chat.kind != chat_kind::private_chat) {
      answer(self, t, command_result{});
      return;
    }
    record(t->msg, "unknown", command_outcome::unknown, started);
    // A command name is quoted back short and clean: a flood of text or
    // control characters is the sender's, not ours to repeat.
    auto text = env.texts->format(lang, "command.unknown",
                                  {{"command", quotable(t->parsed.name, max_quoted_command)}});
    answer(self, t, text_result(t->msg, std::move(text), command_outcome::unknown));
    return;
  }
  if (st.draining)
    return answer_text(self, t, lang, "errors.shutting_down", command_outcome::shutting_down,
                       spec->name, started);
  // The command's deadline counts from its arrival, time in line included,
  // so that it ends before the platform stops waiting for it.
  auto waited = started - t->arrived;
  if (waited >= std::chrono::milliseconds{env.settings.timeout_ms})
    return answer_text(self, t, lang, "errors.timeout", command_outcome::timed_out, spec->name,
                       started);
  // The author's rate limit comes first: a flood costs no database trip.
  count_command(self, t->msg, [self, t, spec, lang, started](rate_verdict verdict) {
    auto& state = self->state;
    switch (verdict) {
      case rate_verdict::allowed:
        return run_guards(self, t, spec, lang, started);
      case rate_verdict::warn:
        state.rate_warned.inc();
        log::info("command", "rate limited, user warned",
                  {{"cmd", spec->name}, {"user", t->msg.author.id}, {"chat", t->msg.chat.id}});
        return answer_text(self, t, lang, "errors.rate_limited", command_outcome::busy,
                           spec->name, started);
      case rate_verdict::drop:
        state.rate_dropped.inc();
        record(t->msg, spec->name, command_outcome::ignored, started);
        return answer(self, t, command_result{});
    }
  });
}

namespace {

/// The guards (the database's among them), then the run.
void run_guards(engine_actor self, turn_ptr t, const command_spec* spec, const std::string& lang,
                clock_type::time_point started) {
  auto& st = self->state;
  auto& env = *st.env;
  auto facts = gather_facts(env, t->msg);
  auto inv = std::make_shared<invocation>();
  inv->spec = spec;
  inv->env = st.env;
  inv->language = lang;
  inv->replies_to_user = facts.replies_to_user;
  inv->command = t->parsed;
  inv->message = t->msg;
  constexpr std::uint16_t user_guards = guard_registered | guard_linked | guard_targetable
                                        | guard_targeted | guard_crowns_enabled
                                        | guard_group_admin;
  // Guards that need no database refuse before any round trip; for a
  // command without user guards that is every guard it has.
  if (auto failure = check_guards(spec->guards & ~user_guards, facts))
    return answer(self, t, refuse(*inv, failure->key, failure->name,
                                  command_outcome::guard_failed, started));
  // Every command asks for the author (one round trip): the language they
  // chose applies to /start and /help as much as to /ln.
  bool users_required = (spec->guards & user_guards) != 0 || spec->needs_user;
  check_users_then_launch(self, std::move(inv), std::move(t), facts, started, users_required);
}

} // namespace

namespace {

/// How long `msg` waited between the platform and the engine's door (0
/// when unknown, or when the clocks of two nodes disagree the other way).
std::chrono::milliseconds waited_before(const incoming_message& msg) {
  if (msg.received_at_ms <= 0)
    return std::chrono::milliseconds{0};
  return std::chrono::milliseconds{std::max<std::int64_t>(0, unix_ms_now() - msg.received_at_ms)};
}

/// Takes a command into its chat's line: it starts now when the chat is
/// idle, waits its turn otherwise, and is told to slow down when the chat's
/// line is full; everyone is told "busy" when the node has too much to do.
caf::result<command_result> admit(engine_actor self, incoming_message msg, parsed_command parsed,
                                  bool may_place) {
  auto& st = self->state;
  auto& env = *st.env;
  auto arrived = clock_type::now();
  auto key = chat_key(msg);
  // In a cluster the node that owns the chat runs it (its line and warm
  // cache stay in one place).
  if (may_place && env.place)
    if (auto node = env.place(key)) {
      // Judged there by its own line alone: two nodes' clocks may disagree
      // by more than the wait this one saw.
      msg.received_at_ms = 0;
      return forward(self, std::move(node), std::move(msg), arrived);
    }
  auto lang = pick_language(env, msg.author.language);
  const auto* spec = env.commands->find(parsed.name);
  auto name = spec != nullptr ? spec->name : std::string{};
  // The hard cap on what is in hand, then the wait a new command would see
  // at the rate the node answers, on top of what it waited before the door:
  // past the promise it is told at once.
  bool over_cap = load_of(st) >= env.settings.max_in_flight;
  if (spec != nullptr
      && (over_cap || !st.admission.admits(local_load_of(st), waited_before(msg)))) {
    if (!over_cap)
      st.shed.inc();
    record(msg, name, command_outcome::busy, arrived);
    log::warn("command", "busy, command refused",
              {{"cmd", name}, {"platform", std::string{to_string(msg.platform)}},
               {"chat", msg.chat.id}});
    return text_result(msg, env.texts->format(lang, "errors.busy"), command_outcome::busy, name);
  }
  auto promise = self->make_response_promise<command_result>();
  enqueue_turn(self, make_turn(std::move(key), std::move(msg), std::move(parsed), arrived, promise));
  return promise;
}

} // namespace

/// Puts a turn in its chat's line: it starts now when the chat is idle,
/// waits otherwise, and is told to slow down when the line is full.
void enqueue_turn(engine_actor self, turn_ptr t) {
  auto& st = self->state;
  auto& env = *st.env;
  auto limit = static_cast<std::size_t>(env.settings.chat_queue_limit);
  switch (st.turns.admit(t->chat, t, limit)) {
    case chat_turns<turn_ptr>::admission::run_now:
      start(self, std::move(t));
      break;
    case chat_turns<turn_ptr>::admission::queued:
      st.queued.set(static_cast<double>(st.turns.waiting()));
      break;
    case chat_turns<turn_ptr>::admission::full: {
      st.slowed_down.inc();
      const auto* spec = env.commands->find(t->parsed.name);
      auto name = spec != nullptr ? spec->name : std::string{"unknown"};
      record(t->msg, name, command_outcome::busy, t->arrived);
      log::warn("command", "chat queue full, command refused", {{"cmd", name}, {"chat", t->chat}});
      auto lang = pick_language(env, t->msg.author.language);
      t->promise.deliver(text_result(t->msg, env.texts->format(lang, "errors.slow_down"),
                                     command_outcome::busy, name));
      break;
    }
  }
}

/// A typed message: parsed here, then admitted; a text that is no command
/// gets an empty answer at once and waits for nobody.
caf::result<command_result> handle(engine_actor self, incoming_message msg,
                                   bool may_place) {
  auto parsed = parse_message(msg, self->state.env->settings.bot_name);
  if (!parsed)
    return command_result{};
  return admit(self, std::move(msg), std::move(*parsed), may_place);
}

/// A button press: the command and its arguments as the button stored
/// them, run as the presser in the chat's line.
caf::result<command_result> handle_button(engine_actor self, button_command cmd) {
  incoming_message msg;
  msg.platform = cmd.platform;
  msg.chat = std::move(cmd.chat);
  msg.author = std::move(cmd.presser);
  // No message_id: the answer edits the keyboard's message, quoting nothing.
  parsed_command parsed;
  parsed.name = std::move(cmd.command);
  for (const auto& arg : cmd.args) {
    if (!parsed.args.empty())
      parsed.args += ' ';
    parsed.args += arg;
  }
  parsed.words = std::move(cmd.args);
  msg.text = "/" + parsed.name + (parsed.args.empty() ? "" : " " + parsed.args);
  return admit(self, std::move(msg), std::move(parsed), false);
}

namespace {

/// Runs a command in its own actor once its arguments fit their kinds
/// (checked after the guards, so that a refused user learns nothing about a
/// command's arguments); its turn is answered with the result.
void launch(engine_actor self, std::shared_ptr<invocation> inv, turn_ptr t,
            clock_type::time_point started) {
  auto& st = self->state;
  if (auto problem = check_arguments(*inv->spec, inv->command.words)) {
    record(inv->message, inv->spec->name, command_outcome::usage, started);
    auto text = usage_error(*problem, *inv->spec, *st.env->texts, inv->language);
    return answer(self, t, text_result(inv->message, std::move(text), command_outcome::usage,
                                       inv->spec->name));
  }
  inv->stats = st.stats;
  auto run = self->spawn<caf::monitored>(worker, std::shared_ptr<const invocation>{inv});
  ++st.stats.in_flight;
  auto addr = run.address();
  // What is left of the deadline, which counts from the command's arrival.
  auto budget = std::chrono::milliseconds{st.env->settings.timeout_ms}
                - std::chrono::duration_cast<std::chrono::milliseconds>(started - t->arrived);
  st.runs.emplace(addr, pending_run{run, std::move(t), inv, started});
  self->request(run, std::max(budget, std::chrono::milliseconds{1}), run_atom::value)
    .then([self, addr](command_result& res) { complete(self, addr, std::move(res)); },
          [self, addr](caf::error& err) { fail(self, addr, err); });
}

} // namespace

} // namespace lastgram::command::detail
