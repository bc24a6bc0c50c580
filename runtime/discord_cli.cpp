#include "runtime/discord_cli.hpp"

#include <future>
#include <memory>

#include "actors/command/arguments.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"
#include "platforms/discord/rest.hpp"
#include "platforms/net/http_client.hpp"
#include "runtime/node.hpp"
#include "runtime/source_tree.hpp"

namespace lastgram::runtime {

namespace {

using command::arg_kind;

/// Longer than the REST call's own timeout.
constexpr auto answer_deadline = std::chrono::seconds{20};

/// `key` in the default language, with its translations by Discord locale.
discord::localized_text localize(const i18n::catalog& texts, const std::string& key) {
  discord::localized_text out;
  out.text = texts.format(texts.default_language(), key);
  for (const auto& lang : texts.languages())
    if (auto locale = discord::discord_locale(lang); !locale.empty())
      out.by_locale[locale] = texts.format(lang, key);
  return out;
}

discord::option_type option_type_of(arg_kind kind) {
  switch (kind) {
    case arg_kind::user:
      return discord::option_type::user;
    case arg_kind::number:
      return discord::option_type::integer;
    default:
      return discord::option_type::string;
  }
}

discord::app_command_spec slash_command(const command::command_spec& spec,
                                        const i18n::catalog& texts) {
  discord::app_command_spec c;
  c.type = 1;
  c.name = spec.name;
  c.description = localize(texts, command::description_key(spec));
  bool has_user = false;
  for (const auto& o : command::describe_options(spec)) {
    discord::command_option_spec opt;
    opt.name = o.name;
    opt.description = localize(texts, o.description_key);
    opt.type = option_type_of(o.kind);
    opt.required = o.required;
    opt.choices = o.choices;
    // Names are suggested as the user types (the Discord actor's
    // autocomplete): their now playing track and their indexed library.
    opt.autocomplete = suggested_kind(o.kind).has_value();
    has_user = has_user || o.kind == arg_kind::user;
    c.options.push_back(std::move(opt));
  }
  // A targetable command is about the person replied to on Telegram; on
  // Discord that person is a user option.
  if ((spec.guards & command::guard_targetable) != 0 && !has_user) {
    discord::command_option_spec user;
    user.name = "user";
    user.description = localize(texts, "args.user");
    user.type = discord::option_type::user;
    c.options.push_back(std::move(user));
  }
  // A server's administrators alone may run it there (the guard checks it
  // too); Discord then hides it from the other members.
  if ((spec.guards & command::guard_group_admin) != 0)
    c.default_member_permissions = discord::manage_guild_permission;
  return c;
}

/// Developer-only commands are never offered to everyone: they go to one
/// server, with --developer.
bool developer_only(const command::command_spec& spec) {
  return !spec.hidden && (spec.guards & command::guard_developer) != 0;
}

/// One REST call, waited for.
} // namespace

discord::rest_result discord_rest_call(const discord_settings& d, const std::string& method,
                                       const std::string& path, const std::string& body) {
  auto http = std::make_shared<net::http_client>(net::http_client::options{});
  discord::rest_client rest{d.api_url, d.token, http};
  auto answer = std::make_shared<std::promise<discord::rest_result>>();
  auto future = answer->get_future();
  rest.call(method, path, body, [answer](discord::rest_result r) { answer->set_value(std::move(r)); });
  discord::rest_result res;
  if (future.wait_for(answer_deadline) == std::future_status::ready)
    res = future.get();
  else
    res.network_error = true;
  http->shutdown();
  return res;
}

namespace {

/// The application id: configured, else asked with the bot token.
std::string application_id(const settings& s, std::ostream& err) {
  if (!s.discord.application_id.empty())
    return s.discord.application_id;
  if (s.discord.token.empty()) {
    err << "lastgram: set discord.application-id, or LASTGRAM_DISCORD_TOKEN to ask Discord\n";
    return {};
  }
  auto r = discord_rest_call(s.discord, "GET", "/applications/@me", "");
  auto id = r.status == 200 ? discord::id_of(r.body) : std::string{};
  if (id.empty())
    err << "lastgram: GET /applications/@me failed ("
        << (r.network_error ? std::string{"no answer"} : std::to_string(r.status)) << ")\n";
  return id;
}

} // namespace

std::optional<entity_kind> suggested_kind(command::arg_kind kind) {
  switch (kind) {
    case arg_kind::artist:
      return entity_kind::artist;
    case arg_kind::album:
      return entity_kind::album;
    case arg_kind::track:
      return entity_kind::track;
    default:
      return std::nullopt;
  }
}

const std::vector<user_menu>& user_menus() {
  static const std::vector<user_menu> menus = {{"usermenu.now_playing", "listening"},
                                               {"usermenu.compat", "compat"}};
  return menus;
}

std::map<std::string, std::string> user_menu_commands(const command::registry& commands,
                                                      const i18n::catalog& texts) {
  std::map<std::string, std::string> out;
  for (const auto& m : user_menus()) {
    const auto* spec = commands.find(m.command);
    if (spec == nullptr || !command::listed(*spec))
      continue;
    out[texts.format(texts.default_language(), m.name_key)] = spec->name;
    for (const auto& lang : texts.languages())
      out.emplace(texts.format(lang, m.name_key), spec->name);
  }
  return out;
}

std::vector<discord::app_command_spec> application_commands(const command::registry& commands,
                                                            const i18n::catalog& texts,
                                                            bool developer) {
  std::vector<discord::app_command_spec> out;
  for (const auto& spec : commands.all())
    if (developer ? developer_only(*spec) : command::listed(*spec))
      out.push_back(slash_command(*spec, texts));
  if (developer)
    return out;
  for (const auto& m : user_menus()) {
    const auto* spec = commands.find(m.command);
    if (spec == nullptr || !command::listed(*spec))
      continue;
    discord::app_command_spec menu;
    menu.type = 2;
    auto name = localize(texts, m.name_key);
    menu.name = name.text;
    menu.name_localizations = name.by_locale;
    out.push_back(std::move(menu));
  }
  return out;
}

int discord_register_commands(const settings& s, const std::string& guild, bool developer,
                              bool dry_run, std::ostream& out, std::ostream& err) {
  if (developer && guild.empty()) {
    err << "lastgram: --developer registers the developer commands in one server: add "
           "--guild ID\n";
    return exit_usage;
  }
  auto dir = resolve_i18n_dir(s.i18n.dir);
  auto loaded = i18n::catalog::load(dir, s.i18n.default_language);
  if (!loaded) {
    err << "lastgram: cannot load the locale files in " << dir << ":\n" << loaded.error << '\n';
    return exit_usage;
  }
  command::registry commands;
  command::add_all_commands(commands);
  auto body = discord::commands_json(application_commands(commands, *loaded.value, developer));
  if (dry_run) {
    out << body << '\n';
    return exit_ok;
  }
  if (s.discord.token.empty()) {
    err << "lastgram: no bot token: set LASTGRAM_DISCORD_TOKEN in the environment or in "
           "node.secrets-file\n";
    return exit_usage;
  }
  auto app = application_id(s, err);
  if (app.empty())
    return exit_failure;
  auto path = "/applications/" + app + (guild.empty() ? "" : "/guilds/" + guild) + "/commands";
  auto r = discord_rest_call(s.discord, "PUT", path, body);
  if (r.status != 200) {
    err << "lastgram: PUT " << discord::route_of("PUT", path) << " failed: "
        << (r.network_error ? "no answer from Discord" : std::to_string(r.status) + " " + r.message)
        << '\n';
    return exit_failure;
  }
  out << (developer ? "developer commands" : "commands") << " registered "
      << (guild.empty() ? "globally" : "in guild " + guild) << '\n';
  return exit_ok;
}

int discord_invite_url(const settings& s, std::ostream& out, std::ostream& err) {
  auto app = application_id(s, err);
  if (app.empty())
    return exit_usage;
  out << discord::invite_url(app) << '\n';
  return exit_ok;
}

} // namespace lastgram::runtime
