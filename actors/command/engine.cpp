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
#include "actors/command/engine_detail.hpp"

namespace lastgram::command {

namespace detail {

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
                           command_outcome outcome, std::string command) {
  command_result res;
  res.outcome = outcome;
  res.command = std::move(command);
  outgoing_reply r;
  r.chat_id = msg.chat.id;
  r.reply_to_message_id = msg.message_id;
  r.text = text_builder{}.plain(text).take();
  // Errors, usage lines and refusals concern the asker alone (Discord shows
  // them only to them).
  r.ephemeral = outcome != command_outcome::ok;
  res.replies.push_back(std::move(r));
  return res;
}

namespace {

bool is_developer(const environment& env, const incoming_message& msg) {
  auto id = std::string{to_string(msg.platform)} + ":" + msg.author.id;
  for (auto& dev : env.developers)
    if (dev == id)
      return true;
  return false;
}

} // namespace

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
  auto parsed = parse_message(run.msg, st.env->settings.bot_name);
  if (!parsed)
    run.promise.deliver(command_result{});
  else {
    auto chat = chat_key(run.msg);
    enqueue_turn(self, make_turn(std::move(chat), std::move(run.msg), std::move(*parsed),
                                 run.started, std::move(run.promise)));
  }
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


} // namespace detail

namespace {

using namespace detail;

engine_impl_actor::behavior_type engine_impl(engine_actor self,
                                         std::shared_ptr<const environment> env) {
  keep_exception_text(self);
  self->state.admission = admission_control{std::chrono::milliseconds{env->settings.max_wait_ms}};
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
