// A gateway shard as a cluster singleton: the slot stays in the supervision
// tree on every member and runs the shard itself only where the cluster
// places it (see discord_gateway.hpp).

#include <optional>
#include <string>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord_gateway.hpp"

namespace lastgram::multiplatform {

namespace {

using clock_type = std::chrono::steady_clock;
using check_atom = caf::atom_constant<caf::atom("dcslotchk")>;

using slot_impl_actor = discord::gateway_shard_actor::extend<caf::reacts_to<check_atom>>;

struct slot_state {
  std::shared_ptr<const shard_slot_options> opts;
  /// The running shard; invalid while it runs elsewhere.
  discord::gateway_shard_actor shard;
  clock_type::time_point started = clock_type::now();
  /// Since when this node owns the shard without running it.
  std::optional<clock_type::time_point> owned_since;
  metrics::gauge running;
  static inline const char* name = "discord_shard_slot";

  ~slot_state() {
    if (running)
      running.set(0);
  }
};

using self_ptr = slot_impl_actor::stateful_pointer<slot_state>;

std::int32_t shard_id(self_ptr self) {
  return self->state.opts->shard->shard.shard_id;
}

void start_shard(self_ptr self) {
  auto& st = self->state;
  st.owned_since.reset();
  st.shard = spawn_gateway_shard(self, st.opts->shard);
  // A crash of the shard ends the slot with its reason, so the supervisor
  // restarts both; the slot's end ends the shard.
  self->link_to(st.shard);
  st.running.set(1);
  log::info("discord", "gateway shard runs on this node", {log::kv("shard", shard_id(self))});
}

void stop_shard(self_ptr self) {
  auto& st = self->state;
  // A normal end after shutdown: the link does not end the slot.
  self->send(st.shard, shutdown_atom::value);
  st.shard = nullptr;
  st.running.set(0);
  log::info("discord", "gateway shard moved to another member, closed here",
            {log::kv("shard", shard_id(self))});
}

void check(self_ptr self) {
  auto& st = self->state;
  auto now = clock_type::now();
  if (st.opts->runs_here()) {
    if (!st.shard) {
      if (!st.owned_since)
        st.owned_since = now;
      if (now - *st.owned_since >= st.opts->settle && now - st.started >= st.opts->first_settle)
        start_shard(self);
    }
  } else {
    st.owned_since.reset();
    if (st.shard)
      stop_shard(self);
  }
}

slot_impl_actor::behavior_type slot_impl(self_ptr self,
                                         std::shared_ptr<const shard_slot_options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.running = metrics::get_gauge("lastgram_discord_gateway_shard_running",
                                  "1 while this node runs the gateway shard, 0 while another "
                                  "cluster member does.",
                                  {{"shard", std::to_string(shard_id(self))}});
  st.running.set(0);
  check(self);
  self->delayed_send(self, st.opts->check_every, check_atom::value);
  return {
    [self](check_atom) {
      check(self);
      self->delayed_send(self, self->state.opts->check_every, check_atom::value);
    },
    [self](stats_atom) -> caf::result<discord::gateway_shard_stats> {
      auto& state = self->state;
      if (state.shard)
        return self->delegate(state.shard, stats_atom::value);
      discord::gateway_shard_stats s;
      s.shard = shard_id(self);
      s.shard_count = state.opts->shard->shard.shard_count;
      s.state = "elsewhere";
      return s;
    },
    [self](shutdown_atom) {
      if (self->state.shard)
        self->send(self->state.shard, shutdown_atom::value);
      self->quit();
    },
  };
}

} // namespace

discord::gateway_shard_actor spawn_shard_slot(caf::local_actor* parent,
                                              std::shared_ptr<const shard_slot_options> opts) {
  return parent->spawn(slot_impl, std::move(opts));
}

discord::gateway_shard_actor spawn_shard_slot(caf::actor_system& sys,
                                              std::shared_ptr<const shard_slot_options> opts) {
  return sys.spawn(slot_impl, std::move(opts));
}

} // namespace lastgram::multiplatform
