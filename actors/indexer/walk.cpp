// One library's walk, page by page: the top lists (with their artist names'
// corrections), the switch of each finished kind, the profile and the recent
// window of a full index; the recent scrobbles of an incremental update; and
// what a Last.fm failure does to the job. Scheduling is in engine.cpp.

#include <algorithm>
#include <utility>

#include "actors/indexer/engine_state.hpp"
#include "actors/logging/log.hpp"
#include "messages/errors.hpp"

namespace lastgram::indexer::detail {

namespace {

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

std::chrono::milliseconds fm_timeout(const indexer_options& o) {
  return o.fm_timeout;
}

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

} // namespace

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

} // namespace lastgram::indexer::detail
