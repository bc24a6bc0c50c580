#include "actors/multiplatform/discord_gateway.hpp"

#include <optional>
#include <random>
#include <string_view>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "platforms/discord/gateway_protocol.hpp"
#include "platforms/discord/gateway_scheduler.hpp"
#include "platforms/discord/gateway_socket.hpp"

namespace lastgram::multiplatform {

namespace {

namespace gw = discord::gateway;
using clock_type = std::chrono::steady_clock;

// Private messages: socket events handed over from the I/O thread, and timers.
// Each carries the generation of the connection (or heartbeat timer) it
// belongs to, so that late events of an older one are dropped.
using open_atom = caf::atom_constant<caf::atom("dcgwopen")>;
using frame_atom = caf::atom_constant<caf::atom("dcgwframe")>;
using closed_atom = caf::atom_constant<caf::atom("dcgwclosed")>;
using beat_atom = caf::atom_constant<caf::atom("dcgwbeat")>;
using connect_atom = caf::atom_constant<caf::atom("dcgwconn")>;
using go_atom = caf::atom_constant<caf::atom("dcgwgo")>;

using shard_impl_actor = discord::gateway_shard_actor::extend<
  caf::reacts_to<open_atom, std::uint64_t>,
  caf::reacts_to<frame_atom, std::uint64_t, std::string>,
  caf::reacts_to<closed_atom, std::uint64_t, std::uint16_t, std::string>,
  caf::reacts_to<beat_atom, std::uint64_t>, caf::reacts_to<connect_atom, std::uint64_t>,
  caf::reacts_to<go_atom, std::uint64_t>>;

/// Frames received by opcode, for /metrics.
metrics::counter events_counter(int op) {
  std::string_view name = "other";
  switch (op) {
    case 0: name = "dispatch"; break;
    case 1: name = "heartbeat"; break;
    case 7: name = "reconnect"; break;
    case 9: name = "invalid_session"; break;
    case 10: name = "hello"; break;
    case 11: name = "heartbeat_ack"; break;
    default: break;
  }
  return metrics::get_counter("lastgram_discord_gateway_events_total",
                              "Frames received from Discord's gateway, by opcode.", {{"op", name}});
}

struct shard_state {
  std::shared_ptr<const gateway_shard_options> opts;
  std::shared_ptr<gw::socket_transport> transport;
  std::optional<gw::protocol> proto;
  std::shared_ptr<gw::socket_handle> socket;
  /// The URL the pending (re)connect goes to.
  std::string next_url;
  std::uint64_t conn_gen = 0;
  std::uint64_t beat_gen = 0;
  std::int64_t dispatches = 0;
  bool fatal_reported = false;
  metrics::counter reconnects = metrics::get_counter(
    "lastgram_discord_gateway_reconnects_total", "Gateway reconnections (resume or identify).");
  metrics::counter stops = metrics::get_counter(
    "lastgram_discord_gateway_fatal_total", "Gateway shards stopped by a fatal close code.");
  static inline const char* name = "discord_gateway";

  ~shard_state() {
    if (socket)
      socket->close(gw::close_keep_session);
  }
};

using self_ptr = shard_impl_actor::stateful_pointer<shard_state>;

clock_type::time_point now_of(self_ptr self) {
  auto& f = self->state.opts->now;
  return f ? f() : clock_type::now();
}

void run(self_ptr self, const gw::actions& actions);

void open_socket(self_ptr self, std::uint64_t gen) {
  auto& st = self->state;
  if (gen != st.conn_gen || st.proto->state() == gw::shard_state::stopped)
    return;
  caf::actor_addr addr = self->address();
  auto to_self = [addr](auto... xs) {
    if (auto hdl = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(hdl, xs...);
  };
  gw::socket_events ev;
  ev.on_open = [to_self, gen] { to_self(open_atom::value, gen); };
  ev.on_text = [to_self, gen](std::string text) { to_self(frame_atom::value, gen, std::move(text)); };
  ev.on_closed = [to_self, gen](std::uint16_t code, std::string why) {
    to_self(closed_atom::value, gen, code, std::move(why));
  };
  st.socket = st.transport->connect(st.next_url, std::move(ev));
}

void ask_identify(self_ptr self) {
  auto& st = self->state;
  auto gen = st.conn_gen;
  auto gate = st.opts->gate_of ? st.opts->gate_of() : st.opts->gate;
  if (!gate) {
    self->send(self, go_atom::value, gen);
    return;
  }
  self->request(gate, std::chrono::seconds{10}, discord::gateway_identify_atom::value,
                st.opts->shard.shard_id)
    .then(
      [self, gen](std::int64_t wait_ms) {
        self->delayed_send(self, std::chrono::milliseconds{std::max<std::int64_t>(wait_ms, 0)},
                           go_atom::value, gen);
      },
      [self, gen](caf::error&) {
        // Without the gate, one identify now beats none; Discord answers an
        // excess with a close the protocol handles.
        log::warn("discord", "identify gate did not answer",
                  {log::kv("shard", self->state.opts->shard.shard_id)});
        self->send(self, go_atom::value, gen);
      });
}

void reconnect(self_ptr self, const gw::action& a) {
  auto& st = self->state;
  ++st.beat_gen;
  if (st.socket) {
    st.socket->close(a.code);
    st.socket.reset();
  }
  auto gen = ++st.conn_gen;
  st.next_url = a.url;
  if (st.proto->reconnects() > 0)
    st.reconnects.inc();
  log::info("discord", a.resume ? "gateway resuming" : "gateway connecting",
            {log::kv("shard", st.opts->shard.shard_id),
             log::kv("delay_ms", static_cast<std::int64_t>(a.delay.count()))});
  if (a.delay.count() <= 0)
    self->send(self, connect_atom::value, gen);
  else
    self->delayed_send(self, a.delay, connect_atom::value, gen);
}

void stop(self_ptr self, const gw::action& a) {
  auto& st = self->state;
  ++st.beat_gen;
  ++st.conn_gen;
  if (st.socket) {
    st.socket->close(a.code);
    st.socket.reset();
  }
  if (st.proto->stop_reason() == "shut down" || st.fatal_reported)
    return;
  st.fatal_reported = true;
  st.stops.inc();
  log::error("discord", "gateway shard stopped", {log::kv("shard", st.opts->shard.shard_id), {"reason", a.text}});
  if (st.opts->on_fatal)
    st.opts->on_fatal(a.text);
}

void run(self_ptr self, const gw::actions& actions) {
  auto& st = self->state;
  for (auto& a : actions) {
    switch (a.kind) {
      case gw::action::send:
        if (st.socket)
          st.socket->send(a.text);
        break;
      case gw::action::arm_heartbeat:
        self->delayed_send(self, a.delay, beat_atom::value, ++st.beat_gen);
        break;
      case gw::action::identify_wanted:
        ask_identify(self);
        break;
      case gw::action::reconnect:
        reconnect(self, a);
        break;
      case gw::action::stop:
        stop(self, a);
        break;
      case gw::action::dispatch:
        ++st.dispatches;
        if (auto sink = st.opts->sink_of ? st.opts->sink_of() : st.opts->sink)
          self->send(sink, discord::dispatch_atom::value, a.event, st.opts->shard.shard_id, a.text);
        break;
      case gw::action::warn:
        log::warn("discord", "gateway", {log::kv("shard", st.opts->shard.shard_id), {"detail", a.text}});
        break;
    }
  }
}

discord::gateway_shard_stats stats_of(self_ptr self) {
  auto& st = self->state;
  auto& p = *st.proto;
  discord::gateway_shard_stats s;
  s.shard = st.opts->shard.shard_id;
  s.shard_count = st.opts->shard.shard_count;
  s.state = gw::to_string(p.state());
  s.seq = p.seq();
  s.session = !p.session_id().empty();
  s.reconnects = p.reconnects();
  s.heartbeat_rtt_ms = p.last_rtt().count();
  s.dispatches = st.dispatches;
  s.stop_reason = p.stop_reason() == "shut down" ? std::string{} : p.stop_reason();
  return s;
}

std::function<double()> jitter_of(const gateway_shard_options& o) {
  if (o.jitter)
    return o.jitter;
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
}

shard_impl_actor::behavior_type shard_impl(self_ptr self, std::shared_ptr<const gateway_shard_options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  log::add_secret(st.opts->shard.token);
  st.transport = st.opts->transport;
  if (!st.transport)
    st.transport = std::make_shared<gw::socket_transport>(gw::socket_transport::options{});
  st.proto.emplace(st.opts->shard, jitter_of(*st.opts));
  run(self, st.proto->start());
  auto current = [self](std::uint64_t gen) { return gen == self->state.conn_gen; };
  return {
    [self, current](open_atom, std::uint64_t gen) {
      if (current(gen))
        run(self, self->state.proto->on_connected());
    },
    [self, current](frame_atom, std::uint64_t gen, std::string& text) {
      if (!current(gen))
        return;
      auto out = self->state.proto->on_frame(text, now_of(self));
      events_counter(self->state.proto->last_opcode()).inc();
      run(self, out);
    },
    [self, current](closed_atom, std::uint64_t gen, std::uint16_t code, std::string& why) {
      if (!current(gen))
        return;
      self->state.socket.reset();
      log::info("discord", "gateway closed",
                {log::kv("shard", self->state.opts->shard.shard_id), log::kv("code", static_cast<int>(code)),
                 {"detail", why}});
      run(self, self->state.proto->on_closed(code, why));
    },
    [self](beat_atom, std::uint64_t gen) {
      if (gen == self->state.beat_gen)
        run(self, self->state.proto->on_heartbeat_due(now_of(self)));
    },
    [self](connect_atom, std::uint64_t gen) { open_socket(self, gen); },
    [self, current](go_atom, std::uint64_t gen) {
      if (current(gen))
        run(self, self->state.proto->identify());
    },
    [self](stats_atom) { return stats_of(self); },
    [self](shutdown_atom) {
      run(self, self->state.proto->shutdown());
      self->quit();
    },
  };
}

} // namespace

discord::gateway_shard_actor spawn_gateway_shard(caf::local_actor* parent,
                                                 std::shared_ptr<const gateway_shard_options> opts) {
  return parent->spawn(shard_impl, std::move(opts));
}

discord::gateway_shard_actor spawn_gateway_shard(caf::actor_system& sys,
                                                 std::shared_ptr<const gateway_shard_options> opts) {
  return sys.spawn(shard_impl, std::move(opts));
}

namespace {

using clock_fn = std::function<clock_type::time_point()>;
using lead_check_atom = caf::atom_constant<caf::atom("dcgatechk")>;

using gate_impl_actor = discord::gateway_identify_gate::extend<caf::reacts_to<lead_check_atom>>;

struct gate_state {
  std::shared_ptr<gw::identify_scheduler> sched;
  clock_fn now;
  std::function<bool()> leads;
  /// Whether this gate led the cluster's identifies at the last check.
  bool leading = false;
  static inline const char* name = "discord_identify_gate";

  clock_type::time_point time() const {
    return now ? now() : clock_type::now();
  }
};

using gate_ptr = gate_impl_actor::stateful_pointer<gate_state>;

/// How often a cluster's gate checks whether it leads.
constexpr std::chrono::milliseconds lead_check_every{250};

/// A gate that starts to lead holds every bucket for one spacing: the member
/// that led before may have let a shard identify just now.
void check_lead(gate_ptr self) {
  auto& st = self->state;
  bool leads = st.leads();
  if (leads && !st.leading) {
    st.sched->hold_until(st.time() + gw::identify_scheduler::bucket_spacing);
    log::info("discord", "identify gate leads the cluster's identifies", {});
  }
  st.leading = leads;
}

gate_impl_actor::behavior_type gate_impl(gate_ptr self, std::shared_ptr<gw::identify_scheduler> sched,
                                         clock_fn now, std::function<bool()> leads) {
  auto& st = self->state;
  st.sched = std::move(sched);
  st.now = std::move(now);
  st.leads = std::move(leads);
  if (st.leads) {
    check_lead(self);
    self->delayed_send(self, lead_check_every, lead_check_atom::value);
  }
  return {
    [self](discord::gateway_identify_atom, std::int32_t shard) -> std::int64_t {
      auto& state = self->state;
      auto t = state.time();
      auto at = state.sched->reserve(shard, t);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - t).count();
      if (wait > 0)
        log::info("discord", "identify waits for the session start limit",
                  {log::kv("shard", shard), log::kv("wait_ms", static_cast<std::int64_t>(wait)),
                   log::kv("remaining", state.sched->remaining())});
      return wait;
    },
    [self](lead_check_atom) {
      check_lead(self);
      self->delayed_send(self, lead_check_every, lead_check_atom::value);
    },
  };
}

} // namespace

discord::gateway_identify_gate spawn_identify_gate(caf::actor_system& sys,
                                                   const gw::session_start_limit& limit) {
  return caf::actor_cast<discord::gateway_identify_gate>(
    sys.spawn(gate_impl, std::make_shared<gw::identify_scheduler>(limit, clock_type::now()),
              clock_fn{}, std::function<bool()>{}));
}

discord::gateway_identify_gate spawn_identify_gate(caf::local_actor* parent,
                                                   std::shared_ptr<gw::identify_scheduler> schedule,
                                                   clock_fn now, std::function<bool()> leads) {
  return caf::actor_cast<discord::gateway_identify_gate>(
    parent->spawn(gate_impl, std::move(schedule), std::move(now), std::move(leads)));
}

} // namespace lastgram::multiplatform
