#include "runtime/cli.hpp"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "i18n/check.hpp"
#include "runtime/attach.hpp"
#include "runtime/cluster_cli.hpp"
#include "runtime/config.hpp"
#include "runtime/migrate.hpp"
#include "runtime/node.hpp"
#include "runtime/source_tree.hpp"
#include "runtime/discord_cli.hpp"
#include "runtime/telegram_cli.hpp"

namespace lastgram::runtime {

namespace {

struct config_args {
  std::string file;
  std::vector<std::string> overrides;
};

void add_config_options(CLI::App* cmd, config_args& args) {
  cmd->add_option("--config,-c", args.file,
                  "INI file to read (default: ./config.ini when it exists)");
  cmd->add_option("--set,-s", args.overrides,
                  "Override one key, e.g. --set server.port=9090 (repeatable)");
}

/// Loads the configuration or prints every error; nullopt means exit 2.
std::optional<loaded_config> load(const config_args& args) {
  auto file = args.file;
  if (file.empty() && std::filesystem::exists("config.ini"))
    file = "config.ini";
  auto result = load_config(file, args.overrides, system_environment());
  if (!result.config) {
    for (auto& err : result.errors)
      std::cerr << "lastgram: " << err.to_string() << '\n';
    std::cerr << "lastgram: configuration has " << result.errors.size()
              << (result.errors.size() == 1 ? " error" : " errors")
              << "; see `lastgram config keys`\n";
    return std::nullopt;
  }
  return std::move(result.config);
}

/// What the command line asked for, set by the subcommand that was given;
/// unset means `run`.
using action = std::function<int()>;

/// Runs `fn` with the configuration `args` name, or exits 2 when it is invalid.
action with_config(std::shared_ptr<config_args> args,
                   std::function<int(const loaded_config&)> fn) {
  return [args, fn] {
    auto loaded = load(*args);
    return loaded ? fn(*loaded) : static_cast<int>(exit_usage);
  };
}

void add_config_commands(CLI::App& app, action& todo) {
  auto* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  auto args = std::make_shared<config_args>();
  auto* check = config->add_subcommand("check", "Validate config.ini, --set and secrets");
  auto* show = config->add_subcommand("show", "Print the effective configuration (no secrets)");
  add_config_options(check, *args);
  add_config_options(show, *args);
  check->final_callback([&todo, args] {
    todo = with_config(args, [](const loaded_config&) {
      std::cout << "configuration ok\n";
      return static_cast<int>(exit_ok);
    });
  });
  show->final_callback([&todo, args] {
    todo = with_config(args, [](const loaded_config& c) {
      std::cout << render_ini(c.values);
      return static_cast<int>(exit_ok);
    });
  });
  config->add_subcommand("keys", "Describe every configuration key")->final_callback([&todo] {
    todo = [] {
      std::cout << describe_keys();
      return static_cast<int>(exit_ok);
    };
  });
}

void add_i18n_commands(CLI::App& app, action& todo) {
  auto* i18n = app.add_subcommand("i18n", "Translation tools");
  i18n->require_subcommand(1);
  auto dir = std::make_shared<std::string>(resolve_i18n_dir("i18n/locales"));
  auto* check = i18n->add_subcommand(
    "check", "Check every locale against English: keys, ICU syntax, placeholders");
  check->add_option("--dir", *dir, "Directory of <lang>.json files");
  check->final_callback([&todo, dir] {
    todo = [dir] {
      auto problems = i18n::check(*dir);
      for (auto& p : problems)
        std::cerr << p << '\n';
      if (!problems.empty()) {
        std::cerr << problems.size() << " problem(s) in " << *dir << '\n';
        return static_cast<int>(exit_failure);
      }
      std::cout << "translations ok (" << *dir << ")\n";
      return static_cast<int>(exit_ok);
    };
  });
}

int migrate(const loaded_config& c) {
  auto out = migrate_database(c.values.database);
  if (out.what != migrate_outcome::applied) {
    std::cerr << "lastgram: "
              << (out.what == migrate_outcome::unreachable ? "database unreachable: "
                                                           : "migration failed: ")
              << out.detail << '\n';
    return exit_failure;
  }
  std::cout << "applied " << out.count << " migration(s); schema version " << out.version
            << '\n';
  return exit_ok;
}

void add_db_commands(CLI::App& app, action& todo) {
  auto* db = app.add_subcommand("db", "Database tools");
  db->require_subcommand(1);
  auto args = std::make_shared<config_args>();
  auto* cmd = db->add_subcommand(
    "migrate", "Apply pending schema migrations (SQLite file or LASTGRAM_DATABASE_URL)");
  add_config_options(cmd, *args);
  cmd->final_callback([&todo, args] { todo = with_config(args, migrate); });
}

void add_telegram_commands(CLI::App& app, action& todo) {
  auto* telegram = app.add_subcommand("telegram", "Telegram Bot API tools");
  telegram->require_subcommand(1);
  auto args = std::make_shared<config_args>();
  auto drop_pending = std::make_shared<bool>(false);
  auto dry_run = std::make_shared<bool>(false);
  auto* set_webhook = telegram->add_subcommand(
    "set-webhook", "Register <telegram.public-url>/telegram/<path> as the bot's webhook "
                   "(needs LASTGRAM_TELEGRAM_TOKEN and LASTGRAM_TELEGRAM_WEBHOOK_SECRET)");
  auto* delete_webhook = telegram->add_subcommand(
    "delete-webhook", "Remove the bot's webhook (e.g. to go back to polling)");
  auto* set_commands = telegram->add_subcommand(
    "set-commands", "Register the command menu with its descriptions in every language");
  for (auto* cmd : {set_webhook, delete_webhook, set_commands})
    add_config_options(cmd, *args);
  for (auto* cmd : {set_webhook, delete_webhook})
    cmd->add_flag("--drop-pending-updates", *drop_pending,
                  "Also discard the updates Telegram is holding for the bot");
  set_commands->add_flag("--dry-run", *dry_run,
                         "Print what would be sent per language; call nothing");
  set_webhook->final_callback([&todo, args, drop_pending] {
    todo = with_config(args, [drop_pending](const loaded_config& c) {
      return telegram_set_webhook(c.values, *drop_pending, std::cout, std::cerr);
    });
  });
  delete_webhook->final_callback([&todo, args, drop_pending] {
    todo = with_config(args, [drop_pending](const loaded_config& c) {
      return telegram_delete_webhook(c.values, *drop_pending, std::cout, std::cerr);
    });
  });
  set_commands->final_callback([&todo, args, dry_run] {
    todo = with_config(args, [dry_run](const loaded_config& c) {
      return telegram_set_commands(c.values, *dry_run, std::cout, std::cerr);
    });
  });
}

void add_discord_commands(CLI::App& app, action& todo) {
  auto* discord = app.add_subcommand("discord", "Discord tools");
  discord->require_subcommand(1);
  auto args = std::make_shared<config_args>();
  auto guild = std::make_shared<std::string>();
  auto developer = std::make_shared<bool>(false);
  auto dry_run = std::make_shared<bool>(false);
  auto* reg = discord->add_subcommand(
    "register-commands", "Bulk-overwrite the application's slash and user commands");
  auto* invite = discord->add_subcommand("invite-url", "Print the link that installs the bot");
  for (auto* cmd : {reg, invite})
    add_config_options(cmd, *args);
  reg->add_option("--guild", *guild, "Register in this server only (instant, for development)");
  reg->add_flag("--developer", *developer,
                "Register the developer-only commands instead (needs --guild; never global)");
  reg->add_flag("--dry-run", *dry_run, "Print the JSON body; send nothing");
  reg->final_callback([&todo, args, guild, developer, dry_run] {
    todo = with_config(args, [guild, developer, dry_run](const loaded_config& c) {
      return discord_register_commands(c.values, *guild, *developer, *dry_run, std::cout,
                                       std::cerr);
    });
  });
  invite->final_callback([&todo, args] {
    todo = with_config(args, [](const loaded_config& c) {
      return discord_invite_url(c.values, std::cout, std::cerr);
    });
  });
}

void add_attach_command(CLI::App& app, action& todo) {
  auto opts = std::make_shared<attach_options>();
  auto* attach = app.add_subcommand(
    "attach", "Live view of a node's diagnostics (GET /diag, served to loopback clients)");
  attach->add_option("target", opts->target, "HOST:PORT of the node's HTTP server")->required();
  auto* once = attach->add_flag("--once", opts->once, "Print one snapshot and exit");
  attach->add_flag("--json", opts->json, "With --once: print the report as JSON")->needs(once);
  attach->final_callback([&todo, opts] {
    todo = [opts] { return run_attach(*opts, std::cout, std::cerr); };
  });
}

void add_cluster_commands(CLI::App& app, action& todo) {
  auto* cluster = app.add_subcommand("cluster", "Cluster tools");
  cluster->require_subcommand(1);
  struct certs_args {
    std::string dir;
    int count = 3;
    std::vector<std::string> names;
  };
  auto certs = std::make_shared<certs_args>();
  auto* make_certs = cluster->add_subcommand(
    "make-certs", "Create the cluster's private CA and a certificate per node in DIR");
  make_certs->add_option("dir", certs->dir, "Directory for ca.pem, ca.key, <node>.pem/.key")
    ->required();
  auto* nodes = make_certs->add_option("--nodes", certs->count, "Number of nodes: node1..nodeN")
                  ->check(CLI::Range(1, 1000));
  make_certs->add_option("--names", certs->names, "Node names instead, e.g. a,b,c")
    ->delimiter(',')
    ->excludes(nodes);
  make_certs->final_callback([&todo, certs] {
    todo = [certs] {
      return cluster_make_certs(certs->dir, cert_node_names(certs->count, certs->names),
                                std::cout, std::cerr);
    };
  });
  auto args = std::make_shared<config_args>();
  auto target = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* status = cluster->add_subcommand(
    "status", "List the members a node sees, with roles and state (uses [cluster] certificates)");
  status->add_option("target", *target, "HOST:PORT of the node's cluster endpoint")->required();
  status->add_flag("--json", *json, "Print JSON");
  add_config_options(status, *args);
  status->final_callback([&todo, args, target, json] {
    todo = with_config(args, [target, json](const loaded_config& c) {
      return cluster_status(c.values, *target, *json, std::cout, std::cerr);
    });
  });
}

} // namespace

int main_cli(int argc, char** argv) {
  CLI::App app{"lastgram: a Last.fm bot for Telegram, Discord and the console"};
  app.require_subcommand(0, 1);
  auto run_args = std::make_shared<config_args>();
  add_config_options(&app, *run_args);
  auto* run = app.add_subcommand("run", "Run a node (the default)");
  add_config_options(run, *run_args);
  action todo;
  add_config_commands(app, todo);
  add_i18n_commands(app, todo);
  add_db_commands(app, todo);
  add_telegram_commands(app, todo);
  add_discord_commands(app, todo);
  add_attach_command(app, todo);
  add_cluster_commands(app, todo);
  app.add_subcommand("version", "Print the version")->final_callback([&todo] {
    todo = [] {
      std::cout << "lastgram " << LASTGRAM_VERSION << '\n';
      return static_cast<int>(exit_ok);
    };
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  if (!todo)
    todo = with_config(run_args, [](const loaded_config& c) { return run_node(c); });
  return todo();
}

} // namespace lastgram::runtime
