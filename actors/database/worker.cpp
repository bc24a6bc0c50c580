// A database worker: one detached actor (a real OS thread) owning one
// blocking `store`, so that no SQL that can wait (on the network, on a lock)
// runs on a CAF scheduler thread; only SQLite's two hot-path reads do
// (direct_reads.hpp), and they hand back whatever would wait. It serves
// the requests its router (engine.cpp) hands it, keeps its connection open
// (reconnecting with backoff) and reports to the router when it is free
// again and when it gains or loses the database.

#include "actors/database/worker.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "caf/all.hpp"

#include "actors/database/direct_reads.hpp"
#include "actors/database/engine.hpp"
#include "actors/database/store.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/thread_name.hpp"
#include "messages/errors.hpp"

namespace lastgram::database::detail {

void count_error(db_errc code) {
  metrics::get_counter("lastgram_database_errors_total",
                       "Database requests answered with an error, by code.",
                       {{"code", to_string(code)}})
    .inc();
}

namespace {

constexpr std::string_view engine = engine_name;

using clock_type = std::chrono::steady_clock;

struct worker_state {
  database_settings cfg;
  // Weak on purpose: the router owns its workers, and a worker holding it
  // strongly would keep an abandoned router (and so itself) alive forever.
  caf::actor_addr router;
  std::shared_ptr<pool_board> board;
  std::optional<store> db;
  // The store is open and its last call did not lose the connection.
  bool connected = false;
  // What the router was last told; empty before the first attempt.
  std::optional<bool> reported;
  clock_type::time_point next_attempt{};
  std::chrono::milliseconds backoff = reconnect_backoff_initial;
  bool tick_pending = false;
  std::string last_error;
  static inline const char* name = "database_worker";
};

using worker_ptr = worker_actor::stateful_pointer<worker_state>;

// Sends to the router, if it still exists, as this worker (the router knows
// its workers by sender). The router is held weakly (see
// worker_state::router), and a weak address only yields an untyped handle,
// to which CAF's typed send() refuses to send; the message is checked
// against the router's interface here instead.
template <class... Ts>
void send_router(worker_ptr self, Ts... xs) {
  static_assert(caf::response_type<router_actor::signatures, Ts...>::valid,
                "the router does not accept this message");
  if (auto router = caf::actor_cast<caf::actor>(self->state.router))
    caf::unsafe_send_as(self, router, std::move(xs)...);
}

void tell_router(worker_ptr self, bool connected) {
  auto& st = self->state;
  st.connected = connected;
  if (st.reported == connected)
    return;
  if (connected && st.reported == false)
    log::info(engine, "database connection restored");
  else if (!connected && st.reported == true)
    log::warn(engine, "database connection lost", {{"error", st.last_error}});
  st.reported = connected;
  send_router(self, link_state_atom::value, connected, st.last_error);
}

// One retry tick at a time, at the next allowed attempt: no busy loop while
// the database is down, and recovery without traffic.
void schedule_retry(worker_ptr self) {
  auto& st = self->state;
  if (st.tick_pending || st.connected)
    return;
  st.tick_pending = true;
  auto delay = std::max(st.next_attempt - clock_type::now(),
                        clock_type::duration::zero());
  self->delayed_send(self, delay, tick_atom::value);
}

void mark_down(worker_ptr self, std::string why) {
  auto& st = self->state;
  st.last_error = std::move(why);
  st.next_attempt = clock_type::now() + st.backoff;
  st.backoff = std::min(st.backoff * 2, reconnect_backoff_max);
  tell_router(self, false);
  schedule_retry(self);
}

// Opens (or reopens) the connection when allowed; false while it is down.
bool ensure_open(worker_ptr self) {
  auto& st = self->state;
  if (st.connected)
    return true;
  if (clock_type::now() < st.next_attempt)
    return false;
  result<void> attempt;
  if (st.db) {
    attempt = st.db->reconnect();
  } else if (auto opened = store::open(st.cfg)) {
    st.db.emplace(std::move(opened).value());
  } else {
    attempt = opened.error();
  }
  if (!attempt) {
    log::debug(engine, "database connection attempt failed",
               {{"error", attempt.error().message}});
    mark_down(self, attempt.error().message);
    return false;
  }
  // A database that was down when the node started has not been migrated:
  // bring the schema up to date on every (re)connect. When it already is,
  // this is one query; concurrent workers and nodes serialize on a lock.
  if (auto applied = st.db->migrate(); !applied) {
    log::error(engine, "migration on reconnect failed", {{"error", applied.error().message}});
    mark_down(self, applied.error().message);
    return false;
  } else if (*applied > 0) {
    log::info(engine, "schema migrated on reconnect", {log::kv("applied", *applied)});
  }
  st.backoff = reconnect_backoff_initial;
  st.last_error.clear();
  tell_router(self, true);
  return true;
}

// Runs one store call with the connection handling every request shares:
// refuse at once while down, and after a lost connection (a server restart)
// reconnect and retry once before backing off. Every call we route is
// idempotent (reads, upserts, one delete), so a retry never applies a change
// twice; at worst a delete that did commit is then answered "nobody there".
template <class Call>
auto exec(worker_ptr self, Call&& call)
  -> decltype(call(std::declval<store&>())) {
  using result_type = decltype(call(std::declval<store&>()));
  auto& st = self->state;
  if (!ensure_open(self))
    return result_type{
      db_error{db_errc::unavailable, "database unavailable: " + st.last_error}};
  auto res = call(*st.db);
  if (res || res.error().code != db_errc::unavailable)
    return res;
  auto again = st.db->reconnect();
  if (again) {
    log::info(engine, "database connection reopened",
              {{"error", res.error().message}});
    res = call(*st.db);
    if (res || res.error().code != db_errc::unavailable)
      return res;
  }
  mark_down(self, again ? res.error().message : again.error().message);
  return res;
}

caf::error fail(worker_ptr self, std::string_view op, const db_error& err) {
  count_error(err.code);
  // While down, the outage itself was logged once (tell_router); logging
  // every refused request would flood the log.
  if (err.code == db_errc::unavailable && !self->state.connected)
    log::debug(engine, "database request refused", {log::kv("op", op)});
  else
    log::warn(engine, "database request failed",
              {log::kv("op", op), log::kv("code", to_string(err.code)),
               {"error", err.message}});
  return make_error(err.code, err.message);
}

// Answers one request. The board says this worker is free before the answer
// leaves the handler (a request handed to it meanwhile waits in its mailbox
// for this one to finish); the router hears it only when requests wait.
template <class T>
caf::result<T> reply(worker_ptr self, std::string_view op, result<T> res) {
  auto& board = *self->state.board;
  board.free.store(true);
  if (board.queued->load() > 0)
    send_router(self, done_atom::value);
  if (!res)
    return fail(self, op, res.error());
  return std::move(res).value();
}

// Runs `call` on the store (see exec) and answers with what it returns.
template <class Call>
auto serve(worker_ptr self, std::string_view op, Call&& call) {
  return reply(self, op, exec(self, std::forward<Call>(call)));
}

// -- mapping store results to answers -------------------------------------------

std::int64_t unix_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// A write answered with a bool: true when done, false when the user it
// needs is unknown (an answer, not an error).
result<bool> done_unless_unknown(const result<void>& res) {
  if (res)
    return true;
  if (res.error().code == db_errc::not_found)
    return false;
  return res.error();
}

result<bool> done(const result<void>& res) {
  if (res)
    return true;
  return res.error();
}

std::optional<bool> parse_flag(const std::string& value) {
  if (value == "true")
    return true;
  if (value == "false")
    return false;
  return std::nullopt;
}

result<void> apply_setting(store& db, platform_kind p, const std::string& id,
                           user_setting which, const std::string& value,
                           std::optional<bool> flag) {
  switch (which) {
    case user_setting::show_tags:
      return db.set_show_tags(p, id, *flag);
    case user_setting::cover_as_link:
      return db.set_cover_as_link(p, id, *flag);
    case user_setting::loved_emoji:
      return db.set_loved_emoji(p, id, value);
    case user_setting::time_zone:
      return db.set_time_zone(p, id, value);
    case user_setting::private_mode:
      return db.set_private_mode(p, id, *flag);
    case user_setting::banned:
      return db.set_banned(p, id, *flag);
  }
  return db_error{db_errc::other, "unknown user setting"};
}

caf::result<bool> change_setting(worker_ptr self, platform_kind p, const std::string& id,
                                 user_setting which, const std::string& value) {
  auto flag = parse_flag(value);
  if (which != user_setting::loved_emoji && which != user_setting::time_zone && !flag)
    return reply<bool>(self, "setting",
                       db_error{db_errc::other, "a flag setting must be \"true\" or \"false\""});
  return serve(self, "setting", [&](store& db) {
    return done(apply_setting(db, p, id, which, value, flag));
  });
}

result<void> change_member(store& db, platform_kind p, member_change change,
                           const std::string& a, const std::string& b) {
  switch (change) {
    case member_change::joined:
      return db.record_member(p, a, b);
    case member_change::left:
      return db.forget_member(p, a, b);
    case member_change::migrated:
      return db.migrate_group(p, a, b);
  }
  return db_error{db_errc::other, "unknown member change"};
}

void start(worker_ptr self, database_settings cfg, caf::actor_addr router,
           std::shared_ptr<pool_board> board) {
  keep_exception_text(self);
  self->state.cfg = std::move(cfg);
  self->state.router = std::move(router);
  self->state.board = std::move(board);
  // Only the router links to us: any exit message (even a normal one, which
  // CAF's default handler ignores) means the pool is going away.
  self->set_exit_handler(
    [self](caf::exit_msg& msg) { self->quit(std::move(msg.reason)); });
  // Connect right away, on this thread, so readiness is known before the
  // first request; requests that arrive first open the store themselves.
  self->state.tick_pending = true;
  self->send(self, tick_atom::value);
}

worker_actor::behavior_type worker_impl(worker_ptr self, database_settings cfg,
                                        caf::actor_addr router,
                                        std::shared_ptr<pool_board> board) {
  name_thread("lg.database");
  start(self, std::move(cfg), std::move(router), std::move(board));
  using str = const std::string&;
  return {
    [self](tick_atom) {
      self->state.tick_pending = false;
      if (!ensure_open(self))
        schedule_retry(self);
    },
    [self](get_user_atom, platform_kind p, str id) -> caf::result<user_lookup> {
      return serve(self, "get_user", [&](store& db) { return lookup(db.get_user(p, id)); });
    },
    [self](facts_atom, platform_kind p, str author, str target,
           str group) -> caf::result<guard_users> {
      return serve(self, "facts",
                   [&](store& db) { return read_facts(db, p, author, target, group); });
    },
    [self](register_atom, platform_kind p, str id, str fm_username,
           str display_name) -> caf::result<user_record> {
      return serve(self, "register", [&](store& db) {
        return db.register_user(p, id, fm_username, display_name);
      });
    },
    [self](unregister_atom, platform_kind p, str id) -> caf::result<bool> {
      return serve(self, "unregister",
                   [&](store& db) { return done_unless_unknown(db.unregister_user(p, id)); });
    },
    [self](session_atom, platform_kind p, str id) -> caf::result<std::string> {
      return serve(self, "get_session", [&](store& db) {
        auto res = db.get_session_key(p, id);
        if (!res && res.error().code == db_errc::not_found)
          return result<std::string>{std::string{}};
        return res;
      });
    },
    [self](session_atom, platform_kind p, str id, str key) -> caf::result<bool> {
      return serve(self, "set_session", [&](store& db) {
        return done_unless_unknown(key.empty() ? db.clear_session_key(p, id)
                                               : db.set_session_key(p, id, key));
      });
    },
    [self](setting_atom, platform_kind p, str id, user_setting which,
           str value) -> caf::result<bool> {
      return change_setting(self, p, id, which, value);
    },
    [self](language_atom, platform_kind p, str id, str code) -> caf::result<bool> {
      return serve(self, "language",
                   [&](store& db) { return done(db.upsert_user_language(p, id, code)); });
    },
    [self](group_atom, platform_kind p, str id, str title) -> caf::result<group_record> {
      return serve(self, "group", [&](store& db) { return db.upsert_group(p, id, title); });
    },
    [self](state_atom, str name) -> caf::result<std::string> {
      return serve(self, "get_state", [&](store& db) { return db.get_state(name); });
    },
    [self](state_atom, str name, str value) -> caf::result<bool> {
      return serve(self, "put_state", [&](store& db) { return done(db.put_state(name, value)); });
    },
    [self](reachable_atom, platform_kind p, str id, chat_kind kind,
           bool reachable) -> caf::result<bool> {
      return serve(self, "reachable", [&](store& db) {
        return done(db.set_chat_reachable(p, id, kind, reachable));
      });
    },
    [self](inbox_atom, const std::vector<inbox_entry>& entries,
           str claimer) -> caf::result<std::vector<std::string>> {
      return serve(self, "inbox_add",
                   [&](store& db) { return db.inbox_add(entries, claimer, unix_seconds()); });
    },
    [self](inbox_atom, platform_kind p) -> caf::result<std::int64_t> {
      return serve(self, "inbox_pending", [&](store& db) { return db.inbox_pending(p); });
    },
    [self](inbox_claim_atom, platform_kind p, str claimer, std::int64_t lease,
           std::int64_t limit) -> caf::result<std::vector<inbox_entry>> {
      return serve(self, "inbox_claim", [&](store& db) {
        return db.inbox_claim(p, claimer, unix_seconds(), lease, limit);
      });
    },
    [self](inbox_mark_atom, platform_kind p, const std::vector<std::string>& replied,
           const std::vector<std::string>& done) -> caf::result<std::int64_t> {
      return serve(self, "inbox_mark",
                   [&](store& db) { return db.inbox_mark(p, replied, done, unix_seconds()); });
    },
    [self](inbox_owner_atom, platform_kind p, str id) -> caf::result<std::string> {
      return serve(self, "inbox_owner", [&](store& db) -> result<std::string> {
        auto holder = db.inbox_owner(p, id);
        if (!holder)
          return holder.error();
        if (!holder->has_value())
          return std::string{};
        if ((*holder)->done)
          return std::string{inbox_owner_done};
        return std::move((*holder)->claimed_by);
      });
    },
    [self](inbox_prune_atom, std::int64_t retention) -> caf::result<std::int64_t> {
      return serve(self, "inbox_prune",
                   [&](store& db) { return db.inbox_prune(unix_seconds() - retention); });
    },
    [self](who_knows_atom, const who_knows_request& req) -> caf::result<who_knows_answer> {
      return serve(self, "who_knows", [&](store& db) { return db.run_who_knows(req); });
    },
    [self](crowns_atom, const crown_request& req) -> caf::result<crown_answer> {
      return serve(self, "crowns", [&](store& db) { return db.query_crowns(req); });
    },
    [self](listeners_atom, entity_kind kind, const std::string& name,
           const std::string& artist) -> caf::result<std::int64_t> {
      return serve(self, "listeners",
                   [&](store& db) { return db.count_listeners(kind, name, artist); });
    },
    [self](library_names_atom, platform_kind p, str id, entity_kind kind,
           str prefix) -> caf::result<std::vector<std::string>> {
      return serve(self, "library_names",
                   [&](store& db) { return db.library_names(p, id, kind, prefix); });
    },
    [self](member_atom, platform_kind p, member_change change, str a,
           str b) -> caf::result<bool> {
      return serve(self, "member", [&](store& db) { return done(change_member(db, p, change, a, b)); });
    },
    [self](plays_atom, const indexed_plays_query& q) -> caf::result<std::int64_t> {
      return serve(self, "plays", [&](store& db) { return db.indexed_playcount(q); });
    },
    [self](crown_ban_atom, platform_kind p, str id, bool on) -> caf::result<bool> {
      return serve(self, "crown_ban", [&](store& db) -> result<bool> {
        auto known = db.get_user(p, id);
        if (!known)
          return known.error();
        if (!known.value())
          return false;
        return done(db.set_crown_banned(p, id, on));
      });
    },
    [self](crown_clear_atom, platform_kind p, str group, str id) -> caf::result<std::int64_t> {
      return serve(self, "crown_clear",
                   [&](store& db) { return db.clear_user_crowns(p, group, id); });
    },
    [self](group_config_atom, platform_kind p, str group) -> caf::result<group_config> {
      return serve(self, "group_config", [&](store& db) { return db.get_group_config(p, group); });
    },
    [self](group_config_atom, platform_kind p, str group, group_setting which,
           str value) -> caf::result<group_config> {
      return serve(self, "group_config", [&](store& db) {
        return db.change_group_config(p, group, which, value);
      });
    },
  };
}

} // namespace

worker_actor spawn_worker(caf::local_actor* router, const database_settings& cfg,
                          std::shared_ptr<pool_board> board) {
  return router->spawn<caf::detached + caf::linked>(worker_impl, cfg, router->address(),
                                                    std::move(board));
}

} // namespace lastgram::database::detail
