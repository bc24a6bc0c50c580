#include "runtime/cli.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "i18n/check.hpp"
#include "runtime/config.hpp"
#include "runtime/migrate.hpp"
#include "runtime/node.hpp"

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
