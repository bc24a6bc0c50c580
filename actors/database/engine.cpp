#include "actors/database/engine.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/database/store.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/health.hpp"
#include "messages/database.hpp"
#include "messages/errors.hpp"

namespace lastgram::database {

namespace {

// Messages between the router and its workers; they never leave the node.
// (done): the worker answered its request and is free again.
using done_atom = caf::atom_constant<caf::atom("db_done")>;
// (link_state, connected, error): the worker connected or lost the database.
using link_state_atom = caf::atom_constant<caf::atom("db_link")>;

constexpr std::string_view engine = "database";

using clock_type = std::chrono::steady_clock;

void count_error(db_errc code) {
  metrics::get_counter("lastgram_database_errors_total",
                       "Database requests answered with an error, by code.",
                       {{"code", to_string(code)}})
    .inc();
}

// -- worker -------------------------------------------------------------------

struct worker_state {
  database_settings cfg;
  // Weak on purpose: the router owns its workers, and a worker holding it
  // strongly would keep an abandoned router (and so itself) alive forever.
  caf::actor_addr router;
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

using worker_actor = caf::stateful_actor<worker_state>;

void tell_router(worker_actor* self, bool connected) {
  auto& st = self->state;
  st.connected = connected;
  if (st.reported == connected)
    return;
  if (connected && st.reported == false)
    log::info(engine, "database connection restored");
  else if (!connected && st.reported == true)
    log::warn(engine, "database connection lost", {{"error", st.last_error}});
  st.reported = connected;
  if (auto router = caf::actor_cast<caf::actor>(st.router))
    self->send(router, link_state_atom::value, connected, st.last_error);
}

// One retry tick at a time, at the next allowed attempt: no busy loop while
// the database is down, and recovery without traffic.
void schedule_retry(worker_actor* self) {
  auto& st = self->state;
  if (st.tick_pending || st.connected)
    return;
  st.tick_pending = true;
  auto delay = std::max(st.next_attempt - clock_type::now(),
                        clock_type::duration::zero());
  self->delayed_send(self, delay, tick_atom::value);
}

void mark_down(worker_actor* self, std::string why) {
  auto& st = self->state;
  st.last_error = std::move(why);
  st.next_attempt = clock_type::now() + st.backoff;
  st.backoff = std::min(st.backoff * 2, reconnect_backoff_max);
  tell_router(self, false);
  schedule_retry(self);
}

// Opens (or reopens) the connection when allowed; false while it is down.
bool ensure_open(worker_actor* self) {
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
auto exec(worker_actor* self, Call&& call)
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

// Tells the router this worker is free; called once per request, before the
// answer leaves the handler.
void finished(worker_actor* self) {
  if (auto router = caf::actor_cast<caf::actor>(self->state.router))
    self->send(router, done_atom::value);
}

caf::error fail(worker_actor* self, std::string_view op, const db_error& err) {
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

template <class T, class Map>
auto answer(worker_actor* self, std::string_view op, result<T> res, Map map)
  -> caf::result<decltype(map(std::declval<T>()))> {
  finished(self);
  if (!res)
    return fail(self, op, res.error());
  return map(std::move(res).value());
}

template <class T>
caf::result<T> answer_void(worker_actor* self, std::string_view op,
                           const result<void>& res, T value) {
  finished(self);
  if (!res)
    return fail(self, op, res.error());
  return value;
}

user_lookup to_lookup(std::optional<user_record> user) {
  user_lookup out;
  out.found = user.has_value();
  if (user)
    out.user = std::move(*user);
  return out;
}

template <class T>
T same(T x) {
  return x;
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
  }
  return db_error{db_errc::other, "unknown user setting"};
}

caf::behavior worker_impl(worker_actor* self, database_settings cfg,
                          caf::actor_addr router) {
  keep_exception_text(self);
  self->state.cfg = std::move(cfg);
  self->state.router = std::move(router);
  // Only the router links to us: any exit message (even a normal one, which
  // CAF's default handler ignores) means the pool is going away.
  self->set_exit_handler(
    [self](caf::exit_msg& msg) { self->quit(std::move(msg.reason)); });
  // Connect right away, on this thread, so readiness is known before the
  // first request; requests that arrive first open the store themselves.
  self->state.tick_pending = true;
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) {
      self->state.tick_pending = false;
      if (!ensure_open(self))
        schedule_retry(self);
    },
    [self](get_user_atom, platform_kind p,
           const std::string& id) -> caf::result<user_lookup> {
      auto res = exec(self, [&](store& db) { return db.get_user(p, id); });
      return answer(self, "get_user", std::move(res), to_lookup);
    },
    [self](facts_atom, platform_kind p, const std::string& author,
           const std::string& target,
           const std::string& group) -> caf::result<guard_users> {
      auto res = exec(self, [&](store& db) -> result<guard_users> {
        guard_users out;
        auto a = db.get_user(p, author);
        if (!a)
          return a.error();
        out.author = to_lookup(std::move(a).value());
        if (!group.empty()) {
          auto g = db.get_group(p, group);
          if (!g)
            return g.error();
          if (*g)
            out.group_language = (*g)->language;
        }
        if (target.empty())
          return out;
        auto t = db.get_user(p, target);
        if (!t)
          return t.error();
        out.target = to_lookup(std::move(t).value());
        return out;
      });
      return answer(self, "facts", std::move(res), same<guard_users>);
    },
    [self](register_atom, platform_kind p, const std::string& id,
           const std::string& fm_username,
           const std::string& display_name) -> caf::result<user_record> {
      auto res = exec(self, [&](store& db) {
        return db.register_user(p, id, fm_username, display_name);
      });
      return answer(self, "register", std::move(res), same<user_record>);
    },
    [self](unregister_atom, platform_kind p,
           const std::string& id) -> caf::result<bool> {
      auto res = exec(self, [&](store& db) { return db.unregister_user(p, id); });
      if (!res && res.error().code == db_errc::not_found)
        return answer_void(self, "unregister", {}, false);
      return answer_void(self, "unregister", res, true);
    },
    [self](session_atom, platform_kind p,
           const std::string& id) -> caf::result<std::string> {
      auto res = exec(self, [&](store& db) { return db.get_session_key(p, id); });
      if (!res && res.error().code == db_errc::not_found)
        res = std::string{};
      return answer(self, "get_session", std::move(res), same<std::string>);
    },
    [self](session_atom, platform_kind p, const std::string& id,
           const std::string& key) -> caf::result<bool> {
      auto res = exec(self, [&](store& db) {
        return key.empty() ? db.clear_session_key(p, id)
                           : db.set_session_key(p, id, key);
      });
      if (!res && res.error().code == db_errc::not_found)
        return answer_void(self, "set_session", {}, false);
      return answer_void(self, "set_session", res, true);
    },
    [self](setting_atom, platform_kind p, const std::string& id,
           user_setting which, const std::string& value) -> caf::result<bool> {
      auto flag = parse_flag(value);
      if (which != user_setting::loved_emoji && !flag)
        return answer_void(self, "setting",
                           db_error{db_errc::other,
                                    "a flag setting must be \"true\" or \"false\""},
                           false);
      auto res = exec(self, [&](store& db) {
        return apply_setting(db, p, id, which, value, flag);
      });
      return answer_void(self, "setting", res, true);
    },
    [self](language_atom, platform_kind p, const std::string& id,
           const std::string& code) -> caf::result<bool> {
      auto res = exec(self, [&](store& db) {
        return db.upsert_user_language(p, id, code);
      });
      return answer_void(self, "language", res, true);
    },
    [self](group_atom, platform_kind p, const std::string& id,
           const std::string& title) -> caf::result<group_record> {
      auto res = exec(self, [&](store& db) { return db.upsert_group(p, id, title); });
      return answer(self, "group", std::move(res), same<group_record>);
    },
    [self](state_atom, const std::string& name) -> caf::result<std::string> {
      auto res = exec(self, [&](store& db) { return db.get_state(name); });
      return answer(self, "get_state", std::move(res), same<std::string>);
    },
    [self](state_atom, const std::string& name,
           const std::string& value) -> caf::result<bool> {
      auto res = exec(self, [&](store& db) { return db.put_state(name, value); });
      return answer_void(self, "put_state", res, true);
    },
    [self](reachable_atom, platform_kind p, const std::string& id, chat_kind kind,
           bool reachable) -> caf::result<bool> {
      auto res = exec(self, [&](store& db) {
        return db.set_chat_reachable(p, id, kind, reachable);
      });
      return answer_void(self, "reachable", res, true);
    },
  };
}

// -- router -------------------------------------------------------------------

enum class link_state { unknown, up, down };

struct worker_slot {
  caf::actor handle;
  link_state state = link_state::unknown;
  bool busy = false;
};

struct pending_request {
  caf::message content;
  caf::response_promise promise;
};

struct router_state {
  database_settings cfg;
  std::shared_ptr<health_board> health;
  std::vector<worker_slot> workers;
  std::deque<pending_request> queue;
  bool ready = false;
  bool outage_logged = false;
  bool overload_logged = false;
  std::string last_error;
  /// lastgram_mailbox_backlog{engine="database"}: requests waiting in the
  /// router's mailbox and queue, sampled on every request.
  metrics::gauge backlog = metrics::get_gauge(
    "lastgram_mailbox_backlog", "Messages waiting in an engine's mailbox", {{"engine", "database"}});
  static inline const char* name = "database_engine";
};

using router_actor = caf::stateful_actor<router_state>;

caf::actor spawn_worker(router_actor* self) {
  return self->spawn<caf::detached + caf::linked>(worker_impl, self->state.cfg,
                                                  self->address());
}

bool all_down(const router_state& st) {
  return std::all_of(st.workers.begin(), st.workers.end(),
                     [](auto& w) { return w.state == link_state::down; });
}

worker_slot* idle_worker(router_state& st) {
  for (auto& w : st.workers)
    if (!w.busy && w.state != link_state::down)
      return &w;
  return nullptr;
}

worker_slot* find_worker(router_state& st, const caf::actor_addr& who) {
  for (auto& w : st.workers)
    if (w.handle.address() == who)
      return &w;
  return nullptr;
}

void refuse(caf::response_promise& rp, std::string detail) {
  count_error(db_errc::unavailable);
  rp.deliver(make_error(db_errc::unavailable, std::move(detail)));
}

std::string down_detail(const router_state& st) {
  return "database unavailable: " + st.last_error;
}

// Hands queued requests to free connected workers; while every worker is
// down, fails them at once instead of letting them wait for a timeout.
void drain(router_actor* self) {
  auto& st = self->state;
  if (all_down(st)) {
    for (auto& req : st.queue)
      refuse(req.promise, down_detail(st));
    st.queue.clear();
    return;
  }
  while (!st.queue.empty()) {
    auto w = idle_worker(st);
    if (w == nullptr)
      break;
    w->busy = true;
    st.queue.front().promise.delegate(w->handle,
                                      std::move(st.queue.front().content));
    st.queue.pop_front();
  }
  if (st.queue.empty())
    st.overload_logged = false;
}

caf::response_promise submit(router_actor* self, caf::message content) {
  self->state.backlog.set(
    static_cast<double>(self->mailbox().size() + self->state.queue.size()));
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (all_down(st)) {
    refuse(rp, down_detail(st));
  } else if (auto w = idle_worker(st)) {
    w->busy = true;
    rp.delegate(w->handle, std::move(content));
  } else if (st.queue.size() >= max_queued_requests) {
    if (!st.overload_logged) {
      st.overload_logged = true;
      log::warn(engine, "database busy, refusing requests",
                {log::kv("queued", static_cast<std::int64_t>(st.queue.size()))});
    }
    refuse(rp, "busy");
  } else {
    st.queue.push_back(pending_request{std::move(content), rp});
  }
  return rp;
}

void publish_readiness(router_actor* self) {
  auto& st = self->state;
  bool up = std::any_of(st.workers.begin(), st.workers.end(),
                        [](auto& w) { return w.state == link_state::up; });
  if (all_down(st) && !st.outage_logged) {
    st.outage_logged = true;
    log::warn(engine, "database unavailable", {{"error", st.last_error}});
  }
  if (up == st.ready)
    return;
  st.ready = up;
  if (up) {
    log::info(engine, st.outage_logged ? "database back" : "database ready");
    st.outage_logged = false;
  }
  if (st.health)
    st.health->set_ready(engine, up);
  metrics::engine_up(engine, up);
}

caf::behavior router_impl(router_actor* self, database_settings cfg,
                          std::shared_ptr<health_board> health) {
  keep_exception_text(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.health = std::move(health);
  if (st.health)
    st.health->set_ready(engine, false);
  metrics::engine_up(engine, false);
  auto pool = std::clamp<std::int64_t>(st.cfg.pool_size, 1, 32);
  for (std::int64_t i = 0; i < pool; ++i)
    st.workers.push_back(worker_slot{spawn_worker(self)});
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto w = find_worker(self->state, msg.source);
    if (w == nullptr) {
      // Our parent or supervisor: stop, and the linked workers with us.
      self->quit(std::move(msg.reason));
      return;
    }
    // A worker threw (a bug): its request got the error; replace it.
    log::error(engine, "database worker died",
               {{"reason", caf::to_string(msg.reason)}});
    metrics::actor_restarted(engine);
    *w = worker_slot{spawn_worker(self)};
    publish_readiness(self);
    drain(self);
  });
  auto fwd = [self](auto&&... xs) {
    return submit(self, caf::make_message(std::forward<decltype(xs)>(xs)...));
  };
  return {
    [self](done_atom) {
      if (auto w = find_worker(self->state, caf::actor_cast<caf::actor_addr>(
                                              self->current_sender())))
        w->busy = false;
      drain(self);
    },
    [self](link_state_atom, bool connected, std::string& error) {
      auto w = find_worker(self->state, caf::actor_cast<caf::actor_addr>(
                                          self->current_sender()));
      if (w == nullptr)
        return;
      w->state = connected ? link_state::up : link_state::down;
      if (!connected)
        self->state.last_error = std::move(error);
      publish_readiness(self);
      drain(self);
    },
    [fwd](get_user_atom a, platform_kind p, std::string& id) {
      return fwd(a, p, std::move(id));
    },
    [fwd](facts_atom a, platform_kind p, std::string& author,
          std::string& target, std::string& group) {
      return fwd(a, p, std::move(author), std::move(target), std::move(group));
    },
    [fwd](register_atom a, platform_kind p, std::string& id,
          std::string& fm_username, std::string& display_name) {
      return fwd(a, p, std::move(id), std::move(fm_username),
                 std::move(display_name));
    },
    [fwd](unregister_atom a, platform_kind p, std::string& id) {
      return fwd(a, p, std::move(id));
    },
    [fwd](session_atom a, platform_kind p, std::string& id) {
      return fwd(a, p, std::move(id));
    },
    [fwd](session_atom a, platform_kind p, std::string& id, std::string& key) {
      return fwd(a, p, std::move(id), std::move(key));
    },
    [fwd](setting_atom a, platform_kind p, std::string& id, user_setting which,
          std::string& value) {
      return fwd(a, p, std::move(id), which, std::move(value));
    },
    [fwd](language_atom a, platform_kind p, std::string& id,
          std::string& code) {
      return fwd(a, p, std::move(id), std::move(code));
    },
    [fwd](group_atom a, platform_kind p, std::string& id, std::string& title) {
      return fwd(a, p, std::move(id), std::move(title));
    },
    [fwd](state_atom a, std::string& name) { return fwd(a, std::move(name)); },
    [fwd](state_atom a, std::string& name, std::string& value) {
      return fwd(a, std::move(name), std::move(value));
    },
    [fwd](reachable_atom a, platform_kind p, std::string& id, chat_kind kind,
          bool reachable) {
      return fwd(a, p, std::move(id), kind, reachable);
    },
  };
}

} // namespace

caf::actor spawn_engine(caf::local_actor* parent, database_settings settings,
                        std::shared_ptr<health_board> health) {
  return parent->spawn(router_impl, std::move(settings), std::move(health));
}

} // namespace lastgram::database
