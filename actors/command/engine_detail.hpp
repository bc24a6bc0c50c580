#pragma once

// Internal to the command engine (engine.cpp, engine_turns.cpp): its state,
// a command's turn in its chat's line, and the steps both files take. Not
// for other engines.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/behavior.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "caf/typed_response_promise.hpp"

#include "actors/command/admission.hpp"
#include "actors/command/chat_turns.hpp"
#include "actors/command/context.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/group_admin.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/parser.hpp"
#include "actors/command/rate_limit.hpp"
#include "actors/logging/metrics.hpp"
#include "messages/command.hpp"

namespace lastgram::command::detail {

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
  /// Sheds at the door what would wait past command.max-wait-ms.
  admission_control admission{std::chrono::milliseconds{0}};
  metrics::counter shed = metrics::get_counter(
    "lastgram_command_shed_total",
    "Commands told \"busy\" at once because their wait would pass command.max-wait-ms.");
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
  /// Who administers which group, asked of the platform lately.
  admin_cache admins;
  /// Per-user rate-limit counters when no caching engine runs.
  memory_counters rate_memory;
  metrics::counter rate_warned = metrics::get_counter(
    "lastgram_command_rate_limited_total",
    "Commands refused by the per-user rate limit, by what the user got.",
    {{"action", "warned"}});
  metrics::counter rate_dropped = metrics::get_counter(
    "lastgram_command_rate_limited_total",
    "Commands refused by the per-user rate limit, by what the user got.",
    {{"action", "dropped"}});
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

// -- steps shared by the two files -------------------------------------------

/// The actor of one command run: runs the command's body once asked.
caf::behavior worker(caf::event_based_actor* self, std::shared_ptr<const invocation> inv);

/// Answers a turn and starts its chat's next command, if any.
void answer(engine_actor self, const turn_ptr& t, command_result res);

/// A one-reply answer quoting `msg`.
command_result text_result(const incoming_message& msg, std::string text,
                           command_outcome outcome, std::string command = {});

guard_facts gather_facts(const environment& env, const incoming_message& msg);

/// Counts a handled command in the metrics.
void record(const incoming_message& msg, const std::string& command, command_outcome outcome,
            clock_type::time_point started);

/// Ends a run before it starts with the localized text of `key`.
command_result refuse(const invocation& inv, std::string_view key, const std::string& name,
                      command_outcome outcome, clock_type::time_point started);

/// Answers the drains waiting for the engine to become idle, if it is.
void answer_drains(engine_actor self);

/// A run's end: its result, or its failure (an apology).
void complete(engine_actor self, const caf::actor_addr& addr, command_result res);
void fail(engine_actor self, const caf::actor_addr& addr, const caf::error& err);

/// A run placed on another node (cluster work placement).
caf::result<command_result> forward(engine_actor self, command_actor node, incoming_message msg,
                                    clock_type::time_point started);

/// Whose line a message waits in: its platform and chat ("telegram:-100123").
std::string chat_key(const incoming_message& msg);

turn_ptr make_turn(std::string chat, incoming_message msg, parsed_command parsed,
                   clock_type::time_point arrived,
                   caf::typed_response_promise<command_result> promise);

/// Puts a turn in its chat's line (see engine_turns.cpp).
void enqueue_turn(engine_actor self, turn_ptr t);

/// Everything accepted and not answered yet: the chats' current commands
/// (running, or still asking the database), those waiting behind them, and
/// runs placed on other nodes. The hard cap (command.max-in-flight) counts
/// all of it.
std::int64_t load_of(const engine_state& st);

/// What this node's own line holds: load_of without the runs placed on other
/// nodes. Admission measures and sheds on it alone, since a placed run waits
/// in the other node's line and is admitted (or told "busy") there; counting
/// it here against the rate of local answers made the node that receives
/// every update (the poller) shed most of the cluster's work.
std::int64_t local_load_of(const engine_state& st);

/// Starts a command whose turn has come.
void start(engine_actor self, turn_ptr t);

/// Counts a command against its author's rate-limit windows (in the caching
/// engine, else in memory), then calls `next` with the verdict in the
/// engine's actor (see engine_rate.cpp).
void count_command(engine_actor self, const incoming_message& msg,
                   std::function<void(rate_verdict)> next);

/// Fills `facts.is_group_admin` for a command with guard_group_admin (from
/// the message on Discord, the cache or getChatMember on Telegram), then
/// calls `next` in the engine's actor; a Telegram that cannot be asked
/// calls `failed` instead (see engine_admin.cpp).
void resolve_group_admin(engine_actor self, const incoming_message& msg, guard_facts facts,
                         std::function<void(guard_facts)> next, std::function<void()> failed);

/// A typed message: parsed, then admitted to its chat's line.
caf::result<command_result> handle(engine_actor self, incoming_message msg,
                                   bool may_place = true);

/// A button press, admitted as its command with typed arguments.
caf::result<command_result> handle_button(engine_actor self, button_command cmd);

} // namespace lastgram::command::detail
