#include "actors/indexer/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <tuple>
#include <string>
#include <utility>

#include "caf/all.hpp"

#include "actors/indexer/engine_state.hpp"
#include "actors/logging/log.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/thread_name.hpp"
#include "messages/errors.hpp"

namespace lastgram::indexer {

namespace detail {

std::int64_t now_of(const indexer_options& o) {
  if (o.now)
    return o.now();
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

database::store* store_of(self_ptr self) {
  auto& st = self->state;
  if (st.db)
    return &*st.db;
  auto db = database::store::open(st.opts->database);
  if (db) {
    if (auto m = db->migrate(); !m) {
      log::warn(engine_name, "database not ready", {{"detail", m.error().message}});
      return nullptr;
    }
    st.db.emplace(std::move(db).value());
    return &*st.db;
  }
  log::warn(engine_name, "database unreachable", {{"detail", db.error().message}});
  return nullptr;
}

void db_failed(self_ptr self, const char* what, const db_error& e) {
  log::warn(engine_name, what, {log::kv("code", to_string(e.code)), {"detail", e.message}});
  if (e.code == db_errc::unavailable)
    self->state.db.reset();
}

job* job_of(self_ptr self, std::int64_t user, std::uint64_t generation) {
  auto i = self->state.jobs.find(user);
  if (i == self->state.jobs.end() || i->second.generation != generation)
    return nullptr;
  return &i->second;
}

void next_step(self_ptr self, const job& j, std::int64_t user) {
  self->send(self, step_atom::value, user, j.generation);
}

} // namespace detail

namespace {

using namespace detail;

/// Libraries indexed at once: enough to keep the background lane busy
/// across Last.fm's round trips, few enough to finish libraries one by one.
constexpr std::size_t parallel_jobs = 2;

/// Whether a user who asked for a refresh was fully indexed recently enough
/// that their newest scrobbles are all that is missing.
bool wants_incremental(const index_state& s, std::int64_t now, const indexer_settings& cfg) {
  return s.status == index_status::done && s.last_scrobble_at > 0
         && now < s.last_full_at + cfg.interval_hours * 3600;
}

void start_jobs(self_ptr self) {
  auto& st = self->state;
  if (st.paused_until > now_of(*st.opts))
    return;
  while (st.leader && st.jobs.size() < parallel_jobs && !st.queue.empty()) {
    auto next = std::move(st.queue.front());
    st.queue.pop_front();
    st.queued.erase(next.user_id);
    if (st.jobs.count(next.user_id) > 0)
      continue;
    auto* db = store_of(self);
    if (!db)
      return;
    auto old = db->get_index_state(next.user_id);
    if (!old) {
      db_failed(self, "reading an index state failed", old.error());
      return;
    }
    job j;
    j.generation = st.next_generation++;
    j.user = next.fm_username;
    j.corrections_left = st.opts->settings.corrections_per_library;
    if (old->status == index_status::running) {
      j.state = *old; // resumes after the last stored page
    } else if (auto now = now_of(*st.opts);
               old->next_due_at <= now && wants_incremental(*old, now, st.opts->settings)) {
      // Asked for (/index made it due); due early (active user): full.
      j.state = *old;
      j.incremental = true;
    } else {
      j.state = fresh_index(*old);
    }
    auto& placed = st.jobs.emplace(next.user_id, std::move(j)).first->second;
    next_step(self, placed, next.user_id);
  }
}

} // namespace

void detail::end_job(self_ptr self, std::int64_t user, const index_state* final_state) {
  auto& st = self->state;
  if (final_state)
    if (auto* db = store_of(self))
      if (auto r = db->put_index_state(*final_state); !r)
        db_failed(self, "storing an index state failed", r.error());
  st.jobs.erase(user);
  start_jobs(self);
}

namespace {

/// Queues `user` (first in line when `urgent`), unless queued or running.
void enqueue(self_ptr self, due_library lib, bool urgent) {
  auto& st = self->state;
  if (st.jobs.count(lib.user_id) > 0 || !st.queued.insert(lib.user_id).second)
    return;
  if (urgent)
    st.queue.push_front(std::move(lib));
  else
    st.queue.push_back(std::move(lib));
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  bool leader = !st.opts->is_leader || st.opts->is_leader();
  if (leader != st.leader) {
    log::info(engine_name, leader ? "this node indexes libraries now" : "another node indexes now");
    st.leader = leader;
    // A new leader starts from the database; a former one lets go of its
    // jobs (their pages are stored, the new leader resumes them).
    st.jobs.clear();
    st.queue.clear();
    st.queued.clear();
  }
  self->delayed_send(self, std::chrono::seconds{st.opts->settings.scan_seconds}, tick_atom::value);
  if (!leader)
    return;
  auto* db = store_of(self);
  if (!db)
    return;
  auto now = now_of(*st.opts);
  auto soon = active_due_rule(now, st.opts->settings);
  if (auto summary = db->due_summary(now, soon)) {
    st.queue_length.set(static_cast<double>(summary->first));
    st.oldest_due.set(summary->second > 0 ? static_cast<double>(now - summary->second) : 0.0);
  }
  if (st.queue.empty()) {
    auto due = db->due_libraries(now, 100, soon);
    if (!due)
      return db_failed(self, "listing due libraries failed", due.error());
    for (auto& lib : *due)
      enqueue(self, std::move(lib), false);
  }
  start_jobs(self);
}

/// The user's stored index state, or the error to answer with.
expected<index_state, caf::error> stored_state(self_ptr self, std::int64_t user) {
  auto* db = store_of(self);
  if (!db)
    return make_error(db_errc::unavailable, "indexer: database unreachable");
  auto s = db->get_index_state(user);
  if (!s)
    return make_error(s.error().code, s.error().message);
  return std::move(s).value();
}

caf::result<index_progress> progress(self_ptr self, std::int64_t user) {
  index_progress p;
  auto s = stored_state(self, user);
  if (!s)
    return s.error();
  p.status = s->status;
  p.running = s->status == index_status::running || self->state.jobs.count(user) > 0;
  p.kind = s->kind;
  std::tie(p.done, p.total) = progress_of(*s, self->state.opts->settings);
  p.last_full_at = s->last_full_at;
  return p;
}

caf::result<index_request_result> request_refresh(self_ptr self, std::int64_t user,
                                                  const std::string& fm_username) {
  auto& st = self->state;
  index_request_result out;
  auto s = stored_state(self, user);
  if (!s)
    return s.error();
  auto* db = store_of(self);
  auto now = now_of(*st.opts);
  auto cooldown = st.opts->settings.refresh_cooldown_seconds;
  if (s->requested_at > 0 && now - s->requested_at < cooldown) {
    out.outcome = index_request_result::too_soon;
    out.wait_seconds = cooldown - (now - s->requested_at);
    return out;
  }
  if (s->status == index_status::running || st.jobs.count(user) > 0) {
    out.outcome = index_request_result::running;
    return out;
  }
  // Due now: the leader (this node or another) picks it up at its next
  // scan; this node, when it leads, at once.
  auto next = *s;
  next.requested_at = now;
  if (!wants_incremental(next, now, st.opts->settings))
    next.next_due_at = 0;
  else
    next.next_due_at = std::min(next.next_due_at, now);
  if (auto w = db->put_index_state(next); !w)
    return make_error(w.error().code, w.error().message);
  enqueue(self, due_library{user, fm_username, 0}, true);
  start_jobs(self);
  out.outcome = index_request_result::started;
  return out;
}

/// A user registered or linked another Last.fm account: whatever was
/// staged belongs to the old account, so the next index starts from page 1,
/// and it is due now (for whichever node leads).
void index_new_user(self_ptr self, std::int64_t user, const std::string& fm_username) {
  auto& st = self->state;
  if (st.jobs.count(user) > 0 && st.jobs.at(user).user == fm_username)
    return;
  st.jobs.erase(user);
  if (auto* db = store_of(self)) {
    if (auto old = db->get_index_state(user)) {
      auto s = fresh_index(*old);
      s.status = old->status == index_status::done ? index_status::done : index_status::none;
      s.last_scrobble_at = 0; // another account's scrobbles
      s.next_due_at = 0;
      if (auto w = db->put_index_state(s); !w)
        db_failed(self, "storing an index state failed", w.error());
    }
  }
  enqueue(self, due_library{user, fm_username, 0}, true);
  start_jobs(self);
}

impl_actor::behavior_type engine_impl(self_ptr self, std::shared_ptr<const indexer_options> opts) {
  name_thread("lg.indexer");
  keep_exception_text(self);
  self->state.opts = std::move(opts);
  self->send(self, tick_atom::value);
  return {
    [self](index_user_atom, std::int64_t user, const std::string& fm_username) {
      index_new_user(self, user, fm_username);
    },
    [self](index_request_atom, std::int64_t user, const std::string& fm_username) {
      return request_refresh(self, user, fm_username);
    },
    [self](index_progress_atom, std::int64_t user) { return progress(self, user); },
    [self](tick_atom) { on_tick(self); },
    [self](step_atom, std::int64_t user, std::uint64_t generation) { step(self, user, generation); },
  };
}

} // namespace

indexer_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<const indexer_options> opts) {
  // Detached: the store's calls block, and this actor owns its connection.
  return parent->spawn<caf::detached>(engine_impl, std::move(opts));
}

} // namespace lastgram::indexer
