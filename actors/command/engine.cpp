#include "actors/command/engine.hpp"

#include <chrono>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/all.hpp"

#include "actors/command/arguments.hpp"
#include "actors/command/chat_turns.hpp"
#include "actors/command/context.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/health.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"

namespace lastgram::command {

namespace {

using clock_type = std::chrono::steady_clock;

struct pending_drain {
  caf::typed_response_promise<std::int64_t> promise;
};

/// A command in its chat's line: answered once, then the chat's next one
/// starts.
struct turn {
  /// The platform and chat ("telegram:-100123"): whose line it waits in.
  std::string chat;
  incoming_message msg;
  parsed_command parsed;
  caf::typed_response_promise<command_result> promise;
  clock_type::time_point arrived;
};

using turn_ptr = std::shared_ptr<turn>;

/// A run in flight: answered once, by its reply, its error, or its death.
struct pending_run {
  caf::actor worker;
  turn_ptr owner;
  std::shared_ptr<const invocation> inv;
  clock_type::time_point started;
};

/// A run placed on another node: answered by that node, or here when that
/// node fails or goes away first (once).
struct forwarded_run {
  caf::typed_response_promise<command_result> promise;
  incoming_message msg;
  /// The other node's command engine.
  caf::actor_addr node;
  clock_type::time_point started;
};

struct engine_state {
  std::shared_ptr<const environment> env;
  command_stats stats;
  bool draining = false;
  std::vector<pending_drain> drains;
  std::unordered_map<caf::actor_addr, pending_run> runs;
  std::unordered_map<std::uint64_t, forwarded_run> forwards;
  std::uint64_t next_forward = 1;
  /// Other nodes' command engines this engine monitors (a down message
  /// means the node left: its runs are taken back).
  std::unordered_set<caf::actor_addr> watched;
  /// Each chat's commands, one at a time in arrival order.
  chat_turns<turn_ptr> turns;
  metrics::counter slowed_down = metrics::get_counter(
    "lastgram_command_slow_down_total",
    "Commands refused because their chat already had a full queue.");
  metrics::gauge queued = metrics::get_gauge(
    "lastgram_command_queued", "Commands waiting for their chat's turn.");
  metrics::counter placed_remote = metrics::get_counter(
    "lastgram_command_placements_total", "Command runs by where they were placed.",
    {{"where", "remote"}});
  metrics::counter placed_back = metrics::get_counter(
    "lastgram_command_placements_total", "Command runs by where they were placed.",
    {{"where", "fallback"}});
  /// lastgram_mailbox_backlog{engine="command"}, sampled on every message.
  metrics::gauge backlog = metrics::get_gauge(
    "lastgram_mailbox_backlog", "Messages waiting in an engine's mailbox",
    {{"engine", "command"}});
  ~engine_state() {
    // Runs do not outlive the engine (nor keep the node from stopping).
    for (auto& kv : runs)
      caf::anon_send_exit(kv.second.worker, caf::exit_reason::kill);
  }
  static inline const char* name = "command_engine";
};

/// The command_actor door plus the engine's own drain deadline tick.
using engine_impl_actor = command_actor::extend<caf::reacts_to<drain_atom, tick_atom>>;
using engine_actor = engine_impl_actor::stateful_pointer<engine_state>;

void start(engine_actor self, turn_ptr t);

/// Answers a turn and starts its chat's next command, if any.
void answer(engine_actor self, const turn_ptr& t, command_result res) {
  t->promise.deliver(std::move(res));
  auto& st = self->state;
  auto next = st.turns.next(t->chat);
  st.queued.set(static_cast<double>(st.turns.waiting()));
  if (next)
    start(self, std::move(*next));
}

caf::behavior worker(caf::event_based_actor* self,
                     std::shared_ptr<const invocation> inv) {
  keep_exception_text(self);
  return {
    [self, inv](run_atom) -> caf::result<command_result> {
      auto promise = self->make_response_promise<command_result>();
      context ctx{self, inv, promise};
      // Taking the promise means CAF no longer answers this request when
      // the handler throws: answer with the error ourselves, then die of it
      // so the engine counts the crash.
      try {
        inv->spec->run(ctx);
      } catch (const std::exception& e) {
        auto err = caf::make_error(caf::sec::runtime_error, std::string{e.what()});
        promise.deliver(err);
        self->quit(err);
        return promise;
      }
      if (!ctx.deferred())
        ctx.finish();
      return promise;
    },
    [self](tick_atom, std::uint64_t id) { context::fire(self, id); },
  };
}

command_result text_result(const incoming_message& msg, std::string text,
                           command_outcome outcome, std::string command = {}) {
  command_result res;
  res.outcome = outcome;
  res.command = std::move(command);
  outgoing_reply r;
  r.chat_id = msg.chat.id;
  r.reply_to_message_id = msg.message_id;
  r.text = text_builder{}.plain(text).take();
  res.replies.push_back(std::move(r));
  return res;
}

bool is_developer(const environment& env, const incoming_message& msg) {
  auto id = std::string{to_string(msg.platform)} + ":" + msg.author.id;
  for (auto& dev : env.developers)
    if (dev == id)
      return true;
  return false;
}

guard_facts gather_facts(const environment& env, const incoming_message& msg) {
  // The database engine (next issue) fills in registration and bans; until
  // then nobody is registered and every guard that needs it refuses.
  guard_facts f;
  f.is_private = msg.chat.kind == chat_kind::private_chat;
  f.is_developer = is_developer(env, msg);
  // Posts forwarded from a linked channel (Telegram's 777000) and bots are
  // not people one can target.
  f.replies_to_user = msg.has_reply_author && !msg.reply_to_author.is_bot
                      && msg.reply_to_author.id != "777000";
  f.target_name = msg.reply_to_author.display_name;
  return f;
}

void record(const incoming_message& msg, const std::string& command,
            command_outcome outcome, clock_type::time_point started) {
  auto secs = std::chrono::duration<double>(clock_type::now() - started).count();
  metrics::command_handled(command.empty() ? "none" : command,
                           to_string(msg.platform), to_string(outcome), secs);
}

/// Ends a run before it starts (a guard refused, the node is stopping) with
/// the localized text of `key`, in the run's language, counted in metrics.
command_result refuse(const invocation& inv, std::string_view key, const std::string& name,
                      command_outcome outcome, clock_type::time_point started) {
  record(inv.message, inv.spec->name, outcome, started);
  return text_result(inv.message, inv.env->texts->format(inv.language, key, {{"name", name}}),
                     outcome, inv.spec->name);
}

void answer_drains(engine_actor self) {
  auto& st = self->state;
  if (!st.draining || st.stats.in_flight > 0)
    return;
  for (auto& d : st.drains)
    d.promise.deliver(std::int64_t{0});
  st.drains.clear();
}

void complete(engine_actor self, const caf::actor_addr& addr, command_result res) {
  auto& st = self->state;
  auto i = st.runs.find(addr);
  if (i == st.runs.end())
    return;
  auto run = std::move(i->second);
  st.runs.erase(i);
  --st.stats.in_flight;
  ++st.stats.handled;
  record(run.inv->message, run.inv->spec->name, res.outcome, run.started);
  answer(self, run.owner, std::move(res));
  answer_drains(self);
}

/// A run that threw, quit with an error or timed out: apologize, log it with
/// its command, platform and chat, and count the crash as a restart of the
/// command engine's workers.
void fail(engine_actor self, const caf::actor_addr& addr, const caf::error& err) {
  auto& st = self->state;
  auto i = st.runs.find(addr);
  if (i == st.runs.end())
    return;
  auto run = std::move(i->second);
  st.runs.erase(i);
  --st.stats.in_flight;
  ++st.stats.handled;
  ++st.stats.failed;
  bool timed_out = err == caf::sec::request_timeout;
  auto outcome = timed_out ? command_outcome::timed_out : command_outcome::failed;
  if (timed_out)
    self->send_exit(run.worker, caf::exit_reason::kill);
  auto& m = run.inv->message;
  auto reason = self->system().render(err);
  log::error("command", timed_out ? "command timed out" : "command failed",
             {{"cmd", run.inv->spec->name},
              {"platform", std::string{to_string(m.platform)}},
              {"chat", m.chat.id},
              {"user", m.author.id},
              {"reason", reason}});
  metrics::actor_restarted("command");
  if (st.env->health)
    st.env->health->record_exit("command", reason, true);
  record(m, run.inv->spec->name, outcome, run.started);
  auto key = timed_out ? "errors.timeout" : "errors.generic";
  answer(self, run.owner,
         text_result(m, st.env->texts->format(run.inv->language, key), outcome,
                     run.inv->spec->name));
  answer_drains(self);
}

void launch(engine_actor self, std::shared_ptr<invocation> inv, turn_ptr t,
            clock_type::time_point started);

turn_ptr make_turn(incoming_message msg, parsed_command parsed, clock_type::time_point arrived,
                   caf::typed_response_promise<command_result> promise) {
  auto t = std::make_shared<turn>();
  t->chat = std::string{to_string(msg.platform)} + ':' + msg.chat.id;
  t->msg = std::move(msg);
  t->parsed = std::move(parsed);
  t->arrived = arrived;
  t->promise = std::move(promise);
  return t;
}

void enqueue_turn(engine_actor self, turn_ptr t);

/// Ends a placed run: with the other node's answer, or, when that node failed
/// or left, by running it here once.
void finish_forward(engine_actor self, std::uint64_t id, command_result* res,
                    const caf::error& err) {
  auto& st = self->state;
  auto i = st.forwards.find(id);
  if (i == st.forwards.end())
    return;
  auto run = std::move(i->second);
  st.forwards.erase(i);
  --st.stats.in_flight;
  if (res != nullptr) {
    ++st.stats.handled;
    run.promise.deliver(std::move(*res));
    answer_drains(self);
    return;
  }
  st.placed_back.inc();
  log::warn("command", "the node a run was placed on failed, running it here",
            {{"chat", run.msg.chat.id}, {"error", self->system().render(err)}});
  auto parsed = parse(run.msg.text, st.env->settings.bot_name);
  if (!parsed)
    run.promise.deliver(command_result{});
  else
    enqueue_turn(self, make_turn(std::move(run.msg), std::move(*parsed), run.started,
                                 std::move(run.promise)));
  answer_drains(self);
}

/// Sends a run to the node that owns its chat; answers with that node's
/// result, or runs it here when the node fails or leaves before answering.
caf::result<command_result> forward(engine_actor self, command_actor node, incoming_message msg,
                                    clock_type::time_point started) {
  auto& st = self->state;
  auto promise = self->make_response_promise<command_result>();
  auto id = st.next_forward++;
  auto addr = node.address();
  if (st.watched.insert(addr).second)
    self->monitor(node);
  ++st.stats.in_flight;
  st.placed_remote.inc();
  st.forwards.emplace(id, forwarded_run{promise, msg, addr, started});
  auto timeout = std::chrono::milliseconds{st.env->settings.timeout_ms + 2000};
  self->request(node, timeout, placed_atom::value, std::move(msg))
    .then([self, id](command_result& res) { finish_forward(self, id, &res, {}); },
          [self, id](caf::error& err) { finish_forward(self, id, nullptr, err); });
  return promise;
}

/// A reply that ends a turn before any run: counted, then the chat's next
/// command starts.
void answer_text(engine_actor self, const turn_ptr& t, const std::string& lang,
                 std::string_view key, command_outcome outcome, const std::string& command,
                 clock_type::time_point started) {
  record(t->msg, command.empty() ? "unknown" : command, outcome, started);
  auto& texts = *self->state.env->texts;
  answer(self, t, text_result(t->msg, texts.format(lang, key), outcome, command));
}

/// Guards about users need the database: one round trip for the author and
/// the replied-to user together; then the run starts (or a guard refuses).
void check_users_then_launch(engine_actor self, std::shared_ptr<invocation> inv, turn_ptr t,
                             guard_facts facts, clock_type::time_point started) {
  auto& env = *self->state.env;
  auto db = env.engines ? env.engines->database.get() : database_actor{};
  auto storage_down = [self, inv, t, started](const std::string& why) {
    log::warn("command", "storage unavailable for guards",
              {{"cmd", inv->spec->name}, {"chat", inv->message.chat.id}, {"error", why}});
    answer_text(self, t, inv->language, "errors.storage_unavailable", command_outcome::failed,
                inv->spec->name, started);
  };
  if (!db) {
    storage_down("database engine not running");
    return;
  }
  auto target_id = facts.replies_to_user ? inv->message.reply_to_author.id : std::string{};
  auto group_id = inv->message.chat.kind == chat_kind::group ? inv->message.chat.id
                                                              : std::string{};
  self->request(db, env.engine_timeout, facts_atom::value, inv->message.platform,
                inv->message.author.id, target_id, group_id)
    .then(
      [self, inv, t, started, facts](guard_users& users) {
        auto f = facts;
        f.author_registered = users.author.found;
        f.author_banned = users.author.found && users.author.user.banned;
        f.author_linked = users.author.found && users.author.user.has_session_key;
        f.author_crown_banned = users.author.found && users.author.user.crown_banned;
        f.target_registered = users.target.found;
        f.target_banned = users.target.found && users.target.user.banned;
        // The fallback chain: the user's chosen language, the group's, then
        // the platform's hint (already in inv->language), then English.
        auto& catalog = *self->state.env->texts;
        if (users.author.found && catalog.has(users.author.user.language))
          inv->language = users.author.user.language;
        else if (catalog.has(users.group_language))
          inv->language = users.group_language;
        inv->users = std::move(users);
        if (auto failure = check_guards(inv->spec->guards, f)) {
          answer(self, t, refuse(*inv, failure->key, failure->name,
                                 command_outcome::guard_failed, started));
          return;
        }
        if (self->state.draining) {
          answer(self, t, refuse(*inv, "errors.shutting_down", {},
                                 command_outcome::shutting_down, started));
          return;
        }
        launch(self, std::move(inv), t, started);
      },
      [storage_down, self](caf::error& err) { storage_down(self->system().render(err)); });
}

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
    auto text = env.texts->format(lang, "command.unknown", {{"command", t->parsed.name}});
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
  auto facts = gather_facts(env, t->msg);
  auto inv = std::make_shared<invocation>();
  inv->spec = spec;
  inv->env = st.env;
  inv->language = lang;
  inv->replies_to_user = facts.replies_to_user;
  inv->command = t->parsed;
  inv->message = t->msg;
  constexpr std::uint16_t user_guards = guard_registered | guard_linked | guard_targetable
                                        | guard_targeted | guard_crowns_enabled;
  // Guards that need no database refuse before any round trip; for a
  // command without user guards that is every guard it has.
  if (auto failure = check_guards(spec->guards & ~user_guards, facts))
    return answer(self, t, refuse(*inv, failure->key, failure->name,
                                  command_outcome::guard_failed, started));
  if ((spec->guards & user_guards) == 0 && !spec->needs_user)
    return launch(self, std::move(inv), std::move(t), started);
  check_users_then_launch(self, std::move(inv), std::move(t), facts, started);
}

/// Takes a command into its chat's line: it starts now when the chat is
/// idle, waits its turn otherwise, and is told to slow down when the chat's
/// line is full; everyone is told "busy" when the node has too much to do.
caf::result<command_result> admit(engine_actor self, incoming_message msg, parsed_command parsed,
                                  bool may_place) {
  auto& st = self->state;
  auto& env = *st.env;
  auto arrived = clock_type::now();
  auto key = std::string{to_string(msg.platform)};
  key += ':';
  key += msg.chat.id;
  // In a cluster the node that owns the chat runs it (its line and warm
  // cache stay in one place).
  if (may_place && env.place)
    if (auto node = env.place(key))
      return forward(self, std::move(node), std::move(msg), arrived);
  auto lang = pick_language(env, msg.author.language);
  const auto* spec = env.commands->find(parsed.name);
  auto name = spec != nullptr ? spec->name : std::string{};
  auto load = static_cast<std::int64_t>(st.turns.waiting()) + st.stats.in_flight;
  if (spec != nullptr && load >= env.settings.max_in_flight) {
    record(msg, name, command_outcome::busy, arrived);
    log::warn("command", "busy, command refused",
              {{"cmd", name}, {"platform", std::string{to_string(msg.platform)}},
               {"chat", msg.chat.id}});
    return text_result(msg, env.texts->format(lang, "errors.busy"), command_outcome::busy, name);
  }
  auto promise = self->make_response_promise<command_result>();
  enqueue_turn(self, make_turn(std::move(msg), std::move(parsed), arrived, promise));
  return promise;
}

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
                                   bool may_place = true) {
  auto parsed = parse(msg.text, self->state.env->settings.bot_name);
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

engine_impl_actor::behavior_type engine_impl(engine_actor self,
                                         std::shared_ptr<const environment> env) {
  keep_exception_text(self);
  self->state.env = std::move(env);
  // A run that dies before answering (e.g. a callback that threw after the
  // command deferred) is answered here instead of waiting for its timeout.
  // A run that ends normally has answered already (finish() delivers before
  // it quits), and its answer may still be on its way: only errors count.
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.watched.erase(msg.source) > 0) {
      // Another node's engine is gone: its runs are taken back.
      std::vector<std::uint64_t> lost;
      for (auto& [id, run] : st.forwards)
        if (run.node == msg.source)
          lost.push_back(id);
      auto why = msg.reason ? msg.reason : caf::make_error(caf::sec::request_receiver_down);
      for (auto id : lost)
        finish_forward(self, id, nullptr, why);
      return;
    }
    if (msg.reason && msg.reason != caf::exit_reason::normal)
      fail(self, msg.source, msg.reason);
  });
  return {
    [self](incoming_message& msg) -> caf::result<command_result> {
      self->state.backlog.set(static_cast<double>(self->mailbox().size()));
      return handle(self, std::move(msg));
    },
    [self](drain_atom, std::int64_t deadline_ms) -> caf::result<std::int64_t> {
      auto& st = self->state;
      st.draining = true;
      if (st.stats.in_flight == 0)
        return std::int64_t{0};
      auto promise = self->make_response_promise<std::int64_t>();
      st.drains.push_back(pending_drain{promise});
      self->delayed_send(self, std::chrono::milliseconds{deadline_ms}, drain_atom::value,
                         tick_atom::value);
      return promise;
    },
    [self](drain_atom, tick_atom) {
      // The drain deadline: whatever is still running is left behind.
      auto& st = self->state;
      for (auto& d : st.drains)
        d.promise.deliver(st.stats.in_flight);
      st.drains.clear();
    },
    [self](stats_atom) { return self->state.stats; },
    [self](placed_atom, incoming_message& msg) -> caf::result<command_result> {
      self->state.backlog.set(static_cast<double>(self->mailbox().size()));
      return handle(self, std::move(msg), false);
    },
    [self](button_command& cmd) -> caf::result<command_result> {
      self->state.backlog.set(static_cast<double>(self->mailbox().size()));
      return handle_button(self, std::move(cmd));
    },
  };
}

} // namespace

std::string pick_language(const i18n::catalog& texts, std::string_view default_language,
                          std::string_view hint) {
  if (!hint.empty()) {
    auto lang = texts.resolve_language(hint);
    if (!lang.empty())
      return lang;
  }
  return std::string{default_language};
}

std::string pick_language(const environment& env, std::string_view hint) {
  return pick_language(*env.texts, env.default_language, hint);
}

command_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<const environment> env) {
  return parent->spawn(engine_impl, std::move(env));
}

} // namespace lastgram::command
