#include "runtime/node.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <unistd.h>

#include "caf/all.hpp"

#include "actors/caching/engine.hpp"
#include "actors/cluster/diag_http.hpp"
#include "actors/cluster/diagnostics.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/placement.hpp"
#include "actors/cluster/roster.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/database/engine.hpp"
#include "actors/event/engine.hpp"
#include "actors/fm/engine.hpp"
#include "actors/logging/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/telegram.hpp"
#include "actors/server/engine.hpp"
#include "actors/server/http_server.hpp"
#include "actors/support/directory.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/health.hpp"
#include "actors/support/shell.hpp"
#include "actors/translation/catalogs.hpp"
#include "actors/translation/engine.hpp"
#include "i18n/catalog.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/console/console.hpp"
#include "platforms/console/reader.hpp"
#include "platforms/net/http_client.hpp"
#include "runtime/migrate.hpp"
#include "runtime/signals.hpp"
#include "runtime/supervisor.hpp"

namespace lastgram::runtime {

namespace {

/// Why the node stops; the first reason wins.
class shutdown_latch {
public:
  enum reason { none, end_of_input, signal, engine_failure };

  void trigger(reason r, std::string detail) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (reason_ != none)
      return;
    reason_ = r;
    detail_ = std::move(detail);
    cv_.notify_all();
  }

  reason wait() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [this] { return reason_ != none; });
    return reason_;
  }

  std::string detail() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return detail_;
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  reason reason_ = none;
  std::string detail_;
};

/// A relative locale directory is looked up in the working directory first,
/// then in the source tree the binary was built from.
std::string resolve_i18n_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (fs::path{dir}.is_absolute() || fs::is_directory(dir))
    return dir;
  auto in_source = fs::path{LASTGRAM_SOURCE_DIR} / dir;
  if (fs::is_directory(in_source))
    return in_source.string();
  return dir;
}

std::string node_name(const settings& s) {
  if (!s.node.name.empty())
    return s.node.name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0)
    return "lastgram";
  return std::string{host} + "#" + std::to_string(getpid());
}

bool console_enabled(const settings& s) {
  if (s.console.enabled == "on")
    return true;
  if (s.console.enabled == "off")
    return false;
  return s.telegram.token.empty();
}

void add_routes(server::http_server& srv, std::shared_ptr<health_board> health) {
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
    reply(http_response{200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics::render_text(), {}});
  });
}

} // namespace

int run_node(const loaded_config& config) {
  const auto& s = config.values;
  shutdown_latch latch;
  // SIGHUP reloads the translations through their engine, once it runs.
  auto translation_door = std::make_shared<handle_slot<translation_actor>>();
  // Before any other thread exists, so that all of them inherit the mask.
  signal_watcher signals{[&latch](int signo) {
                           latch.trigger(shutdown_latch::signal, "signal " + std::to_string(signo));
                         },
                         [translation_door] {
                           // A SIGHUP during start-up waits a little for the
                           // engine rather than being lost.
                           if (auto hdl = translation_door->wait_for(std::chrono::seconds{2}))
                             caf::anon_send(hdl, reload_atom::value);
                           else
                             log::warn("translation", "SIGHUP ignored: the engine is not running");
                         }};
  log::init(s.log);
  for (auto& secret : config.secret_values)
    log::add_secret(secret);

  auto locales = s.i18n;
  locales.dir = resolve_i18n_dir(s.i18n.dir);
  auto loaded = translation::load_checked(locales.dir, locales.default_language);
  if (!loaded.value) {
    log::error("translation", "cannot load locale files",
               {{"dir", s.i18n.dir}, {"error", loaded.error}});
    return exit_usage;
  }
  for (const auto& warning : loaded.warnings)
    log::warn("translation", "locale check", {{"problem", warning}});
  // The translation engine is the only writer; everyone else reads.
  auto live_texts = std::make_shared<i18n::catalog>(std::move(*loaded.value));
  std::shared_ptr<const i18n::catalog> texts = live_texts;

  std::error_code ec;
  std::filesystem::create_directories(s.node.data_dir, ec);
  if (ec) {
    log::error("node", "cannot create the data directory",
               {{"dir", s.node.data_dir}, {"error", ec.message()}});
    return exit_failure;
  }

  // The schema comes first: a failed migration stops start-up and changes
  // nothing. An unreachable database does not: its engine keeps retrying and
  // /readyz says not ready until it answers.
  auto schema = migrate_database(s.database);
  if (schema.what == migrate_outcome::failed) {
    log::error("database", "migration failed, not starting", {{"error", schema.detail}});
    return exit_failure;
  }
  if (schema.what == migrate_outcome::unreachable)
    log::warn("database", "database unreachable at start, will retry",
              {{"error", schema.detail}});
  else
    log::info("database", "schema ready", {log::kv("applied", schema.count),
                                           log::kv("version", schema.version)});

  // Outgoing HTTPS (Last.fm, later Telegram and Discord) on its own thread;
  // declared before the actor system so that it outlives every actor.
  auto http = std::make_shared<net::http_client>(net::http_client::options{});

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(s.scheduler.max_threads));
  cfg.set("scheduler.max-throughput", static_cast<size_t>(s.scheduler.max_throughput));
  cfg.add_message_types<caf::id_block::lastgram>();
  add_error_categories(cfg);
  if (s.cluster.enabled)
    cluster::configure(cfg, s.cluster);
  caf::actor_system sys{cfg};

  auto health = std::make_shared<health_board>();
  auto directory = std::make_shared<engine_directory>();
  // The cluster's members and their engines, for work placement and
  // diagnostics; stays empty (this node alone) when the cluster is off.
  auto cluster_roster = std::make_shared<cluster::roster>();
  bool with_console = console_enabled(s);
  bool with_telegram = !s.telegram.token.empty();
  bool telegram_webhook = with_telegram && s.telegram.mode == "webhook";

  auto commands = std::make_shared<command::registry>();
  command::add_all_commands(*commands);
  auto env = std::make_shared<command::environment>();
  env->commands = commands;
  env->texts = texts;
  env->settings = s.command;
  env->developers = s.node.developers;
  env->node_name = node_name(s);
  env->default_language = s.i18n.default_language;
  env->health = health;
  env->lastfm_api_key_public = s.lastfm.api_key;
  env->engine = [directory](std::string_view name) { return directory->get(name); };
  if (with_console)
    env->platforms.push_back("console");
  if (with_telegram)
    env->platforms.push_back("telegram");

  if (s.cluster.enabled) {
    // Each chat's commands run on the member that owns the chat.
    auto places = std::make_shared<cluster::placement>(cluster_roster);
    env->place = [places](std::string_view key) { return places->owner(key); };
  }

  auto telegram_opts = std::make_shared<multiplatform::telegram_options>();
  telegram_opts->settings = s.telegram;
  telegram_opts->default_language = s.i18n.default_language;
  telegram_opts->command_timeout = std::chrono::milliseconds{s.command.timeout_ms + 1000};
  telegram_opts->http = http;
  telegram_opts->texts = texts;
  telegram_opts->engine = [directory](std::string_view name) { return directory->get(name); };
  if (s.cluster.enabled)
    // One poller per bot in the cluster: the live member with the smallest
    // endpoint among those that can poll. When it leaves, the next one takes
    // over from the offset stored in the shared database.
    telegram_opts->may_poll = [cluster_roster] {
      for (const auto& m : *cluster_roster->live())
        if (m.state == member_state::up
            && std::find(m.roles.begin(), m.roles.end(), "telegram") != m.roles.end())
          return m.self;
      return false;
    };

  auto console_opts = std::make_shared<console::options>();
  console_opts->settings = s.console;
  console_opts->interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  console_opts->request_timeout_ms = s.command.timeout_ms + 1000;
  console_opts->texts = texts;
  console_opts->on_finished = [&latch] {
    latch.trigger(shutdown_latch::end_of_input, "end of input");
  };

  // One supervised subtree per engine (DESIGN.md). Engines that later work
  // fills in start as shells.
  auto engine = [&](std::string name,
                    std::function<caf::actor(caf::local_actor*)> spawn_child,
                    bool reports_ready = false) {
    supervisor_spec spec{name, {child_spec{name, std::move(spawn_child), reports_ready}},
                         s.supervision, health, true};
    return child_spec{name,
                      [spec, directory](caf::local_actor* self) {
                        auto handle = spawn_supervisor(self, spec);
                        directory->put(spec.engine, handle);
                        return handle;
                      },
                      false};
  };
  auto shell = [&](std::string name) {
    return engine(name, [name](caf::local_actor* self) { return spawn_shell(self, name); });
  };
  supervisor_spec root{"root", {}, s.supervision, nullptr, false};
  root.children.push_back(engine("logging", [](caf::local_actor* self) {
    return caf::actor_cast<caf::actor>(logging::spawn_engine(self));
  }));
  root.children.push_back(engine("caching", [s, health](caf::local_actor* self) {
    return caching::spawn_engine(self, s.cache, health);
  }));
  root.children.push_back(engine(
    "database",
    [s, health](caf::local_actor* self) {
      return database::spawn_engine(self, s.database, health);
    },
    true));
  bool shared_bucket = !s.cache.redis_url.empty();
  root.children.push_back(engine("fm", [s, http, directory, shared_bucket](caf::local_actor* self) {
    return fm::spawn_engine(self, s.lastfm, http, [directory] { return directory->get("caching"); },
                            shared_bucket);
  }));
  root.children.push_back(
    engine("translation", [live_texts, locales, translation_door](caf::local_actor* self) {
      auto hdl = translation::spawn_engine(self, live_texts, locales);
      translation_door->put(hdl);
      return caf::actor_cast<caf::actor>(hdl);
    }));
  root.children.push_back(engine("command", [env](caf::local_actor* self) {
    return command::spawn_engine(self, env);
  }));
  root.children.push_back(engine("event", [env](caf::local_actor* self) {
    return event::spawn_engine(self, env);
  }));
  {
    // The platforms this node serves, under one supervisor; the console (when
    // on) is its first child, so lines sent to "multiplatform" reach it.
    std::vector<child_spec> platforms;
    if (with_console)
      platforms.push_back(child_spec{"console",
                                     [directory, console_opts](caf::local_actor* self) {
                                       return console::spawn_console(
                                         self, [directory] { return directory->get("command"); },
                                         console_opts);
                                     },
                                     false});
    if (with_telegram)
      platforms.push_back(child_spec{"telegram",
                                     [directory, telegram_opts](caf::local_actor* self) {
                                       auto hdl = multiplatform::spawn_telegram(self, telegram_opts);
                                       directory->put("telegram", hdl);
                                       return hdl;
                                     },
                                     false});
    if (platforms.empty()) {
      root.children.push_back(shell("multiplatform"));
    } else {
      supervisor_spec spec{"multiplatform", std::move(platforms), s.supervision, health, true};
      root.children.push_back(child_spec{"multiplatform",
                                         [spec, directory](caf::local_actor* self) {
                                           auto handle = spawn_supervisor(self, spec);
                                           directory->put(spec.engine, handle);
                                           return handle;
                                         },
                                         false});
    }
  }
  if (s.server.enabled)
    root.children.push_back(engine("server", [s, health, directory, telegram_webhook](caf::local_actor* self) {
      return server::spawn_engine(self, s.server, [s, health, directory, telegram_webhook](server::http_server& srv) {
        add_routes(srv, health);
        cluster::add_diag_route(srv, [directory] { return directory->get("diag"); });
        if (telegram_webhook)
          multiplatform::add_webhook_route(srv, s.telegram,
                                           [directory] { return directory->get("telegram"); });
      });
    }));
  {
    // The cluster engine: the membership when the cluster is on (first, so
    // that messages to "cluster" reach it) and the diagnostics actor always.
    std::vector<child_spec> cluster_children;
    if (s.cluster.enabled) {
      auto membership = std::make_shared<cluster::membership_options>();
      membership->settings = s.cluster;
      // Nodes that can poll Telegram say so; one of them does (see may_poll).
      if (with_telegram
          && std::find(s.cluster.roles.begin(), s.cluster.roles.end(), "telegram")
               == s.cluster.roles.end())
        membership->settings.roles.push_back("telegram");
      membership->node_name = env->node_name;
      membership->engine = [directory](std::string_view name) { return directory->get(name); };
      membership->view = cluster_roster;
      cluster_children.push_back(child_spec{"cluster",
                                            [membership](caf::local_actor* self) {
                                              return cluster::spawn_membership(self, membership);
                                            },
                                            false});
    }
    // --- diagnostics (GET /diag, lastgram attach) ---
    auto diag_opts = std::make_shared<cluster::diagnostics_options>();
    diag_opts->node_name = env->node_name;
    if (s.server.enabled)
      diag_opts->address = s.server.address + ":" + std::to_string(s.server.port);
    diag_opts->roles = env->platforms;
    diag_opts->health = health;
    // Engines in tree order; supervisors declare their children by the
    // children's names, so the engines with differently named children say so.
    for (const auto& c : root.children)
      diag_opts->engines.push_back({c.name, c.name == "multiplatform"
                                              ? std::vector<std::string>{"multiplatform", "console",
                                                                         "telegram"}
                                              : std::vector<std::string>{}});
    diag_opts->engines.push_back({"cluster", {"cluster", "diagnostics"}});
    diag_opts->hooks = std::make_shared<cluster::diagnostics_hooks>();
    if (s.cluster.enabled)
      diag_opts->hooks->set_members_provider([cluster_roster] { return *cluster_roster->all(); });
    cluster_children.push_back(child_spec{"diagnostics",
                                          [diag_opts, directory](caf::local_actor* self) {
                                            auto hdl = caf::actor_cast<caf::actor>(
                                              cluster::spawn_diagnostics(self, diag_opts));
                                            directory->put("diag", hdl);
                                            return hdl;
                                          },
                                          false});
    supervisor_spec spec{"cluster", std::move(cluster_children), s.supervision, health, true};
    root.children.push_back(child_spec{"cluster",
                                       [spec, directory](caf::local_actor* self) {
                                         auto handle = spawn_supervisor(self, spec);
                                         directory->put(spec.engine, handle);
                                         return handle;
                                       },
                                       false});
  }
  auto root_handle = spawn_supervisor(sys, root);

  // The node ends with an error when the root gives up.
  sys.spawn([root_handle, &latch](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(root_handle);
    self->set_down_handler([self, &latch](caf::down_msg& msg) {
      if (msg.reason && msg.reason != caf::exit_reason::user_shutdown)
        latch.trigger(shutdown_latch::engine_failure, self->system().render(msg.reason));
      self->quit();
    });
    return {[](tick_atom) {}};
  });

  log::info("node", "started",
            {{"node", env->node_name}, {"console", with_console ? "on" : "off"},
             {"telegram", with_telegram ? s.telegram.mode : std::string{"off"}},
             {"server", s.server.enabled ? s.server.address + ":" + std::to_string(s.server.port)
                                         : std::string{"off"}}});

  console::line_reader reader;
  // Input starts once the console exists, or the first lines would be lost.
  if (with_console && !directory->wait_for("multiplatform", std::chrono::seconds{10}))
    log::error("node", "the console did not start in time");
  if (with_console)
    reader.start(
      STDIN_FILENO,
      [directory](std::string line) {
        caf::anon_send(directory->get("multiplatform"), line_atom::value, std::move(line));
      },
      [directory] { caf::anon_send(directory->get("multiplatform"), eof_atom::value); });

  auto why = latch.wait();
  log::info("node", "stopping", {{"reason", latch.detail()}});

  // Stop taking input, let what is in flight finish within the grace period.
  reader.stop();
  if (with_console)
    caf::anon_send(directory->get("multiplatform"), shutdown_atom::value);
  if (auto tg = directory->get("telegram"))
    caf::anon_send(tg, shutdown_atom::value);
  int code = why == shutdown_latch::engine_failure ? exit_failure : exit_ok;
  {
    caf::scoped_actor self{sys};
    auto grace_ms = s.node.shutdown_grace_seconds * 1000;
    if (auto cmd = directory->get("command"); cmd && why != shutdown_latch::engine_failure) {
      self->request(cmd, std::chrono::milliseconds{grace_ms + 1000}, drain_atom::value,
                    std::int64_t{grace_ms})
        .receive(
          [](std::int64_t left) {
            if (left > 0)
              log::warn("node", "grace period over, abandoning commands",
                        {log::kv("in_flight", left)});
          },
          [&](caf::error& err) {
            log::warn("node", "command engine did not drain", {{"error", sys.render(err)}});
          });
    }
    // Replies of the drained commands still queued for Telegram go out.
    if (auto tg = directory->get("telegram"); tg && why != shutdown_latch::engine_failure) {
      self->request(tg, std::chrono::milliseconds{grace_ms + 1000}, drain_atom::value,
                    std::int64_t{grace_ms})
        .receive(
          [](std::int64_t left) {
            if (left > 0)
              log::warn("node", "grace period over, unsent Telegram messages",
                        {log::kv("queued", left)});
          },
          [&](caf::error& err) {
            log::warn("node", "telegram did not drain", {{"error", sys.render(err)}});
          });
    }
    self->monitor(root_handle);
    self->send_exit(root_handle, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {},
                  caf::after(std::chrono::seconds{5}) >> [&] {
                    log::warn("node", "engines did not stop in time, killing them");
                    self->send_exit(root_handle, caf::exit_reason::kill);
                  });
  }
  directory->clear();
  if (why == shutdown_latch::engine_failure)
    log::error("node", "stopped after an engine failure", {{"reason", latch.detail()}});
  else
    log::info("node", "stopped");
  translation_door->clear();
  // Every queued line reaches the sink before the process ends.
  log::shutdown();
  return code;
}

} // namespace lastgram::runtime
