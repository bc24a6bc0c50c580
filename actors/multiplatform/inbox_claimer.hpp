#pragma once

/// The claim side of the durable inbox (the database's update_inbox),
/// shared by the platform actors that keep one (Telegram, Discord): who this
/// actor is in the claims, when it sweeps, and the sweep itself: retry the
/// done marks that failed, prune now and then, renew this actor's leases
/// (only renew, right after a database outage), take over the unfinished
/// updates of a process whose lease ran out, and refresh the pending gauge.
/// Recording an update (asking who holds its row when the store's outcome
/// is unknown) and marking it (ahead of the database's queue, retried with
/// backoff) go through here too, so that both platforms behave alike and
/// count the same figures (lastgram_inbox_*{platform}); the decisions
/// themselves are in inbox_policy.hpp.
///
/// Internal to actors/multiplatform (it includes CAF).

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/database/direct_reads.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/inbox_policy.hpp"
#include "messages/database.hpp"

namespace lastgram::multiplatform {

/// What became of an update handed to inbox_record.
enum class inbox_recorded : std::uint8_t {
  /// Stored under this actor's claim, now or by an earlier store whose
  /// answer was lost, and handled nowhere here: handle it (and mark it).
  handle,
  /// Held by another process, done, or handled here already (a
  /// re-delivery): its holder, or whoever takes it over, answers it.
  leave,
  /// Not stored, or the database could not say: the caller refuses it (503)
  /// or handles it without the inbox.
  failed,
};

class inbox_claimer {
public:
  /// Updates taken over by one sweep, at most.
  static constexpr std::int64_t claim_batch = 50;
  /// Pruning runs on the first sweep and every this many sweeps after it.
  static constexpr std::int64_t prune_every_sweeps = 100;
  /// Tries of one mark before a done mark is left to the sweep (about four
  /// minutes of backoff) and a replied one dropped.
  static constexpr std::int32_t max_mark_attempts = 32;

  /// Sets the platform, the lease and the retention, and registers the
  /// platform's metrics. Called once, before the first sweep.
  void setup(platform_kind platform, std::int64_t lease_seconds, std::int64_t retention_hours);

  platform_kind platform() const { return platform_; }
  const char* log_source() const;
  /// host/pid/random: unique per start, so a restarted node (or actor) never
  /// takes its predecessor's claims for its own; they are taken over once
  /// their lease ran out.
  const std::string& id();
  std::int64_t lease_seconds() const { return lease_seconds_; }
  std::int64_t retention_seconds() const { return retention_hours_ * 3600; }
  /// A third of the lease (at least a second).
  std::chrono::seconds sweep_interval() const;
  /// Counts a sweep; true when this one prunes.
  bool prune_due() { return sweeps_++ % prune_every_sweeps == 0; }

  /// Whether the last sweep could not reach the database (the next one
  /// only renews).
  bool after_outage() const { return outage_; }
  void outage(bool down) { outage_ = down; }

  /// A done mark that failed, retried by the next sweep (the row stays
  /// claimed, and renewed, by us meanwhile).
  void retry_done(std::string update_id) { unmarked_.push_back(std::move(update_id)); }
  std::vector<std::string> take_retries() { return std::exchange(unmarked_, {}); }

  /// A replied or done mark waiting to go out with the next batch.
  struct queued_mark {
    std::string update_id;
    inbox_mark which = inbox_mark::done;
    std::int32_t attempt = 1;
    std::chrono::steady_clock::time_point since;
  };
  /// An update waiting to be stored with the next batch, with what to call
  /// once its fate is known (see inbox_record_batch).
  struct queued_record {
    inbox_entry entry;
    std::function<bool()> handling;
    std::function<void(inbox_recorded, const caf::error&)> then;
  };
  /// What arrives while a batch is on its way waits and goes together in
  /// the next one: one transaction for many under load, no wait when idle.
  template <class T>
  class batch_queue {
  public:
    /// Queues `x`; true when no batch is on its way (the caller sends one
    /// now).
    bool push(T x) {
      items_.push_back(std::move(x));
      return !sending_;
    }
    /// The queued items, now on their way (empty: nothing is on its way).
    std::vector<T> take() {
      sending_ = !items_.empty();
      return std::exchange(items_, {});
    }

  private:
    std::vector<T> items_;
    bool sending_ = false;
  };
  batch_queue<queued_mark> marks;
  batch_queue<queued_record> records;
  /// With a SQLite file: the batches are written on this actor's own thread
  /// when they can be (actors/database/direct_reads.hpp), and go to the
  /// database engine otherwise.
  std::shared_ptr<database::direct_reads> direct;

  metrics::gauge pending;
  metrics::counter recovered;
  metrics::counter record_failures;
  metrics::counter mark_failures;
  /// lastgram_inbox_mark_seconds: from queueing a replied or done mark to
  /// its confirmation.
  metrics::histogram mark_seconds;

private:
  platform_kind platform_ = platform_kind::telegram;
  std::int64_t lease_seconds_ = 30;
  std::int64_t retention_hours_ = 24;
  std::string id_;
  std::vector<std::string> unmarked_;
  std::int64_t sweeps_ = 0;
  bool outage_ = false;
};

/// Retries a failed replied or done mark (the `attempt`-th try): a message
/// each actor with an inbox_claimer takes and hands to inbox_remark.
using inbox_remark_atom = caf::atom_constant<caf::atom("inremark")>;

/// Asks who holds `update_id`'s row (ahead of the database's queue) and
/// calls `then` with the verdict (see judge_owner), nullopt when the
/// database did not answer. `handling()` tells, when the answer arrives,
/// whether this actor is handling the update already.
template <class Self, class Handling, class Then>
void inbox_ask_owner(Self* self, inbox_claimer& c, const database_actor& db,
                     const std::string& update_id, Handling handling, Then then) {
  using namespace std::chrono_literals;
  self->template request<caf::message_priority::high>(db, 4s, inbox_owner_atom::value,
                                                      c.platform(), update_id)
    .then(
      [&c, handling, then](const std::string& owner) mutable {
        then(std::optional<owner_verdict>{judge_owner(owner, c.id(), handling())});
      },
      [then](const caf::error&) mutable { then(std::optional<owner_verdict>{}); });
}

/// Decides what becomes of one update once its store answered: `stored`
/// says whether it was new (nullopt: the store failed with `err`). A store
/// that was refused or timed out (counted) may still have written the row,
/// and a re-delivered update may be ours with nobody handling it (an
/// earlier store timed out after writing it): either way the database is
/// asked who holds the row before deciding, instead of handling the update
/// a second time.
template <class Self, class Handling, class Then>
void inbox_settle(Self* self, inbox_claimer& c, const database_actor& db,
                  const std::string& update_id, std::optional<bool> stored, caf::error err,
                  Handling handling, Then then) {
  if (stored == true) {
    then(inbox_recorded::handle, caf::error{});
    return;
  }
  bool failed = !stored;
  if (failed)
    c.record_failures.inc();
  inbox_ask_owner(self, c, db, update_id, handling,
                  [then, failed, err](std::optional<owner_verdict> v) mutable {
                    if (v == owner_verdict::handle)
                      then(inbox_recorded::handle, caf::error{});
                    else if (v == owner_verdict::leave || !failed)
                      then(inbox_recorded::leave, caf::error{});
                    else
                      then(inbox_recorded::failed, err);
                  });
}

/// Stores the queued records (see inbox_claimer::records) in one
/// request, one transaction, and settles each (see inbox_settle); then the
/// records queued meanwhile go.
template <class Self>
void inbox_flush_records(Self* self, inbox_claimer& c, database_actor db) {
  using namespace std::chrono_literals;
  auto batch = c.records.take();
  if (batch.empty())
    return;
  std::vector<inbox_entry> entries;
  entries.reserve(batch.size());
  for (auto& r : batch)
    entries.push_back(std::move(r.entry));
  auto records = std::make_shared<std::vector<inbox_claimer::queued_record>>(std::move(batch));
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (auto& e : entries)
    ids.push_back(e.update_id);
  auto settle_all = [self, &c, db, records, ids](auto stored_of, const caf::error& err) {
    for (std::size_t n = 0; n < ids.size(); ++n) {
      auto& r = (*records)[n];
      inbox_settle(self, c, db, ids[n], stored_of(ids[n]), err, r.handling, r.then);
    }
    inbox_flush_records(self, c, db);
  };
  // Settles each as new or not by the ids the store reports new.
  auto settle_stored = [settle_all](const std::vector<std::string>& fresh) {
    settle_all(
      [&fresh](const std::string& id) {
        return std::optional<bool>{std::find(fresh.begin(), fresh.end(), id) != fresh.end()};
      },
      caf::error{});
  };
  if (c.direct) {
    if (auto fresh = c.direct->inbox_add(entries, c.id())) {
      settle_stored(*fresh);
      return;
    }
  }
  self->request(db, 5s, inbox_atom::value, std::move(entries), c.id())
    .then(
      settle_stored,
      [settle_all](const caf::error& err) {
        settle_all([](const std::string&) { return std::optional<bool>{}; }, err);
      });
}

/// Stores `entries` claimed by `c`, in one transaction with any others
/// queued meanwhile, and calls `then(n, outcome, error)` for the n-th of
/// them (the error is set only for inbox_recorded::failed; see
/// inbox_settle). `handling(update id)` tells whether this actor is
/// handling that update already.
template <class Self, class Handling, class Then>
void inbox_record_batch(Self* self, inbox_claimer& c, const database_actor& db,
                        std::vector<inbox_entry> entries, Handling handling, Then then) {
  bool idle = false;
  for (std::size_t n = 0; n < entries.size(); ++n) {
    auto id = entries[n].update_id;
    idle = c.records.push({std::move(entries[n]), [handling, id] { return handling(id); },
                           [then, n](inbox_recorded outcome, const caf::error& err) mutable {
                             then(n, outcome, err);
                           }});
  }
  if (idle)
    inbox_flush_records(self, c, db);
}

/// Stores one entry (see inbox_record_batch); `handling()` tells whether
/// this actor is handling it already, `then(outcome, error)` gets the
/// verdict.
template <class Self, class Handling, class Then>
void inbox_record(Self* self, inbox_claimer& c, const database_actor& db, inbox_entry entry,
                  Handling handling, Then then) {
  std::vector<inbox_entry> one;
  one.push_back(std::move(entry));
  inbox_record_batch(
    self, c, db, std::move(one), [handling](const std::string&) { return handling(); },
    [then](std::size_t, inbox_recorded outcome, const caf::error& err) mutable {
      then(outcome, err);
    });
}

/// Sends the queued marks (see inbox_claimer::marks) in one request,
/// ahead of the database's queue (high priority, see messages/database.hpp),
/// and times each one's confirmation; then the marks queued meanwhile go.
/// A failed mark is retried with backoff (mark_retry_delay, through an
/// inbox_remark_atom to `self`) up to inbox_claimer::max_mark_attempts
/// times, after which a done mark is left to the sweep and a replied one
/// dropped (the done mark follows it).
template <class Self>
void inbox_flush_marks(Self* self, inbox_claimer& c, database_actor db) {
  using namespace std::chrono_literals;
  auto batch = c.marks.take();
  if (batch.empty())
    return;
  std::vector<std::string> replied;
  std::vector<std::string> done;
  for (auto& m : batch)
    (m.which == inbox_mark::replied ? replied : done).push_back(m.update_id);
  auto confirmed = [&c](const std::vector<inbox_claimer::queued_mark>& marks) {
    auto now = std::chrono::steady_clock::now();
    for (auto& m : marks)
      c.mark_seconds.observe(std::chrono::duration<double>(now - m.since).count());
  };
  if (c.direct && c.direct->inbox_mark(c.platform(), replied, done)) {
    confirmed(batch);
    inbox_flush_marks(self, c, db);
    return;
  }
  auto marks = std::make_shared<std::vector<inbox_claimer::queued_mark>>(std::move(batch));
  self
    ->template request<caf::message_priority::high>(db, 5s, inbox_mark_atom::value, c.platform(),
                                                    std::move(replied), std::move(done))
    .then(
      [self, &c, db, marks, confirmed](std::int64_t) {
        confirmed(*marks);
        inbox_flush_marks(self, c, db);
      },
      [self, &c, db, marks](const caf::error&) {
        c.mark_failures.inc(static_cast<double>(marks->size()));
        for (auto& m : *marks) {
          if (m.attempt >= inbox_claimer::max_mark_attempts) {
            // Still claimed (and renewed) by us: the sweep retries a done mark.
            if (m.which == inbox_mark::done)
              c.retry_done(m.update_id);
            continue;
          }
          self->delayed_send(self, mark_retry_delay(m.attempt), inbox_remark_atom::value,
                             m.update_id, m.which, m.attempt + 1);
        }
        inbox_flush_marks(self, c, db);
      });
}

/// Queues a replied or done mark (the `attempt`-th try) and sends it at
/// once when no batch of marks is on its way (see inbox_flush_marks).
template <class Self>
void inbox_send_mark(Self* self, inbox_claimer& c, const database_actor& db,
                     std::string update_id, inbox_mark which, std::int32_t attempt) {
  if (!db) {
    if (which == inbox_mark::done)
      c.retry_done(std::move(update_id));
    return;
  }
  if (c.marks.push({std::move(update_id), which, attempt, std::chrono::steady_clock::now()}))
    inbox_flush_marks(self, c, db);
}

/// Marks `update_id` done (see inbox_send_mark).
template <class Self>
void inbox_mark_done(Self* self, inbox_claimer& c, const database_actor& db,
                     std::string update_id) {
  inbox_send_mark(self, c, db, std::move(update_id), inbox_mark::done, 1);
}

/// Marks `update_id` replied: its first answer went out (see
/// inbox_send_mark).
template <class Self>
void inbox_mark_replied(Self* self, inbox_claimer& c, const database_actor& db,
                        const std::string& update_id) {
  inbox_send_mark(self, c, db, update_id, inbox_mark::replied, 1);
}

/// Takes an inbox_remark_atom: retries a failed mark. `open` says whether
/// the update is still being handled here; a replied mark is moot once it
/// is not (its done mark went, and a done row is never taken over).
template <class Self>
void inbox_remark(Self* self, inbox_claimer& c, const database_actor& db, std::string update_id,
                  inbox_mark which, std::int32_t attempt, bool open) {
  if (which == inbox_mark::replied && !open)
    return;
  inbox_send_mark(self, c, db, std::move(update_id), which, attempt);
}

/// One sweep: retries failed done marks, prunes now and then, renews this
/// actor's leases and hands the entries it took over to `take_over` (each
/// counted as recovered), then refreshes the pending gauge. Right after the
/// database was unreachable every lease looks lapsed, so that sweep only
/// renews (sweep_claim_limit) and takeovers wait one interval: live owners
/// renew theirs before anyone robs them. The caller schedules the next
/// sweep (c.sweep_interval()).
template <class Self, class TakeOver>
void inbox_sweep(Self* self, inbox_claimer& c, const database_actor& db, TakeOver take_over) {
  using namespace std::chrono_literals;
  for (auto& id : c.take_retries())
    inbox_mark_done(self, c, db, std::move(id));
  if (c.prune_due())
    self->request(db, 30s, inbox_prune_atom::value, c.retention_seconds())
      .then(
        [&c](std::int64_t n) {
          if (n > 0)
            log::info(c.log_source(), "pruned handled updates from the inbox",
                      {log::kv("rows", n)});
        },
        [](const caf::error&) {});
  auto limit = sweep_claim_limit(c.after_outage(), inbox_claimer::claim_batch);
  self->request(db, 10s, inbox_claim_atom::value, c.platform(), c.id(), c.lease_seconds(), limit)
    .then(
      [self, &c, db, take_over](std::vector<inbox_entry>& entries) mutable {
        c.outage(false);
        c.recovered.inc(static_cast<double>(entries.size()));
        take_over(entries);
        self->request(db, 10s, inbox_atom::value, c.platform())
          .then([&c](std::int64_t n) { c.pending.set(static_cast<double>(n)); },
                [](const caf::error&) {});
      },
      [&c](const caf::error&) {
        // The database is down: the claims lapse; once it is back, every
        // live owner renews first and the rest are taken over after.
        c.outage(true);
      });
}

} // namespace lastgram::multiplatform
