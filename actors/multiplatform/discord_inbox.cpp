// The durable inbox of gateway interactions (the database's update_inbox,
// platform "discord"): a slash command or a button press that arrives over
// the gateway is stored, claimed by this process, before it is handled; its
// callback (the acknowledgement, often a deferral) marks it replied once
// Discord took it, and it is done once every answer it gave has ended. The
// claims and sweeps are Telegram's (inbox_claimer.hpp).
//
// A process that takes an interaction over (this node restarted, or another
// member once the lease ran out) can only answer what Discord still lets it
// answer: an acknowledged interaction younger than the token's 15 minutes is
// run again and finished by editing @original; one never acknowledged
// (Discord dropped it after 3 s) or too old is marked done and counted in
// lastgram_discord_inbox_expired_total{reason}.

#include <ctime>

#include "actors/logging/log.hpp"
#include "actors/multiplatform/discord_state.hpp"
#include "actors/support/engines.hpp"
#include "messages/database.hpp"

namespace lastgram::multiplatform::detail {

namespace {

metrics::counter expired(std::string_view reason) {
  return metrics::get_counter("lastgram_discord_inbox_expired_total",
                              "Gateway interactions taken over from the inbox that could no "
                              "longer be answered, by reason.",
                              {{"reason", reason}});
}

database_actor database_of(dc_self self) {
  return self->state.opts->engines->database.get();
}

void mark_done(dc_self self, const std::string& id) {
  inbox_mark_done(self, self->state.claims, database_of(self), id);
}

void handle(dc_self self, discord::interaction i, const std::string& inbox_id) {
  auto path = "/interactions/" + i.id + "/" + i.token + "/callback";
  on_interaction(
    self, std::move(i),
    [self, path, inbox_id](std::string body) { send_callback(self, path, std::move(body), inbox_id); },
    path, inbox_id);
}

void take_over(dc_self self, std::vector<inbox_entry>& entries) {
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  for (auto& e : entries) {
    auto parsed = discord::parse_interaction(e.payload);
    std::string_view reason;
    if (!parsed)
      reason = "malformed";
    else if (!e.replied)
      reason = "unacknowledged";
    else if (now - e.received_at >= token_lifetime_s)
      reason = "token_expired";
    if (!reason.empty()) {
      expired(reason).inc();
      log::info("discord", "taken-over interaction can no longer be answered",
                {{"interaction", e.update_id}, {"reason", std::string{reason}}});
      mark_done(self, e.update_id);
      continue;
    }
    log::info("discord", "handling a taken-over interaction", {{"interaction", e.update_id}});
    auto& track = self->state.tracked[e.update_id];
    track.acked = true;
    rerun_acknowledged(self, std::move(parsed).value());
  }
}

} // namespace

void start_inbox(dc_self self) {
  auto& s = self->state.opts->settings;
  self->state.claims.setup(platform_kind::discord, s.inbox_lease_seconds,
                           s.inbox_retention_hours);
  self->state.claims.direct = self->state.opts->direct_db;
  // The figures exist from the start, at zero.
  for (auto reason : {"unacknowledged", "token_expired", "malformed"})
    expired(reason);
  sweep_inbox(self);
}

namespace {

using then = pending_record::then;

/// Handles the settled records at the front of the line, in arrival order.
void handle_settled(dc_self self) {
  auto& line = self->state.recording;
  while (!line.empty() && line.front().next != then::wait) {
    auto r = std::move(line.front());
    line.pop_front();
    if (r.next == then::handle_kept) {
      self->state.tracked[r.id];
      handle(self, std::move(*r.what), r.id);
    } else if (r.next == then::handle_unkept) {
      handle(self, std::move(*r.what), {});
    }
  }
}

void settle(dc_self self, const std::string& id, then next) {
  for (auto& r : self->state.recording)
    if (r.id == id && r.next == then::wait) {
      r.next = next;
      break;
    }
  handle_settled(self);
}

} // namespace

void record_interaction(dc_self self, discord::interaction i, std::string payload) {
  auto& st = self->state;
  auto db = database_of(self);
  auto held = std::make_shared<discord::interaction>(std::move(i));
  auto id = held->id;
  st.recording.push_back(pending_record{id, held, then::wait});
  if (!db || st.stopped) {
    settle(self, id, then::handle_unkept);
    return;
  }
  inbox_entry entry{platform_kind::discord, id, std::move(payload), 0, false};
  inbox_record(
    self, st.claims, db, std::move(entry),
    [self, id] { return self->state.tracked.count(id) > 0; },
    [self, id](inbox_recorded outcome, const caf::error& err) {
      switch (outcome) {
        case inbox_recorded::handle:
          settle(self, id, then::handle_kept);
          return;
        case inbox_recorded::leave:
          // Delivered again (or stored by a store that timed out): whoever
          // holds it (or takes it over) answers it.
          log::info("discord", "interaction delivered again, already in the inbox",
                    {{"interaction", id}});
          settle(self, id, then::leave);
          return;
        case inbox_recorded::failed:
          log::warn("discord", "interaction not recorded, handling it without the inbox",
                    {{"interaction", id}, {"error", self->system().render(err)}});
          settle(self, id, then::handle_unkept);
          return;
      }
    });
}

void inbox_remark(dc_self self, const std::string& inbox_id, inbox_mark which,
                  std::int32_t attempt) {
  auto& st = self->state;
  multiplatform::inbox_remark(self, st.claims, database_of(self), inbox_id, which, attempt,
                              st.tracked.count(inbox_id) > 0);
}

void sweep_inbox(dc_self self) {
  auto& st = self->state;
  // A stopping node takes nothing over: a live member will.
  if (st.stopped)
    return;
  self->delayed_send(self, st.claims.sweep_interval(), dc_sweep_atom::value);
  auto db = database_of(self);
  if (!db)
    return;
  inbox_sweep(self, st.claims, db,
              [self](std::vector<inbox_entry>& entries) { take_over(self, entries); });
}

void inbox_call_started(dc_self self, const rest_purpose& purpose) {
  if (purpose.inbox_id.empty())
    return;
  auto it = self->state.tracked.find(purpose.inbox_id);
  if (it != self->state.tracked.end())
    ++it->second.calls;
}

namespace {

void done_when_over(dc_self self, std::unordered_map<std::string, inbox_track>::iterator it) {
  if (!it->second.finished || it->second.calls > 0)
    return;
  auto id = it->first;
  self->state.tracked.erase(it);
  mark_done(self, id);
}

} // namespace

void inbox_call_over(dc_self self, const rest_purpose& purpose, bool ok) {
  if (purpose.inbox_id.empty())
    return;
  auto& st = self->state;
  auto it = st.tracked.find(purpose.inbox_id);
  if (it == st.tracked.end())
    return;
  auto& t = it->second;
  --t.calls;
  if (ok && purpose.callback && !t.acked) {
    t.acked = true;
    // A callback that is the whole answer is done at once: one write.
    if (!(t.finished && t.calls == 0))
      inbox_mark_replied(self, st.claims, database_of(self), it->first);
  }
  done_when_over(self, it);
}

void inbox_finished(dc_self self, const std::string& inbox_id) {
  auto& st = self->state;
  auto it = st.tracked.find(inbox_id);
  if (it == st.tracked.end())
    return;
  it->second.finished = true;
  done_when_over(self, it);
}

} // namespace lastgram::multiplatform::detail
