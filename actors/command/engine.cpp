#include "actors/command/engine.hpp"

#include <chrono>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/all.hpp"

#include "actors/command/context.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
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

/// A run in flight: answered once, by its reply, its error, or its death.
struct pending_run {
  caf::actor worker;
  caf::typed_response_promise<command_result> promise;
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

using engine_actor = command_actor::stateful_pointer<engine_state>;

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
  run.promise.deliver(std::move(res));
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
  run.promise.deliver(text_result(m, st.env->texts->format(run.inv->language, key),
                                  outcome, run.inv->spec->name));
  answer_drains(self);
}

void launch(engine_actor self, std::shared_ptr<invocation> inv,
            caf::typed_response_promise<command_result> promise,
            clock_type::time_point started);

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
  auto timeout = std::chrono::milliseconds{st.env->settings.timeout_ms + 2000};
  auto promise = run.promise;
  self->request(caf::actor_cast<command_actor>(self), timeout, placed_atom::value,
                std::move(run.msg))
    .then([promise](command_result& r) mutable { promise.deliver(std::move(r)); },
          [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
  answer_drains(self);
}

/// Sends a run to the node that owns its chat; answers with that node's
/// result, or runs it here when the node fails or leaves before answering.
caf::result<command_result> forward(engine_actor self, caf::actor node, incoming_message msg,
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

caf::result<command_result> handle(engine_actor self, incoming_message msg,
                                   bool may_place = true) {
  auto& st = self->state;
  auto& env = *st.env;
  auto started = clock_type::now();
  auto parsed = parse(msg.text, env.settings.bot_name);
  if (!parsed)
    return command_result{};
  auto lang = pick_language(env, msg.author.language);
  auto& texts = *env.texts;
  const auto* spec = env.commands->find(parsed->name);
  bool is_private = msg.chat.kind == chat_kind::private_chat;
  if (spec == nullptr) {
    // In groups many bots share the slash: stay quiet about what is not ours.
    if (!is_private)
      return command_result{};
    auto res = text_result(msg,
                           texts.format(lang, "command.unknown",
                                        {{"command", parsed->name}}),
                           command_outcome::unknown);
    record(msg, "unknown", command_outcome::unknown, started);
    return res;
  }
  if (st.draining) {
    record(msg, spec->name, command_outcome::shutting_down, started);
    return text_result(msg, texts.format(lang, "errors.shutting_down"),
                       command_outcome::shutting_down, spec->name);
  }
  // In a cluster the node that owns the chat runs it (its order and warm
  // cache stay in one place).
  if (may_place && env.place) {
    auto key = to_string(msg.platform);
    key += ':';
    key += msg.chat.id;
    if (auto node = env.place(key))
      return forward(self, std::move(node), std::move(msg), started);
  }
  if (st.stats.in_flight >= env.settings.max_in_flight) {
    record(msg, spec->name, command_outcome::busy, started);
    log::warn("command", "busy, command refused",
              {{"cmd", spec->name}, {"platform", std::string{to_string(msg.platform)}},
               {"chat", msg.chat.id}});
    return text_result(msg, texts.format(lang, "errors.busy"),
                       command_outcome::busy, spec->name);
  }
  if (auto problem = check_arguments(*spec, parsed->words)) {
    record(msg, spec->name, command_outcome::usage, started);
    return text_result(msg, usage_error(*problem, *spec, texts, lang), command_outcome::usage,
                       spec->name);
  }
  auto facts = gather_facts(env, msg);
  auto inv = std::make_shared<invocation>();
  inv->spec = spec;
  inv->env = st.env;
  inv->language = lang;
  inv->replies_to_user = facts.replies_to_user;
  inv->command = std::move(*parsed);
  inv->message = std::move(msg);
  constexpr std::uint16_t user_guards = guard_registered | guard_linked | guard_targetable
                                        | guard_targeted | guard_crowns_enabled;
  // Guards that need no database refuse before any round trip; for a
  // command without user guards that is every guard it has.
  if (auto failure = check_guards(spec->guards & ~user_guards, facts))
    return refuse(*inv, failure->key, failure->name, command_outcome::guard_failed, started);
  if ((spec->guards & user_guards) == 0 && !spec->needs_user) {
    auto promise = self->make_response_promise<command_result>();
    launch(self, std::move(inv), promise, started);
    return promise;
  }
  // Guards about users need the database: one round trip for the author
  // and the replied-to user together.
  auto promise = self->make_response_promise<command_result>();
  auto db = caf::actor_cast<database_actor>(env.engine ? env.engine("database") : caf::actor{});
  auto storage_down = [self, inv, promise, started](const std::string& why) mutable {
    log::warn("command", "storage unavailable for guards",
              {{"cmd", inv->spec->name}, {"chat", inv->message.chat.id}, {"error", why}});
    record(inv->message, inv->spec->name, command_outcome::failed, started);
    promise.deliver(text_result(inv->message,
                                self->state.env->texts->format(inv->language,
                                                               "errors.storage_unavailable"),
                                command_outcome::failed, inv->spec->name));
  };
  if (!db) {
    storage_down("database engine not running");
    return promise;
  }
  auto target_id = facts.replies_to_user ? inv->message.reply_to_author.id : std::string{};
  auto group_id = inv->message.chat.kind == chat_kind::group ? inv->message.chat.id
                                                              : std::string{};
  self->request(db, env.engine_timeout, facts_atom::value, inv->message.platform,
                inv->message.author.id, target_id, group_id)
    .then(
      [self, inv, promise, started, facts](guard_users& users) mutable {
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
          promise.deliver(refuse(*inv, failure->key, failure->name,
                                 command_outcome::guard_failed, started));
          return;
        }
        if (self->state.draining) {
          promise.deliver(refuse(*inv, "errors.shutting_down", {},
                                 command_outcome::shutting_down, started));
          return;
        }
        launch(self, std::move(inv), promise, started);
      },
      [self, storage_down](caf::error& err) mutable {
        storage_down(self->system().render(err));
      });
  return promise;
}

/// Runs a command in its own actor and answers `promise` with its result.
void launch(engine_actor self, std::shared_ptr<invocation> inv,
            caf::typed_response_promise<command_result> promise,
            clock_type::time_point started) {
  auto& st = self->state;
  inv->stats = st.stats;
  auto run = self->spawn<caf::monitored>(worker, std::shared_ptr<const invocation>{inv});
  ++st.stats.in_flight;
  auto addr = run.address();
  st.runs.emplace(addr, pending_run{run, promise, inv, started});
  auto timeout = std::chrono::milliseconds{st.env->settings.timeout_ms};
  self->request(run, timeout, run_atom::value)
    .then([self, addr](command_result& res) { complete(self, addr, std::move(res)); },
          [self, addr](caf::error& err) { fail(self, addr, err); });
}

command_actor::behavior_type engine_impl(engine_actor self,
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
      if (deadline_ms < 0) {
        // Our own deadline tick: whatever is still running is left behind.
        for (auto& d : st.drains)
          d.promise.deliver(st.stats.in_flight);
        st.drains.clear();
        // A send, not a request: return an unfulfilled promise so that no
        // value travels back to ourselves.
        return self->make_response_promise<std::int64_t>();
      }
      st.draining = true;
      if (st.stats.in_flight == 0)
        return std::int64_t{0};
      auto promise = self->make_response_promise<std::int64_t>();
      st.drains.push_back(pending_drain{promise});
      // An anonymous message: the tick's own answer must not come back.
      caf::delayed_anon_send(caf::actor_cast<command_actor>(self),
                             std::chrono::milliseconds{deadline_ms},
                             drain_atom::value, std::int64_t{-1});
      return promise;
    },
    [self](stats_atom) { return self->state.stats; },
    [self](placed_atom, incoming_message& msg) -> caf::result<command_result> {
      self->state.backlog.set(static_cast<double>(self->mailbox().size()));
      return handle(self, std::move(msg), false);
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

caf::actor spawn_engine(caf::local_actor* parent,
                        std::shared_ptr<const environment> env) {
  return caf::actor_cast<caf::actor>(parent->spawn(engine_impl, std::move(env)));
}

} // namespace lastgram::command
