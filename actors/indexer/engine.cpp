#include "actors/indexer/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <tuple>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/database/store.hpp"
#include "actors/indexer/plan.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/exceptions.hpp"
#include "messages/errors.hpp"

namespace lastgram::indexer {

namespace {

using tick_atom = caf::atom_constant<caf::atom("idxtick")>;
using step_atom = caf::atom_constant<caf::atom("idxstep")>;

using impl_actor = indexer_actor::extend<caf::reacts_to<tick_atom>,
                                         caf::reacts_to<step_atom, std::int64_t, std::uint64_t>>;

constexpr const char* engine_name = "indexer";

/// Libraries indexed at once: enough to keep the background lane busy
/// across Last.fm's round trips, few enough to finish libraries one by one.
constexpr std::size_t parallel_jobs = 2;

/// How long a library waits after Last.fm failed it (busy, down) before
/// it is tried again, from the page where it stopped.
constexpr std::int64_t retry_after_seconds = 600;

/// How long indexing pauses when the fm engine reports a Last.fm outage
/// (service_offline): no library starts until then, and the failed one
/// stays due, to resume from its stored page.
constexpr std::int64_t outage_pause_seconds = 60;

/// Recent-track pages an incremental update reads at most (1,000 each);
/// beyond that a full index is cheaper.
constexpr std::int32_t max_recent_pages = 10;

/// One library being indexed.
struct job {
  std::uint64_t generation = 0;
  std::string user;
  index_state state;
  bool incremental = false;
  std::int32_t recent_page = 0;
  std::vector<fm::track> recent;
  /// A fetched page waiting for its artist names' corrections, and the
  /// state naming it.
  std::vector<library_item> page_items;
  index_state page_state;
  /// The corrections the store knows of the page's artist names (read once
  /// per page), plus those looked up for it; and the names still to look up.
  correction_map page_names;
  std::vector<std::string> to_check;
  /// artist.getCorrection calls this index may still make.
  std::int64_t corrections_left = 0;
};

struct indexer_state {
  std::shared_ptr<const indexer_options> opts;
  std::optional<database::store> db;
  std::deque<due_library> queue;
  std::unordered_set<std::int64_t> queued;
  std::unordered_map<std::int64_t, job> jobs;
  std::uint64_t next_generation = 1;
  bool leader = false;
  /// Unix seconds until which no library starts (a Last.fm outage).
  std::int64_t paused_until = 0;
  metrics::counter indexed = metrics::get_counter(
    "lastgram_indexer_libraries_indexed_total", "Libraries whose full index finished.");
  metrics::counter updated = metrics::get_counter(
    "lastgram_indexer_libraries_updated_total",
    "Libraries brought up to date from their recent scrobbles.");
  metrics::counter pages = metrics::get_counter("lastgram_indexer_pages_total",
                                                "Last.fm pages fetched and stored by the indexer.");
  metrics::gauge queue_length = metrics::get_gauge(
    "lastgram_indexer_queue_length", "Libraries due for an index (never indexed included).");
  metrics::gauge oldest_due = metrics::get_gauge(
    "lastgram_indexer_oldest_due_seconds", "How long the longest-overdue library has waited.");

  static inline const char* name = "indexer";
};

using self_ptr = impl_actor::stateful_pointer<indexer_state>;

std::int64_t now_of(const indexer_options& o) {
  if (o.now)
    return o.now();
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

/// The store, opened (and migrated) on first use; nothing when the
/// database is unreachable (logged; the next use tries again).
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

/// Logs a database failure; a lost connection is reopened on next use.
void db_failed(self_ptr self, const char* what, const db_error& e) {
  log::warn(engine_name, what, {log::kv("code", to_string(e.code)), {"detail", e.message}});
  if (e.code == db_errc::unavailable)
    self->state.db.reset();
}

std::chrono::milliseconds fm_timeout(const indexer_options& o) {
  return o.fm_timeout;
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

/// Ends job `user`; stores `final_state` when given. Starts the next one.
void end_job(self_ptr self, std::int64_t user, const index_state* final_state);

/// Last.fm failed the job: a missing or private profile waits for its
/// next due time; anything else is retried later from the stored page.
void on_fm_error(self_ptr self, std::int64_t user, std::uint64_t generation,
                 const caf::error& err) {
  auto* j = job_of(self, user, generation);
  if (!j)
    return;
  auto code = fm_code(err);
  auto s = j->state;
  auto now = now_of(*self->state.opts);
  bool gone = code && (*code == fm::fm_errc::not_found || *code == fm::fm_errc::login_required);
  if (code && *code == fm::fm_errc::service_offline) {
    // Last.fm is down (the fm engine refuses background calls in an
    // outage): pause everything; this library stays due as it stood.
    if (self->state.paused_until <= now)
      log::warn(engine_name, "Last.fm outage: indexing pauses",
                {{"seconds", std::to_string(outage_pause_seconds)}});
    self->state.paused_until = now + outage_pause_seconds;
    return end_job(self, user, nullptr);
  }
  log::info(engine_name, "library not indexed now",
            {{"user", j->user}, {"error", code ? std::string{fm::to_string(*code)} : to_string(err)}});
  if (gone) {
    s.status = index_status::done;
    s.page = 0;
    s.next_due_at = now + self->state.opts->settings.interval_hours * 3600;
  } else {
    s.next_due_at = now + retry_after_seconds;
  }
  end_job(self, user, &s);
}

/// Renames the artists of `items` to the names Last.fm files them under, as
/// far as the store knows them.
bool canonicalize(self_ptr self, database::store& db, entity_kind kind,
                  std::vector<library_item>& items) {
  auto known = db.artist_corrections(artist_names(kind, items));
  if (!known) {
    db_failed(self, "reading artist corrections failed", known.error());
    return false;
  }
  apply_corrections(kind, items, *known);
  return true;
}

/// Stores the job's fetched page under canonical names and moves on.
void stage_page(self_ptr self, std::int64_t user, job& j) {
  auto* db = store_of(self);
  if (!db)
    return end_job(self, user, nullptr);
  apply_corrections(j.page_state.kind, j.page_items, j.page_names);
  if (auto r = db->stage_library_page(user, j.page_state.kind, j.page_items, j.page_state); !r) {
    db_failed(self, "staging a page failed", r.error());
    return end_job(self, user, nullptr);
  }
  self->state.pages.inc();
  j.state = j.page_state;
  j.page_items.clear();
  next_step(self, j, user);
}

/// Looks up the corrections of the page's unknown names one by one in the
/// background lane (each is stored, so no library asks for it again), then
/// stages the page. A failed lookup leaves the name for a later index.
void check_names(self_ptr self, std::int64_t user, std::uint64_t generation) {
  auto* j = job_of(self, user, generation);
  if (!j)
    return;
  if (j->to_check.empty() || !self->state.opts->fm()) // fm restarting: names wait
    return stage_page(self, user, *j);
  auto name = std::move(j->to_check.back());
  j->to_check.pop_back();
  --j->corrections_left;
  auto remember = [self, user, generation](const std::string& asked,
                                           const std::string& canonical) {
    if (auto* jj = job_of(self, user, generation))
      jj->page_names[database::normalize_name(asked)] = canonical;
    if (auto* db = store_of(self))
      if (auto w = db->put_artist_correction(asked, canonical, now_of(*self->state.opts)); !w)
        db_failed(self, "storing an artist correction failed", w.error());
  };
  self->request(self->state.opts->fm(), fm_timeout(*self->state.opts), fm_background_atom::value,
                fm_correction_atom::value, name)
    .then(
      [self, user, generation, name, remember](const fm::artist_correction& c) {
        remember(name, c.name.empty() ? name : c.name);
        check_names(self, user, generation);
      },
      [self, user, generation, name, remember](caf::error& err) {
        // Last.fm knows no such artist: nothing to correct it to.
        if (auto code = fm_code(err); code && *code == fm::fm_errc::not_found)
          remember(name, name);
        check_names(self, user, generation);
      });
}

void on_top_page(self_ptr self, std::int64_t user, std::uint64_t generation,
                 const fm::top_list& list) {
  auto* j = job_of(self, user, generation);
  if (!j)
    return;
  auto& st = self->state;
  auto* db = store_of(self);
  if (!db)
    return end_job(self, user, nullptr);
  j->page_state = j->state;
  j->page_items = take_page(j->page_state, list, st.opts->settings);
  j->to_check.clear();
  auto names = artist_names(j->page_state.kind, j->page_items);
  auto known = db->artist_corrections(names);
  if (!known) {
    db_failed(self, "reading artist corrections failed", known.error());
    return end_job(self, user, nullptr);
  }
  j->page_names = std::move(*known);
  if (j->page_state.kind == entity_kind::artist && j->corrections_left > 0) {
    j->to_check = unknown_names(names, j->page_names, j->corrections_left);
    // Taken from the back: most played first.
    std::reverse(j->to_check.begin(), j->to_check.end());
  }
  check_names(self, user, generation);
}

/// The window of the botted-account rule's second half.
constexpr std::int64_t recent_window_seconds = 8 * 86400;
/// The last step of a full index, after user.getInfo: the scrobbles of the
/// last 8 days (one recent-tracks call with `from`, limit 1: Last.fm's
/// total counts them) and the newest scrobble, then the index is done.
void fetch_recent_window(self_ptr self, std::int64_t user, std::uint64_t generation,
                         std::int64_t scrobbles) {
  auto* j = job_of(self, user, generation);
  if (!j)
    return;
  auto now = now_of(*self->state.opts);
  recent_query q;
  q.user = j->user;
  q.limit = 1;
  q.from = now - recent_window_seconds;
  self->request(self->state.opts->fm(), fm_timeout(*self->state.opts), fm_background_atom::value, q)
    .then(
      [self, user, generation, scrobbles, now](const fm::recent_tracks& r) {
        auto* jj = job_of(self, user, generation);
        if (!jj)
          return;
        if (auto* db = store_of(self))
          if (auto w = db->set_fm_recent(user, r.total, now); !w)
            db_failed(self, "storing recent scrobbles failed", w.error());
        auto s = jj->state;
        auto counts = count_scrobbles(r.tracks);
        finish_index(s, now, scrobbles, counts.newest, self->state.opts->settings);
        self->state.indexed.inc();
        end_job(self, user, &s);
      },
      [self, user, generation](caf::error& err) { on_fm_error(self, user, generation, err); });
}

/// After the top lists: user.getInfo gives the scrobble total and the
/// registration date, which the botted-account rule reads.
void fetch_profile(self_ptr self, std::int64_t user, job& j) {
  auto generation = j.generation;
  self
    ->request(self->state.opts->fm(), fm_timeout(*self->state.opts), fm_background_atom::value,
              fm_user_atom::value, j.user)
    .then(
      [self, user, generation](const fm::user_info& info) {
        if (!job_of(self, user, generation))
          return;
        if (auto* db = store_of(self))
          if (auto w = db->set_fm_profile(user, info.playcount, info.registered); !w)
            db_failed(self, "storing the Last.fm profile failed", w.error());
        fetch_recent_window(self, user, generation, info.playcount);
      },
      [self, user, generation](caf::error& err) { on_fm_error(self, user, generation, err); });
}

/// The kind of `j` is complete: switch it in, then the next kind or the
/// profile.
void commit_kind(self_ptr self, std::int64_t user, job& j) {
  auto* db = store_of(self);
  if (!db)
    return end_job(self, user, nullptr);
  auto after = j.state;
  bool more = advance_kind(after, self->state.opts->settings);
  if (auto r = db->commit_library(user, j.state.kind, after); !r) {
    db_failed(self, "switching a library in failed", r.error());
    return end_job(self, user, nullptr);
  }
  j.state = after;
  if (more)
    return next_step(self, j, user);
  fetch_profile(self, user, j);
}

/// An incremental update: recent scrobbles since the newest one counted.
void step_incremental(self_ptr self, std::int64_t user, job& j) {
  recent_query q;
  q.user = j.user;
  q.limit = 1000;
  q.page = ++j.recent_page;
  q.from = j.state.last_scrobble_at + 1;
  auto generation = j.generation;
  self->request(self->state.opts->fm(), fm_timeout(*self->state.opts), fm_background_atom::value, q)
    .then(
      [self, user, generation](fm::recent_tracks& r) {
        auto* jj = job_of(self, user, generation);
        if (!jj)
          return;
        self->state.pages.inc();
        for (auto& t : r.tracks)
          jj->recent.push_back(std::move(t));
        if (r.page < r.total_pages && jj->recent_page < max_recent_pages)
          return next_step(self, *jj, user);
        auto* db = store_of(self);
        if (!db)
          return end_job(self, user, nullptr);
        auto counts = count_scrobbles(jj->recent);
        if (!canonicalize(self, *db, entity_kind::artist, counts.artists)
            || !canonicalize(self, *db, entity_kind::album, counts.albums)
            || !canonicalize(self, *db, entity_kind::track, counts.tracks))
          return end_job(self, user, nullptr);
        auto s = jj->state;
        s.last_scrobble_at = std::max(s.last_scrobble_at, counts.newest);
        s.scrobbles += counts.count;
        s.next_due_at = s.last_full_at + self->state.opts->settings.interval_hours * 3600;
        // The state goes with the last of the three writes: a failure
        // before it leaves `from` where it was, so nothing counts twice
        // unless the artists or albums write succeeded and a later one did
        // not (then the next full index corrects the counts).
        auto keep = jj->state;
        for (auto [kind, items] : {std::pair{entity_kind::artist, &counts.artists},
                                   std::pair{entity_kind::album, &counts.albums},
                                   std::pair{entity_kind::track, &counts.tracks}})
          if (auto w = db->add_library_plays(user, kind, *items,
                                             kind == entity_kind::track ? s : keep);
              !w) {
            db_failed(self, "adding recent plays failed", w.error());
            return end_job(self, user, nullptr);
          }
        self->state.updated.inc();
        end_job(self, user, nullptr);
      },
      [self, user, generation](caf::error& err) { on_fm_error(self, user, generation, err); });
}

void step(self_ptr self, std::int64_t user, std::uint64_t generation) {
  auto* j = job_of(self, user, generation);
  if (!j)
    return;
  if (!self->state.opts->fm())
    // The fm engine is not up (the node is starting, or it restarts): the
    // library stays due as it stood, and the next scan tries it again from
    // the stored page. (Pushing it back by retry_after_seconds made a node
    // restarted under load leave a half-done index for ten minutes.)
    return end_job(self, user, nullptr);
  if (j->incremental)
    return step_incremental(self, user, *j);
  auto page = next_page(j->state, self->state.opts->settings);
  if (!page)
    return commit_kind(self, user, *j);
  top_query q;
  q.kind = top_kind_of(page->kind);
  q.user = j->user;
  q.range = fm::period::overall;
  q.limit = static_cast<std::int32_t>(self->state.opts->settings.page_size);
  q.page = page->page;
  self->request(self->state.opts->fm(), fm_timeout(*self->state.opts), fm_background_atom::value, q)
    .then([self, user, generation](const fm::top_list& list) { on_top_page(self, user, generation, list); },
          [self, user, generation](caf::error& err) { on_fm_error(self, user, generation, err); });
}

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

void end_job(self_ptr self, std::int64_t user, const index_state* final_state) {
  auto& st = self->state;
  if (final_state)
    if (auto* db = store_of(self))
      if (auto r = db->put_index_state(*final_state); !r)
        db_failed(self, "storing an index state failed", r.error());
  st.jobs.erase(user);
  start_jobs(self);
}

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
