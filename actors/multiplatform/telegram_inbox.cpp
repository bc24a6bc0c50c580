// The durable inbox of webhook updates (the database's update_inbox): an
// update is stored, claimed by this process, before the webhook answers 200;
// it is handled, its first confirmed answer marks it replied, and its last
// answer marks it done. A sweep renews this process's claims and takes over
// the unfinished updates of a process whose claim ran out (killed, or
// another cluster member), so each acknowledged update is answered once.
//
// The remaining window: an answer Telegram accepted just before the process
// died, whose "replied" mark had not reached the database yet, is sent again
// by the process that takes the update over (see README "Delivery").

#include <random>

#include <unistd.h>

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/support/engines.hpp"
#include "messages/database.hpp"
#include "platforms/telegram/update.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using namespace std::chrono_literals;

/// Updates taken over by one sweep, at most.
constexpr std::int64_t claim_batch = 50;
/// Pruning runs on the first sweep and every this many sweeps after it.
constexpr std::int64_t prune_every_sweeps = 100;

const std::string& claimer_of(self_ptr self) {
  auto& st = self->state;
  if (st.claimer.empty()) {
    char host[128] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0)
      host[0] = '\0';
    std::random_device rd;
    st.claimer = std::string{host} + "/" + std::to_string(::getpid()) + "/"
                 + std::to_string(rd());
  }
  return st.claimer;
}

std::chrono::seconds sweep_interval(self_ptr self) {
  auto lease = self->state.opts->settings.inbox_lease_seconds;
  return std::chrono::seconds{std::max<std::int64_t>(1, lease / 3)};
}

/// Handles an update recorded in the inbox: it holds itself until every
/// answer went out (see release), then it is marked done.
void handle_recorded(self_ptr self, telegram::parsed_update& u) {
  auto id = u.update_id;
  self->state.inbox.emplace(id, false);
  hold(self, id);
  on_update(self, u, true);
  release(self, id);
}

void take_over(self_ptr self, std::vector<inbox_entry>& entries) {
  auto& st = self->state;
  for (auto& e : entries) {
    auto id = to_id(e.update_id);
    st.m.inbox_recovered.inc();
    if (e.replied) {
      // Its answer went out before its handler died: never answer twice.
      log::info("telegram", "taken-over update was already answered",
                {{"update_id", e.update_id}});
      st.inbox.emplace(id, true);
      inbox_done(self, id);
      continue;
    }
    auto parsed = telegram::parse_update(e.payload);
    if (!parsed) {
      st.m.updates_malformed.inc();
      st.inbox.emplace(id, true);
      inbox_done(self, id);
      continue;
    }
    log::info("telegram", "handling a taken-over update", {{"update_id", e.update_id}});
    handle_recorded(self, parsed.value());
  }
}

void refresh_pending(self_ptr self, const database_actor& db) {
  self->request(db, 10s, inbox_atom::value, platform_kind::telegram)
    .then([self](std::int64_t n) { self->state.m.inbox_pending.set(static_cast<double>(n)); },
          [](const caf::error&) {});
}

void prune(self_ptr self, const database_actor& db) {
  auto retention = self->state.opts->settings.inbox_retention_hours * 3600;
  self->request(db, 30s, inbox_prune_atom::value, retention)
    .then(
      [](std::int64_t n) {
        if (n > 0)
          log::info("telegram", "pruned handled updates from the inbox", {log::kv("rows", n)});
      },
      [](const caf::error&) {});
}

} // namespace

bool in_inbox(self_ptr self, std::int64_t update_id) {
  return self->state.inbox.count(update_id) > 0;
}

caf::result<bool> record_update(self_ptr self, telegram::parsed_update u, std::string payload) {
  auto& st = self->state;
  auto db = st.opts->engines->database.get();
  if (!db || st.stopped) {
    st.m.inbox_record_failures.inc();
    log::warn("telegram", "webhook update not recorded, answering 503",
              {log::kv("update_id", u.update_id), {"why", db ? "stopping" : "no database"}});
    return caf::make_error(caf::sec::runtime_error, "inbox unavailable");
  }
  auto rp = self->make_response_promise<bool>();
  inbox_entry entry{platform_kind::telegram, std::to_string(u.update_id), std::move(payload), 0,
                    false};
  self->request(db, 5s, inbox_atom::value, std::move(entry), claimer_of(self))
    .then(
      [self, rp, u](bool fresh) mutable {
        rp.deliver(fresh);
        if (!fresh) {
          // Delivered again: whoever holds it (or takes it over) answers it.
          self->state.m.updates_duplicate.inc();
          return;
        }
        handle_recorded(self, u);
      },
      [self, rp, id = u.update_id](const caf::error& err) mutable {
        self->state.m.inbox_record_failures.inc();
        log::warn("telegram", "webhook update not recorded, answering 503",
                  {log::kv("update_id", id), {"error", self->system().render(err)}});
        rp.deliver(err);
      });
  return rp;
}

void record_polled(self_ptr self, std::vector<polled_update> batch,
                   std::function<void(std::vector<polled_update>)> rest) {
  auto& st = self->state;
  auto db = st.opts->engines->database.get();
  if (!db || st.stopped || batch.empty()) {
    rest(std::move(batch));
    return;
  }
  enum outcome : char { failed, fresh, known };
  struct recording {
    std::vector<polled_update> batch;
    std::vector<outcome> outcomes;
    std::size_t waiting = 0;
  };
  auto r = std::make_shared<recording>();
  r->outcomes.assign(batch.size(), failed);
  r->waiting = batch.size();
  r->batch = std::move(batch);
  auto done = [self, r, rest = std::move(rest)](std::size_t n, outcome o) {
    r->outcomes[n] = o;
    if (--r->waiting > 0)
      return;
    // The poll's holds go first, so that the stored offset moves past every
    // stored update; then they are handled in order.
    for (std::size_t k = 0; k < r->batch.size(); ++k)
      if (r->outcomes[k] != failed)
        unhold(self, r->batch[k].update.update_id);
    std::vector<polled_update> unrecorded;
    for (std::size_t k = 0; k < r->batch.size(); ++k) {
      if (r->outcomes[k] == fresh)
        handle_recorded(self, r->batch[k].update);
      else if (r->outcomes[k] == known) // whoever holds it, or takes it over, answers
        self->state.m.updates_duplicate.inc();
      else
        unrecorded.push_back(std::move(r->batch[k]));
    }
    rest(std::move(unrecorded));
  };
  for (std::size_t n = 0; n < r->batch.size(); ++n) {
    auto& p = r->batch[n];
    inbox_entry entry{platform_kind::telegram, std::to_string(p.update.update_id),
                      std::move(p.json), 0, false};
    self->request(db, 5s, inbox_atom::value, std::move(entry), claimer_of(self))
      .then([done, n](bool is_new) { done(n, is_new ? fresh : known); },
            [self, done, n, id = p.update.update_id](const caf::error& err) {
              self->state.m.inbox_record_failures.inc();
              log::warn("telegram", "polled update not recorded, handling it without the inbox",
                        {log::kv("update_id", id), {"error", self->system().render(err)}});
              done(n, failed);
            });
  }
}

void inbox_done(self_ptr self, std::int64_t update_id) {
  auto& st = self->state;
  st.inbox.erase(update_id);
  auto db = st.opts->engines->database.get();
  if (!db) {
    st.unmarked.push_back(update_id);
    return;
  }
  self->request(db, 5s, inbox_mark_atom::value, platform_kind::telegram,
                std::to_string(update_id), inbox_mark::done)
    .then([](bool) {},
          [self, update_id](const caf::error&) {
            // Still claimed (and renewed) by us: retried by the next sweep.
            self->state.m.inbox_mark_failures.inc();
            self->state.unmarked.push_back(update_id);
          });
}

void inbox_replied(self_ptr self, std::int64_t update_id) {
  auto& st = self->state;
  auto i = st.inbox.find(update_id);
  if (i == st.inbox.end() || i->second)
    return;
  i->second = true;
  auto db = st.opts->engines->database.get();
  if (!db)
    return;
  self->request(db, 5s, inbox_mark_atom::value, platform_kind::telegram,
                std::to_string(update_id), inbox_mark::replied)
    .then([](bool) {}, [self](const caf::error&) { self->state.m.inbox_mark_failures.inc(); });
}

void sweep_inbox(self_ptr self) {
  auto& st = self->state;
  // A stopping node takes nothing over: a live member will.
  if (st.stopped)
    return;
  self->delayed_send(self, sweep_interval(self), sweep_atom::value);
  auto db = st.opts->engines->database.get();
  if (!db)
    return;
  for (auto id : std::exchange(st.unmarked, {})) {
    st.inbox.emplace(id, true);
    inbox_done(self, id);
  }
  if (st.sweeps++ % prune_every_sweeps == 0)
    prune(self, db);
  self->request(db, 10s, inbox_claim_atom::value, platform_kind::telegram, claimer_of(self),
                st.opts->settings.inbox_lease_seconds, claim_batch)
    .then(
      [self, db](std::vector<inbox_entry>& entries) {
        take_over(self, entries);
        refresh_pending(self, db);
      },
      [](const caf::error&) {
        // The database is down: the claims lapse, and whoever reaches it
        // first afterwards (maybe this process) takes the updates over.
      });
}

} // namespace lastgram::multiplatform::detail
