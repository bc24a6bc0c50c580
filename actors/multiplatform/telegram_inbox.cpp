// The durable inbox of webhook updates (the database's update_inbox): an
// update is stored, claimed by this process, before the webhook answers 200;
// it is handled, its first confirmed answer marks it replied, and its last
// answer marks it done. A sweep renews this process's claims and takes over
// the unfinished updates of a process whose claim ran out (killed, or
// another cluster member), so each acknowledged update is answered once.
// The claims, sweeps and marks are shared with Discord (inbox_claimer.hpp).
//
// The remaining window: an answer Telegram accepted just before the process
// died, whose "replied" mark had not reached the database yet, is sent again
// by the process that takes the update over (see README "Delivery").

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/support/engines.hpp"
#include "messages/database.hpp"
#include "platforms/telegram/update.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using namespace std::chrono_literals;

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

inbox_entry entry_of(std::int64_t update_id, std::string payload) {
  return inbox_entry{platform_kind::telegram, std::to_string(update_id), std::move(payload), 0,
                     false};
}

} // namespace

bool in_inbox(self_ptr self, std::int64_t update_id) {
  return self->state.inbox.count(update_id) > 0;
}

caf::result<bool> record_update(self_ptr self, telegram::parsed_update u, std::string payload) {
  auto& st = self->state;
  auto db = st.opts->engines->database.get();
  if (!db || st.stopped) {
    st.claims.record_failures.inc();
    log::warn("telegram", "webhook update not recorded, answering 503",
              {log::kv("update_id", u.update_id), {"why", db ? "stopping" : "no database"}});
    return caf::make_error(caf::sec::runtime_error, "inbox unavailable");
  }
  auto rp = self->make_response_promise<bool>();
  auto id = u.update_id;
  inbox_record(
    self, st.claims, db, entry_of(id, std::move(payload)),
    [self, id] { return in_inbox(self, id); },
    [self, rp, u](inbox_recorded outcome, const caf::error& err) mutable {
      switch (outcome) {
        case inbox_recorded::handle:
          rp.deliver(true);
          handle_recorded(self, u);
          return;
        case inbox_recorded::leave:
          // Delivered again (or stored by a store that timed out): whoever
          // holds it (or takes it over) answers it.
          rp.deliver(false);
          self->state.m.updates_duplicate.inc();
          return;
        case inbox_recorded::failed:
          log::warn("telegram", "webhook update not recorded, answering 503",
                    {log::kv("update_id", u.update_id), {"error", self->system().render(err)}});
          rp.deliver(err);
          return;
      }
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
  // The whole poll goes into the inbox in one transaction.
  std::vector<inbox_entry> entries;
  entries.reserve(r->batch.size());
  for (auto& p : r->batch)
    entries.push_back(entry_of(p.update.update_id, std::move(p.json)));
  inbox_record_batch(
    self, st.claims, db, std::move(entries),
    [self](const std::string& id) { return in_inbox(self, to_id(id)); },
    [self, r, done](std::size_t n, inbox_recorded outcome, const caf::error& err) {
      if (outcome == inbox_recorded::failed)
        log::warn("telegram", "polled update not recorded, handling it without the inbox",
                  {log::kv("update_id", r->batch[n].update.update_id),
                   {"error", self->system().render(err)}});
      done(n, outcome == inbox_recorded::handle  ? fresh
              : outcome == inbox_recorded::leave ? known
                                                 : failed);
    });
}

void inbox_done(self_ptr self, std::int64_t update_id) {
  auto& st = self->state;
  st.inbox.erase(update_id);
  inbox_mark_done(self, st.claims, st.opts->engines->database.get(), std::to_string(update_id));
}

void inbox_replied(self_ptr self, std::int64_t update_id) {
  auto& st = self->state;
  auto i = st.inbox.find(update_id);
  if (i == st.inbox.end() || i->second)
    return;
  i->second = true;
  inbox_mark_replied(self, st.claims, st.opts->engines->database.get(),
                     std::to_string(update_id));
}

void inbox_remark(self_ptr self, const std::string& update_id, inbox_mark which,
                  std::int32_t attempt) {
  auto& st = self->state;
  multiplatform::inbox_remark(self, st.claims, st.opts->engines->database.get(), update_id, which,
                              attempt, in_inbox(self, to_id(update_id)));
}

void sweep_inbox(self_ptr self) {
  auto& st = self->state;
  // A stopping node takes nothing over: a live member will.
  if (st.stopped)
    return;
  self->delayed_send(self, st.claims.sweep_interval(), sweep_atom::value);
  auto db = st.opts->engines->database.get();
  if (!db)
    return;
  inbox_sweep(self, st.claims, db,
              [self](std::vector<inbox_entry>& entries) { take_over(self, entries); });
}

} // namespace lastgram::multiplatform::detail
