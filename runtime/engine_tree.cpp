#include "runtime/engine_tree.hpp"

#include <algorithm>
#include <filesystem>

#include "caf/all.hpp"

#include "actors/caching/engine.hpp"
#include "actors/caching/redis_lane.hpp"
#include "actors/cluster/diag_http.hpp"
#include "actors/cluster/diagnostics.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/placement.hpp"
#include "actors/cluster/roster.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/database/engine.hpp"
#include "actors/database/pg_lane.hpp"
#include "actors/event/engine.hpp"
#include "actors/fm/engine.hpp"
#include "actors/indexer/engine.hpp"
#include "actors/logging/engine.hpp"
#include "actors/lyrics/engine.hpp"
#include "actors/image/engine.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord.hpp"
#include "actors/multiplatform/discord_gateway.hpp"
#include "runtime/discord_gateway_plan.hpp"
#include "actors/multiplatform/telegram.hpp"
#include "actors/server/engine.hpp"
#include "actors/server/http_server.hpp"
#include "actors/server/image_store.hpp"
#include "actors/support/health.hpp"
#include "actors/translation/engine.hpp"
#include "platforms/console/console.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::runtime {

namespace {

using parts_ptr = std::shared_ptr<node_parts>;

/// An engine of one actor named like the engine.
engine_descriptor single(std::string name, std::function<caf::actor(caf::local_actor*)> spawn,
                         bool reports_ready = false) {
  engine_descriptor d{name, {}};
  d.children.push_back(child_spec{std::move(name), std::move(spawn), reports_ready});
  return d;
}

/// A typed handle as the supervisor sees it (it only monitors and restarts).
template <class Handle>
caf::actor untyped(const Handle& hdl) {
  return caf::actor_cast<caf::actor>(hdl);
}

/// Logs and metrics: the asynchronous log sink, the error ring and the
/// metrics registry.
engine_descriptor logging_engine(const parts_ptr&) {
  return single("logging",
                [](caf::local_actor* self) { return untyped(logging::spawn_engine(self)); });
}

/// The catalogs: checked at start, reloaded on SIGHUP, read as snapshots.
engine_descriptor translation_engine(const parts_ptr& p) {
  return single("translation", [p](caf::local_actor* self) {
    auto hdl = translation::spawn_engine(self, p->live_texts, p->locales);
    p->translation->put(hdl);
    return untyped(hdl);
  });
}

engine_descriptor caching_engine(const parts_ptr& p) {
  return single("caching", [p](caf::local_actor* self) {
    // Made once, with the engine's first start, on the HTTP client's loop.
    if (!p->redis_lane && p->http && p->values.cache.redis_direct)
      p->redis_lane = caching::redis_lane::make(
        p->values.cache, std::shared_ptr<boost::asio::io_context>(p->http, &p->http->loop()));
    auto hdl = caching::spawn_engine(self, p->values.cache, p->health, p->memory_cache,
                                     p->redis_lane);
    p->engines->caching.put(hdl);
    return untyped(hdl);
  });
}

engine_descriptor database_engine(const parts_ptr& p) {
  return single(
    "database",
    [p](caf::local_actor* self) {
      // Made once, here rather than with the parts: its statements need the
      // tables the node migrated before starting its engines.
      if (!p->pg_lane && p->http)
        p->pg_lane = database::pg_lane::make(
          p->values.database,
          std::shared_ptr<boost::asio::io_context>(p->http, &p->http->loop()));
      auto hdl = database::spawn_engine(self, p->values.database, p->health, p->pg_lane);
      p->engines->database.put(hdl);
      return untyped(hdl);
    },
    true);
}

engine_descriptor fm_engine(const parts_ptr& p) {
  return single("fm", [p](caf::local_actor* self) {
    // With Redis the Last.fm rate is shared by the whole cluster.
    bool shared_bucket = !p->values.cache.redis_url.empty();
    auto engines = p->engines;
    auto hdl = fm::spawn_engine(self, p->values.lastfm, p->http,
                                [engines] { return engines->caching.get(); }, shared_bucket,
                                p->direct_cache);
    p->engines->fm.put(hdl);
    return untyped(hdl);
  });
}

/// Whether this node leads the cluster's indexing: the first live member
/// (smallest endpoint) with the "indexer" role, as the Telegram poller is
/// chosen. When it leaves, the next one resumes from the stored pages.
bool leads_indexing(const cluster::roster& roster) {
  for (const auto& m : *roster.live())
    if (m.state == member_state::up
        && std::find(m.roles.begin(), m.roles.end(), "indexer") != m.roles.end())
      return m.self;
  return false;
}

std::vector<engine_descriptor> indexer_engine(const parts_ptr& p) {
  if (!p->values.indexer.enabled)
    return {};
  return {single("indexer", [p](caf::local_actor* self) {
    auto opts = std::make_shared<indexer::indexer_options>();
    opts->settings = p->values.indexer;
    opts->database = p->values.database;
    opts->fm_timeout = std::chrono::milliseconds{p->values.lastfm.background_deadline_ms + 5000};
    auto engines = p->engines;
    opts->fm = [engines] { return engines->fm.get(); };
    if (p->values.cluster.enabled)
      opts->is_leader = [roster = p->roster] { return leads_indexing(*roster); };
    auto hdl = indexer::spawn_engine(self, opts);
    p->engines->indexer.put(hdl);
    return untyped(hdl);
  })};
}

engine_descriptor lyrics_engine(const parts_ptr& p) {
  return single("lyrics", [p](caf::local_actor* self) {
    auto hdl = lyrics::spawn_engine(self, p->values.lyrics, p->http);
    p->engines->lyrics.put(hdl);
    return untyped(hdl);
  });
}

/// Collages: covers cached under <data-dir>/covers, drawn with libvips.
engine_descriptor image_engine(const parts_ptr& p) {
  auto opts = std::make_shared<image::engine_options>();
  opts->settings = p->values.image;
  opts->cover_dir = (std::filesystem::path{p->values.node.data_dir} / "covers").string();
  opts->http = p->http;
  return single("image", [p, opts](caf::local_actor* self) {
    auto hdl = image::spawn_engine(self, opts);
    p->engines->image.put(hdl);
    return untyped(hdl);
  });
}

engine_descriptor command_engine(const parts_ptr& p) {
  return single("command", [p](caf::local_actor* self) {
    auto hdl = command::spawn_engine(self, p->env);
    p->engines->command.put(hdl);
    return untyped(hdl);
  });
}

engine_descriptor event_engine(const parts_ptr& p) {
  return single("event", [p](caf::local_actor* self) {
    auto hdl = event::spawn_engine(self, p->env);
    p->engines->event.put(hdl);
    return untyped(hdl);
  });
}

/// Shard `i`'s options: every dispatch goes to the Discord platform actor's
/// current handle (a restart of that actor replaces it).
std::shared_ptr<const multiplatform::gateway_shard_options> shard_options(const parts_ptr& p,
                                                                          std::int32_t i) {
  auto o = std::make_shared<multiplatform::gateway_shard_options>();
  o->shard = p->discord_gateway->shard;
  o->shard.shard_id = i;
  o->shard.shard_count = p->discord_gateway->shard_count;
  o->transport = p->discord_gateway->transport;
  std::weak_ptr<node_parts> weak = p;
  o->sink_of = [weak]() -> discord::dispatch_sink {
    if (auto parts = weak.lock())
      return parts->discord.get();
    return {};
  };
  o->gate_of = [weak]() -> discord::gateway_identify_gate {
    auto parts = weak.lock();
    if (!parts)
      return {};
    auto local = parts->engines->identify_gate.get();
    if (!parts->discord_shards)
      return local;
    // In a cluster the leader's gate spaces every member's identifies; this
    // node's own serves while the leader's is not known yet.
    auto live = parts->roster->live();
    auto* leader = cluster::singleton_owner(*live, discord_role, identify_gate_key);
    return leader != nullptr && !leader->self && leader->identify_gate ? leader->identify_gate
                                                                       : local;
  };
  return o;
}

/// Shard `i` as a cluster singleton: it runs here only while the ring of
/// the live members with the "discord" role places it on this node.
std::shared_ptr<const multiplatform::shard_slot_options> shard_slot_options(const parts_ptr& p,
                                                                            std::int32_t i) {
  auto o = std::make_shared<multiplatform::shard_slot_options>();
  o->shard = shard_options(p, i);
  o->runs_here = [places = p->discord_shards, i] { return places->runs_here(i); };
  // Gained shards wait a second (the member that lost one closes it at
  // once); at start, long enough to meet the members through the seeds.
  const auto& c = p->values.cluster;
  o->first_settle = std::max(o->settle, std::chrono::milliseconds{c.connection_timeout_ms
                                                                  + c.heartbeat_ms});
  return o;
}

/// The platforms this node serves; no descriptor when it serves none.
std::vector<engine_descriptor> multiplatform_engine(const parts_ptr& p) {
  engine_descriptor d{"multiplatform", {}};
  if (p->console_opts)
    d.children.push_back(child_spec{"console",
                                    [p](caf::local_actor* self) {
                                      auto engines = p->engines;
                                      auto hdl = console::spawn_console(
                                        self, [engines] { return engines->command.get(); },
                                        p->console_opts);
                                      p->console.put(hdl);
                                      return untyped(hdl);
                                    },
                                    false});
  if (p->telegram_opts)
    d.children.push_back(child_spec{"telegram",
                                    [p](caf::local_actor* self) {
                                      auto hdl = multiplatform::spawn_telegram(self,
                                                                               p->telegram_opts);
                                      p->telegram.put(hdl);
                                      return untyped(hdl);
                                    },
                                    false});
  if (p->discord_opts)
    d.children.push_back(child_spec{"discord",
                                    [p](caf::local_actor* self) {
                                      auto hdl = multiplatform::spawn_discord(self,
                                                                              p->discord_opts);
                                      p->discord.put(hdl);
                                      return untyped(hdl);
                                    },
                                    false});
  if (p->discord_opts && p->discord_gateway)
    // Before the shards: they ask it when to identify (session_start_limit,
    // max_concurrency); a restart keeps the schedule, which the plan owns.
    d.children.push_back(child_spec{"discord-identify-gate",
                                    [p](caf::local_actor* self) {
                                      // In a cluster it leads where the ring places the
                                      // key, as singleton_owner (gate_of) finds it; the
                                      // placement recomputes only when the roster moves.
                                      std::function<bool()> leads;
                                      if (p->discord_shards)
                                        leads = [place = std::make_shared<cluster::shard_placement>(
                                                   p->roster, std::string{discord_role},
                                                   std::string{identify_gate_key}, 1)] {
                                          return place->runs_here(0);
                                        };
                                      auto hdl = multiplatform::spawn_identify_gate(
                                        self, p->discord_gateway->identify, nullptr,
                                        std::move(leads));
                                      p->engines->identify_gate.put(hdl);
                                      return untyped(hdl);
                                    },
                                    false});
  if (p->discord_opts && p->discord_gateway)
    for (std::int32_t i = 0; i < p->discord_gateway->shard_count; ++i)
      d.children.push_back(child_spec{std::string{discord_shard_prefix} + std::to_string(i),
                                      [p, i](caf::local_actor* self) {
                                        if (p->discord_shards)
                                          return untyped(multiplatform::spawn_shard_slot(
                                            self, shard_slot_options(p, i)));
                                        return untyped(multiplatform::spawn_gateway_shard(
                                          self, shard_options(p, i)));
                                      },
                                      false});
  if (d.children.empty())
    return {};
  return {std::move(d)};
}

void add_health_routes(server::http_server& srv, std::shared_ptr<health_board> health) {
  using server::http_request;
  using server::http_response;
  using server::responder;
  srv.route("GET", "/healthz", [](const http_request&, responder reply) {
    reply(http_response{200, "text/plain; charset=utf-8", "ok\n", {}});
  });
  srv.route("GET", "/readyz", [health](const http_request&, responder reply) {
    std::string body = "{\"ready\":";
    bool ready = health->all_ready();
    body += ready ? "true" : "false";
    body += ",\"engines\":{";
    bool first = true;
    for (auto& e : health->snapshot()) {
      if (!first)
        body += ',';
      first = false;
      body += "\"" + e.engine + "\":{\"ready\":" + (e.ready ? "true" : "false")
              + ",\"restarts\":" + std::to_string(e.restarts) + "}";
    }
    body += "}}\n";
    reply(http_response{ready ? 200u : 503u, "application/json", body, {}});
  });
  srv.route("GET", "/metrics", [](const http_request&, responder reply) {
    reply(http_response{200, "text/plain; version=0.0.4; charset=utf-8", metrics::render_text(),
                        {}});
  });
}

/// `server.threads=0`: the server runs on the HTTP client's loop, so one
/// thread reads a webhook, runs the command it wakes (io_helper) and writes
/// its Last.fm and Telegram calls, with no hand-off between threads: about a
/// fifth less CPU per fresh /ln at 1,000 and 1,600 a second on SQLite. On
/// PostgreSQL that pays only with the pipelined lane (`database.direct-reads`,
/// pg_lane.hpp) on that same loop: without it the database's answers still
/// woke other threads, the loop saved 4 %, and past capacity (3,200/s) two
/// runs of four answered fewer than 99 % within a second; with it, 5 to 11 %
/// less CPU per reply and every command answered within a second at 3,200/s
/// (README, "Fresh /ln"). Without the lane the server keeps a thread of its own.
bool shares_client_loop(const settings& s) {
  return s.server.threads == 0 && (s.database.url.empty() || s.database.direct_reads);
}

std::vector<engine_descriptor> server_engine(const parts_ptr& p) {
  if (!p->values.server.enabled)
    return {};
  return {single("server", [p](caf::local_actor* self) {
    return server::spawn_engine(self, p->values.server, [p](server::http_server& srv) {
      if (shares_client_loop(p->values) && p->http)
        srv.share_loop(std::shared_ptr<boost::asio::io_context>(p->http, &p->http->loop()));
      add_health_routes(srv, p->health);
      auto engines = p->engines;
      cluster::add_diag_route(srv, [engines] { return engines->diag.get(); });
      if (p->telegram_opts && p->telegram_opts->images)
        server::add_image_route(srv, p->telegram_opts->images);
      if (p->telegram_opts && p->values.telegram.mode == telegram_mode::webhook)
        multiplatform::add_webhook_route(srv, p->values.telegram,
                                         [p] { return p->telegram.get(); });
      if (p->discord_opts && p->values.discord.mode == discord_mode::interactions)
        multiplatform::add_interactions_route(srv, p->values.discord,
                                              [p] { return p->discord.get(); });
    });
  })};
}

child_spec membership_child(const parts_ptr& p) {
  auto opts = std::make_shared<cluster::membership_options>();
  opts->settings = p->values.cluster;
  auto& roles = opts->settings.roles;
  // Nodes that can poll Telegram say so; one of them does (see may_poll).
  if (p->telegram_opts && std::find(roles.begin(), roles.end(), "telegram") == roles.end())
    roles.push_back("telegram");
  // Nodes that run Discord's gateway share its shards (see shard_slot_options);
  // only they: a member that said "discord" without running shards would be
  // given shards nobody runs.
  roles.erase(std::remove(roles.begin(), roles.end(), discord_role), roles.end());
  if (p->discord_shards)
    roles.emplace_back(discord_role);
  // Likewise for the library indexer (see leads_indexing).
  if (p->values.indexer.enabled
      && std::find(roles.begin(), roles.end(), "indexer") == roles.end())
    roles.push_back("indexer");
  opts->node_name = p->node_name;
  opts->engines = p->engines;
  opts->view = p->roster;
  return child_spec{"cluster",
                    [opts](caf::local_actor* self) {
                      return untyped(cluster::spawn_membership(self, opts));
                    },
                    false};
}

/// The cluster engine: the membership when the cluster is on and the
/// diagnostics actor always. Diagnostics show the whole tree, this engine
/// included, so the tree is passed in once it is complete.
engine_descriptor cluster_engine(const parts_ptr& p,
                                 std::shared_ptr<cluster::diagnostics_options> diag) {
  engine_descriptor d{"cluster", {}};
  if (p->values.cluster.enabled)
    d.children.push_back(membership_child(p));
  d.children.push_back(child_spec{"diagnostics",
                                  [p, diag](caf::local_actor* self) {
                                    auto hdl = cluster::spawn_diagnostics(self, diag);
                                    p->engines->diag.put(hdl);
                                    return untyped(hdl);
                                  },
                                  false});
  return d;
}

std::shared_ptr<cluster::diagnostics_options> diagnostics_of(const parts_ptr& p) {
  auto opts = std::make_shared<cluster::diagnostics_options>();
  const auto& s = p->values;
  opts->node_name = p->node_name;
  if (s.server.enabled)
    opts->address = s.server.address + ":" + std::to_string(s.server.port);
  opts->roles = p->env->platforms;
  opts->health = p->health;
  opts->hooks = std::make_shared<cluster::diagnostics_hooks>();
  if (s.cluster.enabled)
    opts->hooks->set_members_provider([roster = p->roster] { return *roster->all(); });
  return opts;
}

} // namespace

std::vector<engine_descriptor> engine_tree(const std::shared_ptr<node_parts>& parts) {
  std::vector<engine_descriptor> tree;
  auto add = [&tree](std::vector<engine_descriptor> ds) {
    for (auto& d : ds)
      tree.push_back(std::move(d));
  };
  tree.push_back(logging_engine(parts));
  tree.push_back(caching_engine(parts));
  tree.push_back(database_engine(parts));
  tree.push_back(fm_engine(parts));
  add(indexer_engine(parts));
  tree.push_back(lyrics_engine(parts));
  tree.push_back(image_engine(parts));
  tree.push_back(translation_engine(parts));
  tree.push_back(command_engine(parts));
  tree.push_back(event_engine(parts));
  add(multiplatform_engine(parts));
  add(server_engine(parts));
  auto diag = diagnostics_of(parts);
  tree.push_back(cluster_engine(parts, diag));
  // Engines in tree order; an engine whose actors have names of their own
  // lists them, so that diagnostics group the health entries right.
  for (const auto& d : tree) {
    cluster::engine_group group{d.name, {}};
    if (d.children.size() != 1 || d.children.front().name != d.name)
      for (const auto& c : d.children)
        group.children.push_back(c.name);
    diag->engines.push_back(std::move(group));
  }
  return tree;
}

supervisor_spec root_spec(const std::vector<engine_descriptor>& tree, const node_parts& parts) {
  supervisor_spec root{"root", {}, parts.values.supervision, nullptr, false};
  for (const auto& d : tree) {
    supervisor_spec spec{d.name, d.children, parts.values.supervision, parts.health, false};
    root.children.push_back(child_spec{
      d.name, [spec](caf::local_actor* self) { return spawn_supervisor(self, spec); }, false});
  }
  return root;
}

} // namespace lastgram::runtime
