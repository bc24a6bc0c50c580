#include "runtime/node.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <cstdlib>
#include <unistd.h>

#include "caf/all.hpp"

#include "actors/caching/memory_cache.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/placement.hpp"
#include "actors/cluster/roster.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/database/direct_reads.hpp"
#include "actors/logging/log.hpp"
#include "actors/command/arguments.hpp"
#include "actors/multiplatform/discord.hpp"
#include "runtime/discord_cli.hpp"
#include "runtime/quiet_clock.hpp"
#include "runtime/discord_gateway_plan.hpp"
#include "actors/multiplatform/telegram.hpp"
#include "actors/server/image_store.hpp"
#include "actors/support/health.hpp"
#include "actors/translation/catalogs.hpp"
#include "i18n/catalog.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/console/console.hpp"
#include "platforms/console/reader.hpp"
#include "platforms/net/http_client.hpp"
#include "runtime/engine_tree.hpp"
#include "runtime/migrate.hpp"
#include "runtime/signals.hpp"
#include "runtime/source_tree.hpp"
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

std::string node_name(const settings& s) {
  if (!s.node.name.empty())
    return s.node.name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0)
    return "lastgram";
  return std::string{host} + "#" + std::to_string(getpid());
}

bool console_enabled(const settings& s) {
  if (s.console.enabled == console_mode::on)
    return true;
  if (s.console.enabled == console_mode::off)
    return false;
  return s.telegram.token.empty() && s.discord.token.empty() && s.discord.public_key.empty();
}

/// The console user's name when none is configured: the login name, so
/// that replies read "alice is listening to".
std::string console_user_name(const console_settings& c) {
  if (!c.user_name.empty())
    return c.user_name;
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0')
    return user;
  return "Console";
}

/// Where log lines go: in an interactive console chat they would tear
/// through the conversation, so they go to <data-dir>/lastgram.log unless a
/// file is configured.
log_settings log_target(const settings& s, bool interactive_console) {
  auto out = s.log;
  if (interactive_console && out.file.empty())
    out.file = (std::filesystem::path{s.node.data_dir} / "lastgram.log").string();
  return out;
}

/// The Discord actor's options: slash options are ordered by the command's
/// declared arguments, which the registry knows.
std::shared_ptr<multiplatform::discord_options>
discord_options_of(const settings& s, const node_parts& p,
                   std::shared_ptr<const command::registry> commands) {
  auto d = std::make_shared<multiplatform::discord_options>();
  d->settings = s.discord;
  d->default_language = s.i18n.default_language;
  d->command_timeout = std::chrono::milliseconds{s.command.timeout_ms + 1000};
  d->http = p.http;
  d->texts = p.texts;
  d->engines = p.engines;
  if (p.env)
    d->direct_db = p.env->direct_reads;
  d->declared_options = [commands](const std::string& name) {
    std::vector<std::string> names;
    if (const auto* spec = commands->find(name))
      for (const auto& o : command::describe_options(*spec))
        names.push_back(o.name);
    return names;
  };
  d->suggested_kind = [commands](const std::string& name,
                                 const std::string& option) -> std::optional<entity_kind> {
    if (const auto* spec = commands->find(name))
      for (const auto& o : command::describe_options(*spec))
        if (o.name == option)
          return suggested_kind(o.kind);
    return std::nullopt;
  };
  if (p.texts)
    d->user_menus = user_menu_commands(*commands, *p.texts);
  return d;
}

/// Everything the engines share, from the settings.
void make_parts(node_parts& parts, const settings& s, shutdown_latch& latch, bool interactive) {
  auto* p = &parts;
  p->values = s;
  p->node_name = node_name(s);
  p->health = std::make_shared<health_board>();
  auto texts = p->texts;
  // Outgoing HTTPS (Last.fm, Telegram) on its own thread.
  net::http_client::options http_opts;
  http_opts.max_connections_per_host = static_cast<std::size_t>(s.node.http_connections_per_host);
  http_opts.on_error = [](const std::string& what) {
    log::error("http", "unexpected exception in the HTTP client", {{"error", what}});
  };
  p->http = std::make_shared<net::http_client>(std::move(http_opts));
  p->memory_cache = std::make_shared<caching::memory_cache>(
    static_cast<std::size_t>(std::max<std::int64_t>(s.cache.max_bytes, 1)));
  if (s.cache.redis_url.empty())
    p->direct_cache = p->memory_cache;
  p->roster = std::make_shared<cluster::roster>();

  auto commands = std::make_shared<command::registry>();
  command::add_all_commands(*commands);
  auto env = std::make_shared<command::environment>();
  env->commands = commands;
  env->texts = texts;
  env->settings = s.command;
  env->developers = s.node.developers;
  env->node_name = p->node_name;
  env->default_language = s.i18n.default_language;
  env->health = p->health;
  env->lastfm_api_key_public = s.lastfm.api_key;
  env->track_index_depth = s.indexer.track_depth;
  env->engines = p->engines;
  env->local_cache = p->direct_cache;
  if (s.database.direct_reads)
    env->direct_reads = database::direct_reads::make(
      s.database, static_cast<std::size_t>(std::clamp<std::int64_t>(s.scheduler.max_threads, 1, 8)));
  if (s.cluster.enabled) {
    // Each chat's commands run on the member that owns the chat.
    auto places = std::make_shared<cluster::placement>(p->roster);
    env->place = [places](std::string_view key) { return places->owner(key); };
  }
  p->env = env;

  if (console_enabled(s)) {
    env->platforms.push_back("console");
    auto c = std::make_shared<console::options>();
    c->settings = s.console;
    c->settings.user_name = console_user_name(s.console);
    c->interactive = interactive;
    c->request_timeout_ms = s.command.timeout_ms + 1000;
    c->texts = texts;
    c->photo_dir = (std::filesystem::path{s.node.data_dir} / "collages").string();
    c->on_finished = [&latch] { latch.trigger(shutdown_latch::end_of_input, "end of input"); };
    p->console_opts = c;
  }
  if (!s.telegram.token.empty()) {
    env->platforms.push_back("telegram");
    // The parts own the environment, so they outlive every call.
    env->telegram = [p] { return p->telegram.get(); };
    auto t = std::make_shared<multiplatform::telegram_options>();
    t->settings = s.telegram;
    t->default_language = s.i18n.default_language;
    t->command_timeout = std::chrono::milliseconds{s.command.timeout_ms + 1000};
    t->http = p->http;
    t->texts = texts;
    t->engines = p->engines;
    t->direct_db = env->direct_reads;
    if (!s.telegram.public_url.empty() && s.server.enabled) {
      // Pictures offered in inline answers, served by this node's server.
      server::image_store::limits l;
      l.ttl = std::chrono::seconds{s.telegram.inline_photo_seconds};
      t->images = std::make_shared<server::image_store>(l);
    }
    if (s.cluster.enabled)
      // One poller per bot in the cluster: the live member with the smallest
      // endpoint among those that can poll. When it leaves, the next one
      // takes over from the offset stored in the shared database.
      t->may_poll = [roster = p->roster] {
        for (const auto& m : *roster->live())
          if (m.state == member_state::up
              && std::find(m.roles.begin(), m.roles.end(), "telegram") != m.roles.end())
            return m.self;
        return false;
      };
    p->telegram_opts = t;
  }
  if (!s.discord.token.empty() || !s.discord.public_key.empty()) {
    env->platforms.push_back("discord");
    p->discord_opts = discord_options_of(s, *p, commands);
    if (s.discord.mode == discord_mode::gateway && !s.discord.token.empty()) {
      p->discord_gateway = plan_gateway(s.discord);
      if (s.cluster.enabled)
        // Each shard runs on one member: the ring of the live members that
        // advertise "discord" places "discord-shard-<k>".
        p->discord_shards = std::make_shared<cluster::shard_placement>(
          p->roster, std::string{discord_role}, std::string{discord_shard_prefix},
          p->discord_gateway->shard_count);
    }
  }
}

/// Loads and checks the locale files and applies the schema; an exit code
/// when the node cannot start.
std::optional<int> prepare(const settings& s, node_parts& parts) {
  parts.locales = s.i18n;
  parts.locales.dir = resolve_i18n_dir(s.i18n.dir);
  auto loaded = translation::load_checked(parts.locales.dir, parts.locales.default_language);
  if (!loaded.value) {
    log::error("translation", "cannot load locale files",
               {{"dir", s.i18n.dir}, {"error", loaded.error}});
    return exit_usage;
  }
  for (const auto& warning : loaded.warnings)
    log::warn("translation", "locale check", {{"problem", warning}});
  // The translation engine is the only writer; everyone else reads.
  parts.live_texts = std::make_shared<i18n::catalog>(std::move(*loaded.value));
  parts.texts = parts.live_texts;
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
    log::info("database", "schema ready",
              {log::kv("applied", schema.count), log::kv("version", schema.version)});
  return std::nullopt;
}

/// Time left until `deadline`, never negative.
std::chrono::milliseconds left_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds{0});
}

/// Asks `hdl` to drain within what is left of the grace period and logs
/// what it could not finish.
template <class Handle>
void drain(caf::scoped_actor& self, const Handle& hdl, std::string_view what,
           std::chrono::steady_clock::time_point deadline) {
  if (!hdl)
    return;
  auto left = left_until(deadline);
  self->request(hdl, left + std::chrono::milliseconds{100}, drain_atom::value,
                static_cast<std::int64_t>(left.count()))
    .receive(
      [what](std::int64_t remaining) {
        if (remaining > 0)
          log::warn("node", "grace period over",
                    {{"engine", std::string{what}}, log::kv("unfinished", remaining)});
      },
      [&](caf::error& err) {
        log::warn("node", "engine did not drain",
                  {{"engine", std::string{what}}, {"error", self->system().render(err)}});
      });
}

/// Stops the node within node.shutdown-grace-seconds in total: commands in
/// flight finish, their replies still queued for Telegram go out, then the
/// engines stop (killed when the grace period is over).
void stop_node(caf::actor_system& sys, const caf::actor& root, node_parts& parts, bool failed) {
  using namespace std::chrono;
  auto deadline = steady_clock::now() + seconds{parts.values.node.shutdown_grace_seconds};
  if (auto c = parts.console.get())
    caf::anon_send(c, shutdown_atom::value);
  if (auto tg = parts.telegram.get())
    caf::anon_send(tg, shutdown_atom::value);
  if (auto dc = parts.discord.get())
    caf::anon_send(dc, shutdown_atom::value);
  caf::scoped_actor self{sys};
  if (!failed) {
    drain(self, parts.engines->command.get(), "command", deadline);
    drain(self, parts.telegram.get(), "telegram", deadline);
    drain(self, parts.discord.get(), "discord", deadline);
  }
  self->monitor(root);
  self->send_exit(root, caf::exit_reason::user_shutdown);
  // Engines get what is left of the grace period (at least a moment) to stop.
  auto left = std::max(left_until(deadline), milliseconds{100});
  self->receive([](caf::down_msg&) {},
                caf::after(left) >> [&] {
                  log::warn("node", "engines did not stop in time, killing them");
                  self->send_exit(root, caf::exit_reason::kill);
                });
}

/// Feeds standard input to the console once it exists (or the first lines
/// would be lost).
void start_console_input(console::line_reader& reader, node_parts& parts) {
  if (!parts.console_opts)
    return;
  if (!parts.console.wait_for(std::chrono::seconds{10}))
    log::error("node", "the console did not start in time");
  reader.start(
    STDIN_FILENO,
    [&parts](std::string line) {
      caf::anon_send(parts.console.get(), line_atom::value, std::move(line));
    },
    [&parts] { caf::anon_send(parts.console.get(), eof_atom::value); });
}

/// Ends the node with an error when the root supervisor gives up.
void watch_root(caf::actor_system& sys, const caf::actor& root, shutdown_latch& latch) {
  sys.spawn([root, &latch](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(root);
    self->set_down_handler([self, &latch](caf::down_msg& msg) {
      if (msg.reason && msg.reason != caf::exit_reason::user_shutdown)
        latch.trigger(shutdown_latch::engine_failure, self->system().render(msg.reason));
      self->quit();
    });
    return {[](tick_atom) {}};
  });
}

/// The scheduler's policy with the quiet clock (runtime/quiet_clock.hpp)
/// and, for work stealing, how idle workers poll.
void configure_scheduler(caf::actor_system_config& cfg, const scheduler_settings& s) {
  const bool stealing = s.policy == scheduler_policy::stealing;
  // CAF reads the word only for what it reports; the module decides.
  cfg.set("scheduler.policy", stealing ? caf::atom("stealing") : caf::atom("sharing"));
  use_quiet_clock(cfg, s.policy);
  cfg.set("work-stealing.aggressive-poll-attempts", static_cast<size_t>(s.spin_polls));
  cfg.set("work-stealing.moderate-poll-attempts", static_cast<size_t>(s.moderate_polls));
  cfg.set("work-stealing.moderate-sleep-duration",
          caf::timespan{std::chrono::microseconds{s.moderate_sleep_us}});
  cfg.set("work-stealing.relaxed-sleep-duration",
          caf::timespan{std::chrono::milliseconds{s.relaxed_sleep_ms}});
}

} // namespace

int run_node(const loaded_config& config) {
  const auto& s = config.values;
  shutdown_latch latch;
  auto parts = std::make_shared<node_parts>();
  // Before any other thread exists, so that all of them inherit the mask.
  // SIGHUP reloads the translations through their engine, once it runs.
  signal_watcher signals{[&latch](int signo) {
                           latch.trigger(shutdown_latch::signal, "signal " + std::to_string(signo));
                         },
                         [door = parts->translation] {
                           // A SIGHUP during start-up waits a little for the
                           // engine rather than being lost.
                           if (auto hdl = door->wait_for(std::chrono::seconds{2}))
                             caf::anon_send(hdl, reload_atom::value);
                           else
                             log::warn("translation", "SIGHUP ignored: the engine is not running");
                         }};
  std::error_code ec;
  std::filesystem::create_directories(s.node.data_dir, ec);
  bool interactive = console_enabled(s) && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  log::init(log_target(s, interactive && !ec));
  for (auto& secret : config.secret_values)
    log::add_secret(secret);
  if (ec) {
    log::error("node", "cannot create the data directory",
               {{"dir", s.node.data_dir}, {"error", ec.message()}});
    return exit_failure;
  }
  if (auto code = prepare(s, *parts))
    return *code;
  make_parts(*parts, s, latch, interactive);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(s.scheduler.max_threads));
  cfg.set("scheduler.max-throughput", static_cast<size_t>(s.scheduler.max_throughput));
  configure_scheduler(cfg, s.scheduler);
  cfg.add_message_types<caf::id_block::lastgram>();
  add_error_categories(cfg);
  if (s.cluster.enabled)
    cluster::configure(cfg, s.cluster);
  caf::actor_system sys{cfg};

  // The tree of DESIGN.md, one supervisor per engine under the root.
  auto tree = engine_tree(parts);
  auto root = spawn_supervisor(sys, root_spec(tree, *parts));
  watch_root(sys, root, latch);
  // Supervisors start their children asynchronously: input flows once every
  // engine can be reached (an engine that cannot start is retried by its
  // supervisor and reported by /readyz).
  if (!parts->engines->wait_all(std::chrono::seconds{10}))
    log::error("node", "an engine did not start in time");
  log::info("node", "started",
            {{"node", parts->node_name}, {"console", parts->console_opts ? "on" : "off"},
             {"telegram", parts->telegram_opts ? to_string(s.telegram.mode) : "off"},
             {"discord", parts->discord_opts ? to_string(s.discord.mode) : "off"},
             {"server", s.server.enabled ? s.server.address + ":" + std::to_string(s.server.port)
                                         : std::string{"off"}}});

  console::line_reader reader;
  start_console_input(reader, *parts);
  auto why = latch.wait();
  log::info("node", "stopping", {{"reason", latch.detail()}});
  reader.stop();
  bool failed = why == shutdown_latch::engine_failure;
  stop_node(sys, root, *parts, failed);
  parts->engines->clear();
  parts->translation->clear();
  if (failed)
    log::error("node", "stopped after an engine failure", {{"reason", latch.detail()}});
  else
    log::info("node", "stopped");
  // Every queued line reaches the sink before the process ends.
  log::shutdown();
  return failed ? exit_failure : exit_ok;
}

} // namespace lastgram::runtime
