#pragma once

/// The claim side of the durable inbox (the database's update_inbox),
/// shared by the platform actors that keep one (Telegram, Discord): who this
/// actor is in the claims, when it sweeps, and the sweep itself: retry the
/// done marks that failed, prune now and then, renew this actor's leases,
/// take over the unfinished updates of a process whose lease ran out, and
/// refresh the pending gauge. Recording an update and marking it go through
/// here too, so that both platforms count the same figures
/// (lastgram_inbox_*{platform}).
///
/// Internal to actors/multiplatform (it includes CAF).

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "messages/database.hpp"

namespace lastgram::multiplatform {

class inbox_claimer {
public:
  /// Updates taken over by one sweep, at most.
  static constexpr std::int64_t claim_batch = 50;
  /// Pruning runs on the first sweep and every this many sweeps after it.
  static constexpr std::int64_t prune_every_sweeps = 100;

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

  /// A done mark that failed, retried by the next sweep (the row stays
  /// claimed, and renewed, by us meanwhile).
  void retry_done(std::string update_id) { unmarked_.push_back(std::move(update_id)); }
  std::vector<std::string> take_retries() { return std::exchange(unmarked_, {}); }

  metrics::gauge pending;
  metrics::counter recovered;
  metrics::counter record_failures;
  metrics::counter mark_failures;

private:
  platform_kind platform_ = platform_kind::telegram;
  std::int64_t lease_seconds_ = 30;
  std::int64_t retention_hours_ = 24;
  std::string id_;
  std::vector<std::string> unmarked_;
  std::int64_t sweeps_ = 0;
};

/// Stores `entry` claimed by `c`: `fresh(true)` when new, `fresh(false)` for
/// an update stored before (a re-delivery: whoever holds it answers it),
/// `failed(err)` when the database did not store it (counted).
template <class Self, class Fresh, class Failed>
void inbox_record(Self* self, inbox_claimer& c, const database_actor& db, inbox_entry entry,
                  Fresh fresh, Failed failed) {
  using namespace std::chrono_literals;
  self->request(db, 5s, inbox_atom::value, std::move(entry), c.id())
    .then([fresh](bool is_new) mutable { fresh(is_new); },
          [&c, failed](const caf::error& err) mutable {
            c.record_failures.inc();
            failed(err);
          });
}

/// Marks `update_id` done; a failure is retried by the next sweep.
template <class Self>
void inbox_mark_done(Self* self, inbox_claimer& c, const database_actor& db,
                     std::string update_id) {
  using namespace std::chrono_literals;
  if (!db) {
    c.retry_done(std::move(update_id));
    return;
  }
  self->request(db, 5s, inbox_mark_atom::value, c.platform(), update_id, inbox_mark::done)
    .then([](bool) {},
          [&c, update_id](const caf::error&) {
            c.mark_failures.inc();
            c.retry_done(update_id);
          });
}

/// Marks `update_id` replied (its first answer went out); a failure is
/// counted, not retried (the done mark follows).
template <class Self>
void inbox_mark_replied(Self* self, inbox_claimer& c, const database_actor& db,
                        const std::string& update_id) {
  using namespace std::chrono_literals;
  if (!db)
    return;
  self->request(db, 5s, inbox_mark_atom::value, c.platform(), update_id, inbox_mark::replied)
    .then([](bool) {}, [&c](const caf::error&) { c.mark_failures.inc(); });
}

/// One sweep: retries failed done marks, prunes now and then, renews this
/// actor's leases and hands the entries it took over to `take_over` (each
/// counted as recovered), then refreshes the pending gauge. The caller
/// schedules the next sweep (c.sweep_interval()).
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
  self->request(db, 10s, inbox_claim_atom::value, c.platform(), c.id(), c.lease_seconds(),
                inbox_claimer::claim_batch)
    .then(
      [self, &c, db, take_over](std::vector<inbox_entry>& entries) mutable {
        c.recovered.inc(static_cast<double>(entries.size()));
        take_over(entries);
        self->request(db, 10s, inbox_atom::value, c.platform())
          .then([&c](std::int64_t n) { c.pending.set(static_cast<double>(n)); },
                [](const caf::error&) {});
      },
      [](const caf::error&) {
        // The database is down: the claims lapse, and whoever reaches it
        // first afterwards (maybe this process) takes the updates over.
      });
}

} // namespace lastgram::multiplatform
