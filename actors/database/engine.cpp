// The database engine's router: the actor behind `database_actor`. It owns a
// pool of connection workers (worker.cpp), hands each request to a free one,
// queues a bounded number while all are busy, refuses at once while none is
// connected, and publishes readiness.

#include "actors/database/engine.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/database/direct_reads.hpp"
#include "actors/database/pg_lane.hpp"
#include "actors/database/worker.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/health.hpp"
#include "messages/database.hpp"
#include "messages/errors.hpp"

namespace lastgram::database {

namespace {

using detail::count_error;
using detail::done_atom;
using detail::link_state_atom;
using detail::router_actor;
using detail::via_workers_atom;
using detail::worker_actor;

constexpr std::string_view engine = detail::engine_name;

enum class link_state { unknown, up, down };

struct worker_slot {
  worker_actor handle;
  std::shared_ptr<detail::pool_board> board;
  link_state state = link_state::unknown;
};

/// A request waiting for a free worker, with its arguments and its promise
/// captured in each of the two ways it can end.
struct pending_request {
  std::function<void(const worker_actor&)> hand_to;
  std::function<void(caf::error)> refuse;
};

struct router_state {
  database_settings cfg;
  std::shared_ptr<health_board> health;
  /// PostgreSQL's pipelined lane for the hot path, or null.
  std::shared_ptr<pg_lane> lane;
  std::vector<worker_slot> workers;
  std::deque<pending_request> queue;
  /// queue.size(), for the workers (see detail::pool_board).
  std::shared_ptr<std::atomic<std::size_t>> queued = std::make_shared<std::atomic<std::size_t>>(0);
  bool ready = false;
  bool outage_logged = false;
  bool overload_logged = false;
  std::string last_error;
  /// lastgram_mailbox_backlog{engine="database"}: requests waiting in the
  /// router's mailbox and queue, sampled on every request.
  metrics::gauge backlog = metrics::get_gauge(
    "lastgram_mailbox_backlog", "Messages waiting in an engine's mailbox", {{"engine", "database"}});
  /// lastgram_database_connections: workers holding an open, migrated
  /// connection (the pool's health; readiness only says "at least one").
  metrics::gauge connected = metrics::get_gauge(
    "lastgram_database_connections", "Database workers holding an open connection.");
  static inline const char* name = "database_engine";
};

using router_ptr = router_actor::stateful_pointer<router_state>;

bool all_down(const router_state& st) {
  return std::all_of(st.workers.begin(), st.workers.end(),
                     [](auto& w) { return w.state == link_state::down; });
}

worker_slot* idle_worker(router_state& st) {
  for (auto& w : st.workers)
    if (w.state != link_state::down && w.board->free.load())
      return &w;
  return nullptr;
}

// Takes a worker for one request (it frees itself on its board).
void occupy(worker_slot& w) {
  w.board->free.store(false);
}

worker_slot make_slot(caf::local_actor* router, const router_state& st) {
  auto board = std::make_shared<detail::pool_board>();
  board->queued = st.queued;
  worker_slot out;
  out.handle = detail::spawn_worker(router, st.cfg, board);
  out.board = std::move(board);
  return out;
}

worker_slot* find_worker(router_state& st, const caf::actor_addr& who) {
  for (auto& w : st.workers)
    if (w.handle.address() == who)
      return &w;
  return nullptr;
}

caf::error unavailable(std::string detail) {
  count_error(db_errc::unavailable);
  return make_error(db_errc::unavailable, std::move(detail));
}

std::string down_detail(const router_state& st) {
  return "database unavailable: " + st.last_error;
}

// Hands queued requests to free connected workers; while every worker is
// down, fails them at once instead of letting them wait for a timeout.
void drain(router_ptr self) {
  auto& st = self->state;
  if (all_down(st)) {
    for (auto& req : st.queue)
      req.refuse(unavailable(down_detail(st)));
    st.queue.clear();
    st.queued->store(0);
    return;
  }
  while (!st.queue.empty()) {
    auto w = idle_worker(st);
    if (w == nullptr)
      break;
    occupy(*w);
    st.queue.front().hand_to(w->handle);
    st.queue.pop_front();
  }
  st.queued->store(st.queue.size());
  if (st.queue.empty())
    st.overload_logged = false;
}

// Routes one request of `database_actor` answered with an `R`: to a free
// worker, into the queue (at its front when `urgent`), or refused.
template <class R, bool urgent = false, class... Ts>
caf::result<R> submit(router_ptr self, Ts... xs) {
  auto& st = self->state;
  st.backlog.set(static_cast<double>(self->mailbox().size() + st.queue.size()));
  auto rp = self->template make_response_promise<R>();
  if (all_down(st)) {
    rp.deliver(unavailable(down_detail(st)));
  } else if (auto w = idle_worker(st)) {
    occupy(*w);
    rp.delegate(w->handle, std::move(xs)...);
  } else if (st.queue.size() >= max_queued_requests && !urgent) {
    if (!st.overload_logged) {
      st.overload_logged = true;
      log::warn(engine, "database busy, refusing requests",
                {log::kv("queued", static_cast<std::int64_t>(st.queue.size()))});
    }
    rp.deliver(unavailable("busy"));
  } else {
    pending_request req{
      [rp, xs...](const worker_actor& worker) mutable { rp.delegate(worker, std::move(xs)...); },
      [rp](caf::error err) mutable { rp.deliver(std::move(err)); }};
    if (urgent)
      st.queue.push_front(std::move(req));
    else
      st.queue.push_back(std::move(req));
    // Stored before the workers' boards are read again (drain): a worker
    // freed meanwhile either sees the queue or is seen free here.
    st.queued->store(st.queue.size());
    drain(self);
  }
  return rp;
}

/// The lane, when it is up and has room for a request of `op`; null (the
/// workers' turn, counted) otherwise.
pg_lane* lane_for(router_ptr self, hot_op op) {
  auto* lane = self->state.lane.get();
  if (lane == nullptr)
    return nullptr;
  if (lane->up())
    return lane;
  count_hot(op, false);
  return nullptr;
}

/// Asks the lane (`ask(done)` calls it) and answers with what it says; when
/// it cannot answer, the same request goes to the workers through this
/// router (via_workers), still answering the original requester.
template <class R, class Ask, class... Ts>
caf::result<R> through_lane(router_ptr self, Ask ask, Ts... xs) {
  auto rp = self->template make_response_promise<R>();
  auto me = caf::actor_cast<router_actor>(self);
  ask([rp, me, xs...](std::optional<R> answer) mutable {
    if (answer)
      rp.deliver(std::move(*answer));
    else
      rp.delegate(me, via_workers_atom::value, std::move(xs)...);
  });
  return rp;
}

void publish_readiness(router_ptr self) {
  auto& st = self->state;
  auto connected = std::count_if(st.workers.begin(), st.workers.end(),
                                 [](auto& w) { return w.state == link_state::up; });
  st.connected.set(static_cast<double>(connected));
  bool up = connected > 0;
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

void on_exit(router_ptr self, caf::exit_msg& msg) {
  auto w = find_worker(self->state, msg.source);
  if (w == nullptr) {
    // Our parent or supervisor: stop, and the linked workers with us.
    self->quit(std::move(msg.reason));
    return;
  }
  // A worker threw (a bug): its request got the error; replace it.
  log::error(engine, "database worker died", {{"reason", caf::to_string(msg.reason)}});
  metrics::actor_restarted(engine);
  *w = make_slot(self, self->state);
  publish_readiness(self);
  drain(self);
}

void start(router_ptr self, database_settings cfg, std::shared_ptr<health_board> health,
           std::shared_ptr<pg_lane> lane) {
  keep_exception_text(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.health = std::move(health);
  st.lane = std::move(lane);
  if (st.health)
    st.health->set_ready(engine, false);
  metrics::engine_up(engine, false);
  st.connected.set(0);
  // 0: SQLite's writes take one lock whatever the pool, while each
  // PostgreSQL connection is a server process of its own: at 1,600 fresh
  // /ln per second two connections queue the inbox's writes and the
  // guards' reads behind each other, four keep up (README, "Fresh /ln").
  auto wanted = st.cfg.pool_size > 0 ? st.cfg.pool_size : st.cfg.url.empty() ? 2 : 4;
  auto pool = std::clamp<std::int64_t>(wanted, 1, 64);
  for (std::int64_t i = 0; i < pool; ++i)
    st.workers.push_back(make_slot(self, st));
  self->set_exit_handler([self](caf::exit_msg& msg) { on_exit(self, msg); });
}

router_actor::behavior_type router_impl(router_ptr self, database_settings cfg,
                                        std::shared_ptr<health_board> health,
                                        std::shared_ptr<pg_lane> lane) {
  start(self, std::move(cfg), std::move(health), std::move(lane));
  using str = std::string&;
  return {
    [self](done_atom) { drain(self); },
    [self](link_state_atom, bool connected, str error) {
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto w = find_worker(self->state, sender);
      if (w == nullptr)
        return;
      w->state = connected ? link_state::up : link_state::down;
      if (!connected)
        self->state.last_error = std::move(error);
      publish_readiness(self);
      drain(self);
    },
    [self](get_user_atom a, platform_kind p, str id) {
      return submit<user_lookup>(self, a, p, std::move(id));
    },
    [self](facts_atom a, platform_kind p, str author, str target,
           str group) -> caf::result<guard_users> {
      // A group's read records a member (a write that depends on the read).
      if (group.empty())
        if (auto* pipelined = lane_for(self, hot_op::facts))
          return through_lane<guard_users>(
            self, [&](auto done) { pipelined->facts(p, author, target, std::move(done)); }, a, p,
            author, target, group);
      return submit<guard_users>(self, a, p, std::move(author), std::move(target),
                                 std::move(group));
    },
    [self](via_workers_atom, facts_atom a, platform_kind p, str author, str target, str group) {
      count_hot(hot_op::facts, false);
      return submit<guard_users>(self, a, p, std::move(author), std::move(target),
                                 std::move(group));
    },
    [self](register_atom a, platform_kind p, str id, str fm_username, str display_name) {
      return submit<user_record>(self, a, p, std::move(id), std::move(fm_username),
                                 std::move(display_name));
    },
    [self](unregister_atom a, platform_kind p, str id) {
      return submit<bool>(self, a, p, std::move(id));
    },
    [self](session_atom a, platform_kind p, str id) {
      return submit<std::string>(self, a, p, std::move(id));
    },
    [self](session_atom a, platform_kind p, str id, str key) {
      return submit<bool>(self, a, p, std::move(id), std::move(key));
    },
    [self](setting_atom a, platform_kind p, str id, user_setting which, str value) {
      return submit<bool>(self, a, p, std::move(id), which, std::move(value));
    },
    [self](language_atom a, platform_kind p, str id, str code) {
      return submit<bool>(self, a, p, std::move(id), std::move(code));
    },
    [self](group_atom a, platform_kind p, str id, str title) {
      return submit<group_record>(self, a, p, std::move(id), std::move(title));
    },
    [self](state_atom a, str name) { return submit<std::string>(self, a, std::move(name)); },
    [self](state_atom a, str name, str value) {
      return submit<bool>(self, a, std::move(name), std::move(value));
    },
    [self](reachable_atom a, platform_kind p, str id, chat_kind kind, bool reachable) {
      return submit<bool>(self, a, p, std::move(id), kind, reachable);
    },
    [self](inbox_atom a, std::vector<inbox_entry>& entries,
           str claimer) -> caf::result<std::vector<std::string>> {
      if (auto* pipelined = lane_for(self, hot_op::inbox_add))
        return through_lane<std::vector<std::string>>(
          self, [&](auto done) { pipelined->inbox_add(entries, claimer, std::move(done)); }, a,
          entries, claimer);
      // New updates jump the queue, as marks do (see database.hpp).
      return submit<std::vector<std::string>, true>(self, a, std::move(entries),
                                                    std::move(claimer));
    },
    [self](via_workers_atom, inbox_atom a, std::vector<inbox_entry>& entries, str claimer) {
      count_hot(hot_op::inbox_add, false);
      return submit<std::vector<std::string>, true>(self, a, std::move(entries),
                                                    std::move(claimer));
    },
    [self](inbox_atom a, platform_kind p) { return submit<std::int64_t>(self, a, p); },
    [self](inbox_claim_atom a, platform_kind p, str claimer, std::int64_t lease,
           std::int64_t limit) {
      return submit<std::vector<inbox_entry>>(self, a, p, std::move(claimer), lease, limit);
    },
    [self](inbox_mark_atom a, platform_kind p, std::vector<std::string>& replied,
           std::vector<std::string>& done) -> caf::result<std::int64_t> {
      if (auto* pipelined = lane_for(self, hot_op::inbox_mark))
        return through_lane<std::int64_t>(
          self, [&](auto answer) { pipelined->inbox_mark(p, replied, done, std::move(answer)); }, a,
          p, replied, done);
      // Marks keep leases honest: they jump the queue (see database.hpp).
      return submit<std::int64_t, true>(self, a, p, std::move(replied), std::move(done));
    },
    [self](via_workers_atom, inbox_mark_atom a, platform_kind p,
           std::vector<std::string>& replied, std::vector<std::string>& done) {
      count_hot(hot_op::inbox_mark, false);
      return submit<std::int64_t, true>(self, a, p, std::move(replied), std::move(done));
    },
    [self](inbox_owner_atom a, platform_kind p, str id) {
      return submit<std::string, true>(self, a, p, std::move(id));
    },
    [self](inbox_prune_atom a, std::int64_t retention) {
      return submit<std::int64_t>(self, a, retention);
    },
    [self](who_knows_atom a, who_knows_request& req) {
      return submit<who_knows_answer>(self, a, std::move(req));
    },
    [self](crowns_atom a, crown_request& req) {
      return submit<crown_answer>(self, a, std::move(req));
    },
    [self](listeners_atom a, entity_kind kind, str name, str artist) {
      return submit<std::int64_t>(self, a, kind, std::move(name), std::move(artist));
    },
    [self](library_names_atom a, platform_kind p, str id, entity_kind kind, str prefix) {
      return submit<std::vector<std::string>>(self, a, p, std::move(id), kind,
                                              std::move(prefix));
    },
    [self](member_atom a, platform_kind p, member_change change, str x, str y) {
      return submit<bool>(self, a, p, change, std::move(x), std::move(y));
    },
    [self](plays_atom a, indexed_plays_query& q) -> caf::result<std::int64_t> {
      if (auto* pipelined = lane_for(self, hot_op::plays))
        return through_lane<std::int64_t>(
          self, [&](auto done) { pipelined->plays(q, std::move(done)); }, a, q);
      return submit<std::int64_t>(self, a, std::move(q));
    },
    [self](via_workers_atom, plays_atom a, indexed_plays_query& q) {
      count_hot(hot_op::plays, false);
      return submit<std::int64_t>(self, a, std::move(q));
    },
    [self](crown_ban_atom a, platform_kind p, str id, bool on) {
      return submit<bool>(self, a, p, std::move(id), on);
    },
    [self](crown_clear_atom a, platform_kind p, str group, str id) {
      return submit<std::int64_t>(self, a, p, std::move(group), std::move(id));
    },
    [self](group_config_atom a, platform_kind p, str group) {
      return submit<group_config>(self, a, p, std::move(group));
    },
    [self](group_config_atom a, platform_kind p, str group, group_setting which, str value) {
      return submit<group_config>(self, a, p, std::move(group), which, std::move(value));
    },
  };
}

} // namespace

database_actor spawn_engine(caf::local_actor* parent, database_settings settings,
                            std::shared_ptr<health_board> health,
                            std::shared_ptr<pg_lane> lane) {
  return parent->spawn(router_impl, std::move(settings), std::move(health), std::move(lane));
}

} // namespace lastgram::database
