#include "actors/cluster/membership.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

#include "actors/cluster/endpoint.hpp"
#include "actors/cluster/roster.hpp"
#include "actors/cluster/tls_error_queue.hpp"
#include "actors/logging/log.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/exceptions.hpp"
#include "messages/atoms.hpp"

namespace lastgram::cluster {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// A member other than this node, by the endpoint it published.
struct peer {
  member_card card;
  /// Its membership actor; invalid while down.
  caf::actor handle;
  member_state state = member_state::up;
  clock_type::time_point since;
  /// A gossip request is outstanding since `probe_sent`.
  bool probing = false;
  clock_type::time_point probe_sent;
};

/// An endpoint to dial: a seed, one a peer told about, or a member that left.
struct dial_target {
  bool seed = false;
  bool in_flight = false;
  int failures = 0;
  clock_type::time_point next_try;
  /// When a peer last mentioned it (or when it was last up).
  clock_type::time_point last_heard;
  /// The last failure, so that a repeated one is not logged again.
  std::string last_error;
};

struct membership_state {
  std::shared_ptr<const membership_options> opts;
  /// The middleman actor that connects and publishes: OpenSSL's or plain.
  caf::actor connector;
  std::string self_endpoint;
  std::map<std::string, peer> peers;
  std::map<std::string, dial_target> targets;
  /// Endpoint as dialed -> endpoint the member published (they differ when
  /// a seed is written as a host name).
  std::map<std::string, std::string> aliases;
  /// This node's engine handles as last published in the roster.
  /// This node's card as last published (its engine handles).
  member_card last_card;
  clock_type::time_point started;
  static inline const char* name = "cluster.membership";
};

/// The membership_actor door plus its own tick.
using membership_typed = membership_actor::extend<caf::reacts_to<tick_atom>>;
using membership_impl = membership_typed::stateful_base<membership_state>;

milliseconds tick_interval(const cluster_settings& s) {
  return milliseconds{std::clamp<std::int64_t>(s.heartbeat_ms, 50, 1000)};
}

/// A probe unanswered for this long makes its member suspect.
milliseconds suspect_after(const cluster_settings& s) {
  return milliseconds{std::max<std::int64_t>(2 * s.heartbeat_ms, s.connection_timeout_ms / 2)};
}

/// How often a connected member is probed (and told our news).
milliseconds probe_interval(const cluster_settings& s) {
  return milliseconds{std::max<std::int64_t>(s.heartbeat_ms, s.connection_timeout_ms / 4)};
}

caf::actor pick_connector(caf::actor_system& sys, const cluster_settings& s) {
  if (uses_tls(s))
    return caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle());
  return caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
}

member_card own_card(membership_impl* self) {
  auto& st = self->state;
  member_card card;
  card.name = st.opts->node_name;
  card.endpoint = st.self_endpoint;
  card.roles = st.opts->settings.roles;
  if (st.opts->engines) {
    card.command = st.opts->engines->command.get();
    card.diag = st.opts->engines->diag.get();
    card.identify_gate = st.opts->engines->identify_gate.get();
  }
  return card;
}

member_gossip own_gossip(membership_impl* self) {
  member_gossip g;
  g.card = own_card(self);
  for (auto& [endpoint, p] : self->state.peers)
    if (p.handle)
      g.endpoints.push_back(endpoint);
  return g;
}

/// `card`'s engine handles into `m` (see same_handles).
void take_handles(cluster_member& m, const member_card& card) {
  m.command = card.command;
  m.diag = card.diag;
  m.identify_gate = card.identify_gate;
}

/// Every member, this node first; engine handles only when `with_handles`.
std::vector<cluster_member> members(membership_impl* self, bool with_handles) {
  auto& st = self->state;
  auto now = clock_type::now();
  auto age = [&](clock_type::time_point since) {
    return std::chrono::duration_cast<milliseconds>(now - since).count();
  };
  std::vector<cluster_member> out;
  auto me = own_card(self);
  cluster_member self_entry{me.name, me.endpoint, me.roles, member_state::up, age(st.started),
                            true, {}, {}, {}};
  if (with_handles)
    take_handles(self_entry, me);
  out.push_back(std::move(self_entry));
  for (auto& [endpoint, p] : st.peers) {
    cluster_member m{p.card.name, endpoint, p.card.roles, p.state, age(p.since), false,
                     {}, {}, {}};
    if (with_handles && p.state != member_state::down)
      take_handles(m, p.card);
    out.push_back(std::move(m));
  }
  return out;
}

/// Hands the current view to in-process readers.
void publish_view(membership_impl* self) {
  auto& st = self->state;
  if (st.opts->view)
    st.opts->view->update(members(self, true));
  st.last_card = own_card(self);
}

/// Moves `p` to `to`; `expected` marks a departure the member announced (it
/// shut down), which is no warning.
void set_state(membership_impl* self, const std::string& endpoint, peer& p, member_state to,
               const std::string& why, bool expected = false) {
  if (p.state == to)
    return;
  p.state = to;
  p.since = clock_type::now();
  auto level = to == member_state::up || expected ? log_level::info : log_level::warn;
  const char* event = to == member_state::up     ? "member up"
                      : to == member_state::down ? "member left"
                                                 : "member suspect";
  log::write(level, "cluster", event,
             {{"member", p.card.name}, {"endpoint", endpoint}, {"why", why}});
  publish_view(self);
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

/// Remembers endpoints a peer sees up, to dial those not known yet.
void learn(membership_impl* self, const std::vector<std::string>& endpoints) {
  auto& st = self->state;
  auto now = clock_type::now();
  for (auto& e : endpoints) {
    if (e == st.self_endpoint || !parse_endpoint(e))
      continue;
    auto alias = st.aliases.find(e);
    const auto& key = alias == st.aliases.end() ? e : alias->second;
    if (key == st.self_endpoint)
      continue;
    auto p = st.peers.find(key);
    if (p != st.peers.end() && p->second.handle)
      continue;
    auto [t, fresh] = st.targets.try_emplace(e);
    t->second.last_heard = now;
    if (fresh)
      t->second.next_try = now;
  }
}

/// Takes in what a member said about itself, through `hdl` (its membership
/// actor, reached directly); `dialed` is the endpoint we dialed, if any.
void adopt(membership_impl* self, const caf::actor& hdl, member_gossip& g,
           const std::string& dialed) {
  auto& st = self->state;
  auto key = g.card.endpoint.empty() ? dialed : g.card.endpoint;
  if (key.empty())
    return;
  if (!dialed.empty() && dialed != key)
    st.aliases[dialed] = key;
  if (key == st.self_endpoint) {
    log::error("cluster", "another node claims this node's endpoint",
               {{"endpoint", key}, {"other", g.card.name}});
    return;
  }
  auto now = clock_type::now();
  auto [it, fresh] = st.peers.try_emplace(key);
  auto& p = it->second;
  bool changed = fresh || !same_handles(p.card, g.card)
                 || p.card.roles != g.card.roles || p.card.name != g.card.name;
  if (p.handle != hdl) {
    // New, back, or restarted with a new membership actor.
    if (p.handle)
      self->demonitor(p.handle);
    p.handle = hdl;
    self->monitor(hdl);
    p.probing = false;
    p.probe_sent = now;
    changed = true;
  }
  p.card = std::move(g.card);
  if (auto t = st.targets.find(key); t != st.targets.end()) {
    t->second.failures = 0;
    t->second.last_error.clear();
    t->second.last_heard = now;
  }
  if (fresh) {
    p.since = now;
    p.state = member_state::up;
    log::info("cluster", "member joined",
              {{"member", p.card.name}, {"endpoint", key}, {"roles", joined(p.card.roles)}});
  }
  learn(self, g.endpoints);
  if (p.state != member_state::up)
    set_state(self, key, p, member_state::up, "answered");
  else if (changed)
    publish_view(self);
}

void dial_failed(membership_impl* self, const std::string& endpoint, const std::string& why) {
  auto& st = self->state;
  auto t = st.targets.find(endpoint);
  if (t == st.targets.end())
    return;
  auto& target = t->second;
  target.in_flight = false;
  ++target.failures;
  target.next_try = clock_type::now() + redial_delay(target.failures);
  if (why != target.last_error) {
    target.last_error = why;
    log::write(target.seed ? log_level::warn : log_level::info, "cluster",
               "cannot reach a cluster endpoint", {{"endpoint", endpoint}, {"error", why}});
  }
}

void dial(membership_impl* self, const std::string& endpoint) {
  auto& st = self->state;
  auto ep = parse_endpoint(endpoint);
  if (!ep)
    return;
  auto& target = st.targets[endpoint];
  target.in_flight = true;
  auto timeout = milliseconds{st.opts->settings.connection_timeout_ms};
  self->request(st.connector, timeout, caf::connect_atom::value, ep->host, ep->port)
    .then(
      [self, endpoint, timeout](caf::node_id& nid, caf::strong_actor_ptr& ptr,
                                std::set<std::string>& sigs) {
        if (nid == self->node()) {
          // One of our own seeds is this node.
          auto& state = self->state;
          state.aliases[endpoint] = state.self_endpoint;
          state.targets.erase(endpoint);
          return;
        }
        if (!ptr)
          return dial_failed(self, endpoint, "nothing is published there");
        if (!self->system().assignable<membership_actor>(sigs))
          return dial_failed(self, endpoint,
                             "not a lastgram cluster endpoint of this version");
        auto hdl = caf::actor_cast<caf::actor>(ptr);
        self->request(hdl, timeout, own_gossip(self))
          .then(
            [self, endpoint, hdl](member_gossip& g) {
              if (auto t = self->state.targets.find(endpoint); t != self->state.targets.end())
                t->second.in_flight = false;
              adopt(self, hdl, g, endpoint);
            },
            [self, endpoint](caf::error& err) {
              dial_failed(self, endpoint, self->system().render(err));
            });
      },
      [self, endpoint](caf::error& err) {
        dial_failed(self, endpoint, self->system().render(err));
      });
}

void probe(membership_impl* self, const std::string& endpoint, peer& p) {
  auto& st = self->state;
  p.probing = true;
  p.probe_sent = clock_type::now();
  auto hdl = p.handle;
  self->request(hdl, milliseconds{st.opts->settings.connection_timeout_ms}, own_gossip(self))
    .then(
      [self, endpoint, hdl](member_gossip& g) {
        auto i = self->state.peers.find(endpoint);
        if (i == self->state.peers.end() || i->second.handle != hdl)
          return;
        i->second.probing = false;
        adopt(self, hdl, g, {});
      },
      [self, endpoint, hdl](caf::error& err) {
        auto i = self->state.peers.find(endpoint);
        if (i == self->state.peers.end() || i->second.handle != hdl)
          return;
        i->second.probing = false;
        if (i->second.state == member_state::up)
          set_state(self, endpoint, i->second, member_state::suspect,
                    self->system().render(err));
      });
}

/// One round: probe members, mark slow ones suspect, redial what is due,
/// forget what has been gone for long.
void tick(membership_impl* self) {
  auto& st = self->state;
  const auto& s = st.opts->settings;
  auto now = clock_type::now();
  for (auto& [endpoint, p] : st.peers) {
    if (!p.handle)
      continue;
    if (p.probing && p.state == member_state::up && now - p.probe_sent > suspect_after(s))
      set_state(self, endpoint, p, member_state::suspect, "no answer");
    if (!p.probing && now - p.probe_sent >= probe_interval(s))
      probe(self, endpoint, p);
  }
  for (auto i = st.peers.begin(); i != st.peers.end();) {
    auto& p = i->second;
    bool seed = st.targets.count(i->first) != 0 && st.targets[i->first].seed;
    if (!p.handle && !seed && now - p.since > st.opts->forget_after) {
      log::info("cluster", "member forgotten", {{"endpoint", i->first}});
      st.targets.erase(i->first);
      i = st.peers.erase(i);
      publish_view(self);
    } else {
      ++i;
    }
  }
  for (auto i = st.targets.begin(); i != st.targets.end();) {
    auto& [endpoint, t] = *i;
    auto alias = st.aliases.find(endpoint);
    const auto& key = alias == st.aliases.end() ? endpoint : alias->second;
    auto p = st.peers.find(key);
    bool connected = p != st.peers.end() && p->second.handle;
    if (!t.seed && !connected && !t.in_flight && p == st.peers.end()
        && now - t.last_heard > st.opts->forget_after) {
      i = st.targets.erase(i);
      continue;
    }
    if (!connected && !t.in_flight && now >= t.next_try)
      dial(self, endpoint);
    ++i;
  }
  // A restarted engine of this node has a new handle: tell the readers.
  if (!same_handles(own_card(self), st.last_card))
    publish_view(self);
}

void on_peer_down(membership_impl* self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& [endpoint, p] : st.peers) {
    if (!p.handle || p.handle.address() != msg.source)
      continue;
    p.handle = nullptr;
    p.probing = false;
    auto& t = st.targets[endpoint];
    t.failures = 0;
    t.last_error.clear();
    t.last_heard = clock_type::now();
    t.next_try = clock_type::now() + redial_delay(1);
    set_state(self, endpoint, p, member_state::down, self->system().render(msg.reason),
              msg.reason == caf::exit_reason::user_shutdown);
    return;
  }
}

void publish_endpoint(membership_impl* self) {
  auto& st = self->state;
  const auto& s = st.opts->settings;
  auto port = static_cast<std::uint16_t>(s.port);
  // The implementation also takes its own ticks; peers see the
  // membership_actor interface it implements.
  auto sigs = self->system().message_types<membership_actor>();
  self
    ->request(st.connector, std::chrono::seconds{10}, caf::publish_atom::value, port,
              caf::actor_cast<caf::strong_actor_ptr>(self), std::move(sigs), s.address, true)
    .then(
      [self](std::uint16_t actual) {
        auto& state = self->state;
        log::info("cluster", "cluster endpoint published",
                  {{"endpoint", state.self_endpoint}, log::kv("port", actual),
                   {"transport", uses_tls(state.opts->settings) ? "tls" : "tcp"},
                   {"seeds", std::to_string(state.opts->settings.seeds.size())}});
        // Unpublish when this actor ends, so that a restarted one can bind.
        self->attach_functor([connector = state.connector, addr = self->address(), actual] {
          caf::anon_send(connector, caf::unpublish_atom::value, addr, actual);
        });
      },
      [self](caf::error& err) {
        log::error("cluster", "cannot publish the cluster endpoint",
                   {{"endpoint", self->state.self_endpoint},
                    {"error", self->system().render(err)}});
        self->quit(err);
      });
}

membership_typed::behavior_type membership(membership_impl* self, std::shared_ptr<const membership_options> opts) {
  keep_exception_text(self);
  auto& st = self->state;
  st.opts = std::move(opts);
  const auto& s = st.opts->settings;
  st.self_endpoint = endpoint{s.address, static_cast<std::uint16_t>(s.port)}.to_string();
  st.connector = pick_connector(self->system(), s);
  auto now = clock_type::now();
  st.started = now;
  for (auto& seed : s.seeds) {
    auto ep = parse_endpoint(seed);
    if (!ep || ep->to_string() == st.self_endpoint)
      continue;
    auto& t = st.targets[ep->to_string()];
    t.seed = true;
    t.next_try = now;
    t.last_heard = now;
  }
  self->set_down_handler([self](caf::down_msg& msg) { on_peer_down(self, msg); });
  self->set_default_handler(caf::drop);
  publish_endpoint(self);
  publish_view(self);
  self->send(self, tick_atom::value);
  return {
    [self](member_gossip& g) -> member_gossip {
      auto sender = self->current_sender();
      if (sender && sender->node() != self->node())
        adopt(self, caf::actor_cast<caf::actor>(sender), g, {});
      return own_gossip(self);
    },
    [self](members_atom) -> cluster_view {
      cluster_view view;
      view.node = self->state.opts->node_name;
      view.endpoint = self->state.self_endpoint;
      view.members = members(self, false);
      return view;
    },
    [self](tick_atom) {
      tick(self);
      self->delayed_send(self, tick_interval(self->state.opts->settings), tick_atom::value);
    },
  };
}

} // namespace

bool uses_tls(const cluster_settings& s) {
  return !s.ca_file.empty() || !s.cert_file.empty() || !s.key_file.empty();
}

void configure(caf::actor_system_config& cfg, const cluster_settings& s) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.app-identifiers", std::vector<std::string>{s.app_identifier});
  cfg.set("middleman.heartbeat-interval", caf::timespan{milliseconds{s.heartbeat_ms}});
  cfg.set("middleman.connection-timeout", caf::timespan{milliseconds{s.connection_timeout_ms}});
  // Nodes connect to each other only through the endpoints they publish.
  cfg.set("middleman.enable-automatic-connections", false);
  if (uses_tls(s)) {
    // Keeps CAF's TLS sessions from failing each other (tls_error_queue.cpp).
    static_cast<void>(tls_error_queue_workaround_linked());
    cfg.load<caf::openssl::manager>();
    cfg.openssl_cafile = s.ca_file;
    cfg.openssl_certificate = s.cert_file;
    cfg.openssl_key = s.key_file;
  }
}

membership_actor spawn_membership(caf::local_actor* parent,
                                  std::shared_ptr<const membership_options> opts) {
  return parent->spawn(membership, std::move(opts));
}

milliseconds redial_delay(int failures) {
  std::int64_t delay = 200;
  for (int i = 1; i < failures && delay < 2000; ++i)
    delay *= 2;
  return milliseconds{std::min<std::int64_t>(delay, 2000)};
}

caf::expected<cluster_view> query_view(caf::actor_system& sys, const cluster_settings& s,
                                       const std::string& host, std::uint16_t port,
                                       milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  auto left = [&] {
    return std::max(milliseconds{1},
                    std::chrono::duration_cast<milliseconds>(deadline - clock_type::now()));
  };
  caf::scoped_actor self{sys};
  caf::expected<cluster_view> result{caf::sec::request_timeout};
  caf::actor target;
  self->request(pick_connector(sys, s), left(), caf::connect_atom::value, host, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& sigs) {
        if (!ptr)
          result = caf::make_error(caf::sec::no_actor_published_at_port);
        else if (!sys.assignable<membership_actor>(sigs))
          result = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
        else
          target = caf::actor_cast<caf::actor>(ptr);
      },
      [&](caf::error& err) { result = std::move(err); });
  if (!target)
    return result;
  self->request(target, left(), members_atom::value)
    .receive([&](cluster_view& view) { result = std::move(view); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace lastgram::cluster
