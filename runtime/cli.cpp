#include "runtime/cli.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "i18n/check.hpp"
#include "runtime/attach.hpp"
#include "runtime/cluster_cli.hpp"
#include "runtime/config.hpp"
#include "runtime/migrate.hpp"
#include "runtime/node.hpp"
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

std::string default_locale_dir() {
  if (std::filesystem::is_directory("i18n/locales"))
    return "i18n/locales";
  return std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales";
}

} // namespace

int main_cli(int argc, char** argv) {
  CLI::App app{"lastgram: a Last.fm bot for Telegram, Discord and the console"};
  app.require_subcommand(0, 1);
  config_args run_args;
  add_config_options(&app, run_args);

  auto* run = app.add_subcommand("run", "Run a node (the default)");
  add_config_options(run, run_args);

  auto* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  config_args cfg_args;
  auto* cfg_check = config->add_subcommand("check", "Validate config.ini, --set and secrets");
  auto* cfg_show = config->add_subcommand("show", "Print the effective configuration (no secrets)");
  add_config_options(cfg_check, cfg_args);
  add_config_options(cfg_show, cfg_args);
  auto* cfg_keys = config->add_subcommand("keys", "Describe every configuration key");

  auto* i18n = app.add_subcommand("i18n", "Translation tools");
  i18n->require_subcommand(1);
  std::string locale_dir = default_locale_dir();
  auto* i18n_check = i18n->add_subcommand(
    "check", "Check every locale against English: keys, ICU syntax, placeholders");
  i18n_check->add_option("--dir", locale_dir, "Directory of <lang>.json files");

  auto* db = app.add_subcommand("db", "Database tools");
  db->require_subcommand(1);
  config_args db_args;
  auto* db_migrate = db->add_subcommand(
    "migrate", "Apply pending schema migrations (SQLite file or LASTGRAM_DATABASE_URL)");
  add_config_options(db_migrate, db_args);

  auto* telegram = app.add_subcommand("telegram", "Telegram Bot API tools");
  telegram->require_subcommand(1);
  config_args tg_args;
  bool drop_pending = false;
  bool dry_run = false;
  auto* tg_set_webhook = telegram->add_subcommand(
    "set-webhook", "Register <telegram.public-url>/telegram/<path> as the bot's webhook "
                   "(needs LASTGRAM_TELEGRAM_TOKEN and LASTGRAM_TELEGRAM_WEBHOOK_SECRET)");
  auto* tg_delete_webhook = telegram->add_subcommand(
    "delete-webhook", "Remove the bot's webhook (e.g. to go back to polling)");
  auto* tg_set_commands = telegram->add_subcommand(
    "set-commands", "Register the command menu with its descriptions in every language");
  for (auto* cmd : {tg_set_webhook, tg_delete_webhook, tg_set_commands})
    add_config_options(cmd, tg_args);
  for (auto* cmd : {tg_set_webhook, tg_delete_webhook})
    cmd->add_flag("--drop-pending-updates", drop_pending,
                  "Also discard the updates Telegram is holding for the bot");
  tg_set_commands->add_flag("--dry-run", dry_run,
                            "Print what would be sent per language; call nothing");

  attach_options attach_opts;
  auto* attach = app.add_subcommand(
    "attach", "Live view of a node's diagnostics (GET /diag, served to loopback clients)");
  attach->add_option("target", attach_opts.target, "HOST:PORT of the node's HTTP server")
    ->required();
  auto* attach_once = attach->add_flag("--once", attach_opts.once, "Print one snapshot and exit");
  attach->add_flag("--json", attach_opts.json, "With --once: print the report as JSON")
    ->needs(attach_once);

  auto* cluster = app.add_subcommand("cluster", "Cluster tools");
  cluster->require_subcommand(1);
  std::string certs_dir;
  int certs_count = 3;
  std::vector<std::string> certs_names;
  auto* cl_make_certs = cluster->add_subcommand(
    "make-certs", "Create the cluster's private CA and a certificate per node in DIR");
  cl_make_certs->add_option("dir", certs_dir, "Directory for ca.pem, ca.key, <node>.pem/.key")
    ->required();
  auto* certs_nodes = cl_make_certs->add_option("--nodes", certs_count, "Number of nodes: node1..nodeN")
    ->check(CLI::Range(1, 1000));
  cl_make_certs->add_option("--names", certs_names, "Node names instead, e.g. a,b,c")
    ->delimiter(',')
    ->excludes(certs_nodes);
  config_args cl_args;
  std::string status_target;
  bool status_json = false;
  auto* cl_status = cluster->add_subcommand(
    "status", "List the members a node sees, with roles and state (uses [cluster] certificates)");
  cl_status->add_option("target", status_target, "HOST:PORT of the node's cluster endpoint")
    ->required();
  cl_status->add_flag("--json", status_json, "Print JSON");
  add_config_options(cl_status, cl_args);

  auto* version = app.add_subcommand("version", "Print the version");

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

  if (attach->parsed())
    return run_attach(attach_opts, std::cout, std::cerr);
  if (version->parsed()) {
    std::cout << "lastgram " << LASTGRAM_VERSION << '\n';
    return exit_ok;
  }
  if (cfg_keys->parsed()) {
    std::cout << describe_keys();
    return exit_ok;
  }
  if (cfg_check->parsed() || cfg_show->parsed()) {
    auto loaded = load(cfg_args);
    if (!loaded)
      return exit_usage;
    if (cfg_show->parsed())
      std::cout << render_ini(loaded->values);
    else
      std::cout << "configuration ok\n";
    return exit_ok;
  }
  if (db_migrate->parsed()) {
    auto loaded = load(db_args);
    if (!loaded)
      return exit_usage;
    auto out = migrate_database(loaded->values.database);
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
  if (telegram->parsed()) {
    auto loaded = load(tg_args);
    if (!loaded)
      return exit_usage;
    if (tg_set_webhook->parsed())
      return telegram_set_webhook(loaded->values, drop_pending, std::cout, std::cerr);
    if (tg_delete_webhook->parsed())
      return telegram_delete_webhook(loaded->values, drop_pending, std::cout, std::cerr);
    return telegram_set_commands(loaded->values, dry_run, std::cout, std::cerr);
  }
  if (cl_make_certs->parsed())
    return cluster_make_certs(certs_dir, cert_node_names(certs_count, certs_names), std::cout,
                              std::cerr);
  if (cl_status->parsed()) {
    auto loaded = load(cl_args);
    if (!loaded)
      return exit_usage;
    return cluster_status(loaded->values, status_target, status_json, std::cout, std::cerr);
  }
  if (i18n_check->parsed()) {
    auto problems = i18n::check(locale_dir);
    for (auto& p : problems)
      std::cerr << p << '\n';
    if (!problems.empty()) {
      std::cerr << problems.size() << " problem(s) in " << locale_dir << '\n';
      return exit_failure;
    }
    std::cout << "translations ok (" << locale_dir << ")\n";
    return exit_ok;
  }
  auto loaded = load(run_args);
  if (!loaded)
    return exit_usage;
  return run_node(*loaded);
}

} // namespace lastgram::runtime
