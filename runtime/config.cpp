#include "runtime/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "actors/cluster/endpoint.hpp"
#include "actors/logging/url_secrets.hpp"
#include "runtime/config_schema.hpp"
#include "runtime/ini_reader.hpp"

namespace lastgram::runtime {
namespace {

using error_list = std::vector<config_error>;

/// Where each key got its value ("config.ini:12", "--set ..."), for
/// duplicate detection and for naming the culprit of cross-key checks.
using origin_map = std::map<std::string, std::string>;

std::string trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

/// Largest configuration or secrets file read: far more than any real one,
/// small enough that `--config /dev/zero` fails at once instead of growing
/// until the allocator gives up.
constexpr std::size_t max_file_bytes = std::size_t{1} << 20;

/// The whole file with CRLF turned into LF; nullopt and `error` on failure
/// ("cannot read the <what>: ..."). Reads at most max_file_bytes + 1 bytes,
/// whatever the file claims to be.
std::optional<std::string> read_text(const std::string& path, const std::string& what,
                                     std::string& error) {
  std::error_code ec;
  error = "cannot read the " + what + ": ";
  if (std::filesystem::is_directory(path, ec)) {
    error += "is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error += std::strerror(errno);
    return std::nullopt;
  }
  std::string raw(max_file_bytes + 1, '\0');
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  if (in.bad()) {
    error += "read error";
    return std::nullopt;
  }
  raw.resize(static_cast<std::size_t>(in.gcount()));
  if (raw.size() > max_file_bytes) {
    error = "the " + what + " is larger than 1 MiB";
    return std::nullopt;
  }
  std::string text;
  text.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (!(raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n'))
      text += raw[i];
  return text;
}

void load_file(const std::string& path, settings& s, error_list& errors, origin_map& origins) {
  std::string reason;
  auto text = read_text(path, "configuration file", reason);
  if (!text) {
    errors.push_back({path, "", std::move(reason)});
    return;
  }
  std::vector<ini_item> items;
  std::vector<ini_syntax_error> syntax;
  ini_reader{*text}.read_file(items, syntax);
  // Syntax errors are merged in so that the report reads in file order.
  auto next_syntax = syntax.begin();
  auto flush_syntax = [&](int before_line) {
    for (; next_syntax != syntax.end() && next_syntax->line < before_line; ++next_syntax)
      errors.push_back({path + ":" + std::to_string(next_syntax->line), "",
                        std::move(next_syntax->message)});
  };
  std::optional<std::string> section; // nullopt before the first header
  bool section_ok = false;
  for (const auto& item : items) {
    flush_syntax(item.line);
    auto where = path + ":" + std::to_string(item.line);
    if (item.header) {
      section = item.key;
      section_ok = known_section(item.key);
      if (!section_ok)
        errors.push_back({where, "[" + item.key + "]", unknown_section_message(item.key)});
      continue;
    }
    if (!section) {
      errors.push_back({where, item.key, "key outside any section; put it under a [section]"});
      continue;
    }
    if (!section_ok)
      continue; // reported once, at the section header
    auto name = *section + "." + item.key;
    const key_spec* spec = find_spec(*section, item.key);
    if (!spec) {
      errors.push_back({where, name, unknown_key_message(*section, item.key)});
    } else if (spec->secret()) {
      errors.push_back({where, name, secret_message(*spec)});
    } else if (auto [it, fresh] = origins.emplace(name, where); !fresh) {
      errors.push_back({where, name, "duplicate key (first set at " + it->second + ")"});
    } else if (auto e = value_problem(item.value)) {
      errors.push_back({where, name, std::move(*e)});
    } else if (auto wrong = assign(*spec, item.value, s)) {
      errors.push_back({where, name, std::move(*wrong)});
    }
  }
  flush_syntax(std::numeric_limits<int>::max());
}

/// Turns the text after "=" of a --set into a value of the key's kind.
std::optional<std::string> override_value(const key_spec& spec, const std::string& text,
                                          ini_value& out) {
  auto value = trim(text);
  bool is_list = std::holds_alternative<list_field>(spec.access);
  if (value.rfind('"', 0) == 0 || (is_list && value.rfind('[', 0) == 0))
    return ini_reader{value}.read_single(out);
  if (!is_list) {
    out.text = value;
    return std::nullopt;
  }
  // Lists on the command line: "telegram:1,discord:2".
  out.type = ini_value::kind::list;
  if (value.empty())
    return std::nullopt;
  std::istringstream parts(value);
  for (std::string part; std::getline(parts, part, ',');) {
    ini_value item;
    item.text = trim(part);
    if (item.text.empty())
      return std::string("empty item in the comma-separated list");
    out.items.push_back(std::move(item));
  }
  if (value.back() == ',')
    return std::string("empty item in the comma-separated list");
  return std::nullopt;
}

void apply_override(const std::string& text, settings& s, error_list& errors,
                    origin_map& origins) {
  auto eq = text.find('=');
  auto name = text.substr(0, eq);
  auto dot = name.find('.');
  // The value is echoed only once the key is known not to be a secret.
  auto hidden = "--set " + name + (eq == std::string::npos ? "" : "=...");
  if (eq == std::string::npos || dot == std::string::npos) {
    errors.push_back({hidden, "", "expected section.key=value"});
    return;
  }
  auto section = name.substr(0, dot);
  auto key = name.substr(dot + 1);
  const key_spec* spec = find_spec(section, key);
  if (!spec) {
    errors.push_back({hidden, name,
                      known_section(section) ? unknown_key_message(section, key)
                                             : unknown_section_message(section)});
    return;
  }
  if (spec->secret()) {
    errors.push_back({hidden, name, secret_message(*spec)});
    return;
  }
  auto where = "--set " + text;
  if (origins.count(name) != 0 && origins[name].rfind("--set", 0) == 0) {
    errors.push_back({where, name, "set more than once with --set"});
    return;
  }
  ini_value value;
  auto e = override_value(*spec, text.substr(eq + 1), value);
  if (!e && (e = value_problem(value)))
    where = hidden; // too long or not UTF-8: not worth echoing
  if (!e)
    e = assign(*spec, value, s);
  if (e)
    errors.push_back({where, name, std::move(*e)});
  else
    origins[name] = where;
}

/// Checks that involve two keys; blames the upper bound when it was
/// configured, else the lower one.
void check_relations(const settings& s, const origin_map& origins, error_list& errors) {
  auto blame = [&](const std::string& low, const std::string& high, std::int64_t lo,
                   std::int64_t hi) {
    if (lo <= hi)
      return;
    auto culprit = origins.count(high) != 0 ? high : low;
    auto it = origins.find(culprit);
    errors.push_back({it == origins.end() ? "defaults" : it->second, culprit,
                      low + " (" + std::to_string(lo) + ") must not exceed " + high + " ("
                        + std::to_string(hi) + ")"});
  };
  blame("supervision.backoff-initial-ms", "supervision.backoff-max-ms",
        s.supervision.backoff_initial_ms, s.supervision.backoff_max_ms);
  blame("lastfm.request-timeout-ms", "lastfm.deadline-ms", s.lastfm.request_timeout_ms,
        s.lastfm.deadline_ms);
  blame("server.head-timeout-seconds", "server.timeout-seconds", s.server.head_timeout_seconds,
        s.server.timeout_seconds);
  blame("command.rate-limit-short-seconds", "command.rate-limit-long-seconds",
        s.command.rate_short_seconds, s.command.rate_long_seconds);
}

bool is_secret_variable(const std::string& name) {
  for (const auto& spec : schema())
    if (spec.secret() && spec.env == name)
      return true;
  return false;
}

/// Reads NAME=VALUE lines; values are never echoed in errors.
std::map<std::string, std::string> read_secrets_file(const std::string& path,
                                                     error_list& errors) {
  std::map<std::string, std::string> values;
  std::string reason;
  auto text = read_text(path, "secrets file", reason);
  if (!text) {
    errors.push_back({path, "node.secrets-file", std::move(reason)});
    return values;
  }
  std::map<std::string, int> first_line;
  std::istringstream lines(*text);
  int number = 0;
  for (std::string raw; std::getline(lines, raw);) {
    auto where = path + ":" + std::to_string(++number);
    auto line = trim(raw);
    if (line.empty() || line.front() == '#')
      continue;
    if (line.rfind("export ", 0) == 0)
      line = trim(line.substr(7)); // shell-style files
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      errors.push_back({where, "", "expected NAME=VALUE"});
      continue;
    }
    auto name = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (!is_secret_variable(name)) {
      errors.push_back({where, name, "unknown secret variable"});
      continue;
    }
    if (auto [it, fresh] = first_line.emplace(name, number); !fresh) {
      errors.push_back({where, name, "duplicate (first set at line "
                                       + std::to_string(it->second) + ")"});
      continue;
    }
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      if (value.size() < 2 || value.back() != value.front()) {
        errors.push_back({where, name, "unterminated quote"});
        continue;
      }
      value = value.substr(1, value.size() - 2);
    }
    values[name] = value;
  }
  return values;
}

void load_secrets(const env_lookup& getenv, loaded_config& out, error_list& errors) {
  std::map<std::string, std::string> from_file;
  if (!out.values.node.secrets_file.empty())
    from_file = read_secrets_file(out.values.node.secrets_file, errors);
  for (const auto& spec : schema()) {
    if (!spec.secret())
      continue;
    std::string env(spec.env);
    std::optional<std::string> value = getenv ? getenv(env) : std::nullopt;
    std::string where = "env";
    if (!value || value->empty()) {
      auto it = from_file.find(env);
      if (it == from_file.end() || it->second.empty())
        continue;
      value = it->second;
      where = out.values.node.secrets_file;
    }
    // A stray newline (from `$(cat file)` or an editor) would corrupt HTTP
    // headers and URLs much later; refuse it here.
    if (value->find_first_of("\r\n") != std::string::npos) {
      errors.push_back({where, env, "contains a line break"});
      continue;
    }
    if (spec.check)
      if (auto e = spec.check(*value)) {
        errors.push_back({where, env, std::move(*e)});
        continue;
      }
    if (auto f = std::get<string_field>(spec.access))
      f(out.values) = *value;
    else
      out.extra_secrets[spec.name()] = *value;
    // A driver may quote only a URL's password, or decode it first.
    for (auto& part : log::url_secret_parts(*value))
      out.secret_values.push_back(std::move(part));
    out.secret_values.push_back(*value);
  }
}

/// Checks that involve secrets, so they run after load_secrets: webhook mode
/// needs the secret Telegram echoes on every request and the server engine
/// that receives them. Blames telegram.mode (webhook is never the default).
void check_telegram(const settings& s, const origin_map& origins, error_list& errors) {
  if (s.telegram.mode != telegram_mode::webhook)
    return;
  auto it = origins.find("telegram.mode");
  auto where = it == origins.end() ? std::string("defaults") : it->second;
  std::string secret_var = "LASTGRAM_TELEGRAM_WEBHOOK_SECRET";
  bool secret_reported = std::any_of(errors.begin(), errors.end(), [&](const config_error& e) {
    return e.key == secret_var;
  });
  if (s.telegram.webhook_secret.empty() && !secret_reported)
    errors.push_back({where, "telegram.mode",
                      "webhook mode needs " + secret_var
                        + " (1-256 characters of A-Za-z0-9_-) in the environment or in "
                          "node.secrets-file"});
  if (!s.server.enabled)
    errors.push_back({where, "telegram.mode",
                      "webhook mode needs server.enabled=true: Telegram posts updates to the "
                      "server engine"});
}

/// Checks of the Discord platform that involve its secrets. Interactions
/// mode needs the public key that verifies Discord's requests and the server
/// engine that receives them; gateway mode needs the bot token. Nothing set
/// at all: Discord is off, whatever the mode.
void check_discord(const settings& s, const origin_map& origins, error_list& errors) {
  const auto& d = s.discord;
  if (d.token.empty() && d.public_key.empty())
    return;
  auto it = origins.find("discord.mode");
  auto where = it == origins.end() ? std::string("defaults") : it->second;
  if (d.mode == discord_mode::gateway) {
    if (d.token.empty())
      errors.push_back({where, "discord.mode",
                        "gateway mode needs LASTGRAM_DISCORD_TOKEN (or set "
                        "discord.mode=interactions to use the public key alone)"});
    return;
  }
  if (d.public_key.empty())
    errors.push_back({where, "discord.mode",
                      "interactions mode needs LASTGRAM_DISCORD_PUBLIC_KEY to verify Discord's "
                      "requests"});
  if (!s.server.enabled)
    errors.push_back({where, "discord.mode",
                      "interactions mode needs server.enabled=true: Discord posts interactions "
                      "to the server engine"});
}

/// A cluster endpoint off loopback needs the cluster's certificates: CAF
/// nodes do not authenticate each other, so mutual TLS with a private CA is
/// what keeps strangers out. The three files come together and must be
/// readable; heartbeats must come more often than the timeout.
void check_cluster(const cluster_settings& c, const origin_map& origins, error_list& errors) {
  auto where = [&](const std::string& key) {
    auto it = origins.find(key);
    return it == origins.end() ? std::string("defaults") : it->second;
  };
  if (c.heartbeat_ms >= c.connection_timeout_ms) {
    auto culprit = origins.count("cluster.connection-timeout-ms") != 0
                     ? "cluster.connection-timeout-ms" : "cluster.heartbeat-ms";
    errors.push_back({where(culprit), culprit,
                      "cluster.heartbeat-ms (" + std::to_string(c.heartbeat_ms)
                        + ") must be less than cluster.connection-timeout-ms ("
                        + std::to_string(c.connection_timeout_ms) + ")"});
  }
  if (!c.enabled)
    return;
  const std::pair<const char*, const std::string*> files[] = {
    {"cluster.ca-file", &c.ca_file}, {"cluster.cert-file", &c.cert_file},
    {"cluster.key-file", &c.key_file}};
  auto given = std::count_if(std::begin(files), std::end(files),
                             [](auto& f) { return !f.second->empty(); });
  if (given == 0) {
    std::string off_loopback;
    if (!cluster::is_loopback(c.address))
      off_loopback = "cluster.address";
    for (const auto& seed : c.seeds)
      if (auto ep = cluster::parse_endpoint(seed); ep && !cluster::is_loopback(ep->host))
        off_loopback = off_loopback.empty() ? "cluster.seeds" : off_loopback;
    if (!off_loopback.empty())
      errors.push_back({where(off_loopback), off_loopback,
                        "plain TCP between nodes is refused off loopback; set cluster.ca-file, "
                        "cluster.cert-file and cluster.key-file (see `lastgram cluster "
                        "make-certs`)"});
    return;
  }
  for (const auto& [key, value] : files) {
    if (value->empty()) {
      errors.push_back({where(key), key,
                        "must be set too: the cluster's TLS needs ca-file, cert-file and "
                        "key-file together"});
      continue;
    }
    std::ifstream in(*value, std::ios::binary);
    if (!in || std::filesystem::is_directory(*value))
      errors.push_back({where(key), key,
                        "cannot read \"" + *value + "\": "
                          + (in ? std::string("is a directory") : std::strerror(errno))});
  }
}

/// Breaks `text` into lines of at most `width` characters, each prefixed.
std::string wrap(std::string_view text, std::size_t width, const std::string& prefix) {
  std::string out, line;
  std::istringstream words{std::string(text)};
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += prefix + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return line.empty() ? out : out + prefix + line + "\n";
}

} // namespace

std::string config_error::to_string() const {
  return where + ": " + (key.empty() ? "" : key + ": ") + message;
}

env_lookup system_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    if (const char* v = std::getenv(std::string(name).c_str()))
      return std::string(v);
    return std::nullopt;
  };
}

load_result load_config(const std::string& path, const std::vector<std::string>& overrides,
                        const env_lookup& getenv) {
  load_result result;
  loaded_config out;
  origin_map origins;
  if (!path.empty())
    load_file(path, out.values, result.errors, origins);
  for (const auto& text : overrides)
    apply_override(text, out.values, result.errors, origins);
  check_relations(out.values, origins, result.errors);
  load_secrets(getenv, out, result.errors);
  check_telegram(out.values, origins, result.errors);
  check_discord(out.values, origins, result.errors);
  check_cluster(out.values.cluster, origins, result.errors);
  auto& db = out.values.database;
  if (db.path.empty())
    db.path = (std::filesystem::path(out.values.node.data_dir) / "lastgram.sqlite3").string();
  if (result.errors.empty())
    result.config = std::move(out);
  return result;
}

std::vector<key_info> config_keys() {
  settings defaults;
  std::vector<key_info> out;
  for (const auto& spec : schema())
    out.push_back({spec.name(), type_text(spec), render_value(spec, defaults),
                   std::string(spec.help), std::string(spec.env)});
  return out;
}

std::string render_ini(const settings& values) {
  settings copy = values;
  std::string out =
    "; lastgram configuration. Every key is listed with its built-in default.\n"
    ";\n"
    "; Syntax (CAF 0.17 INI, so CAF can read this file too): [section],\n"
    "; key=value, \"strings\" with \\n \\t \\\\ \\\" escapes, integers, true/false,\n"
    "; lists [\"a\", \"b\"], comments after ';' ('#' works for lastgram but not CAF).\n"
    "; Unknown or duplicate keys, wrong types and out-of-range values are errors.\n"
    "; Override a key with --set section.key=value.\n"
    ";\n"
    "; Secrets never go here. Set them in the environment or in the file named\n"
    "; by node.secrets-file (NAME=VALUE lines; the environment wins):\n";
  for (const auto& spec : schema())
    if (spec.secret())
      out += ";   " + std::string(spec.env) + " (" + spec.name() + ")\n";
  std::string_view section;
  for (const auto& spec : schema()) {
    if (spec.section != section) {
      section = spec.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    out += "\n" + wrap(spec.help, 76, "; ");
    if (spec.secret()) {
      out += "; " + spec.name() + " is a secret: set " + std::string(spec.env) + ".\n";
      continue;
    }
    out += "; Type: " + type_text(spec) + ".\n";
    out += std::string(spec.key) + "=" + render_value(spec, copy) + "\n";
  }
  return out;
}

std::string render_default_ini() { return render_ini(settings{}); }

std::string describe_keys() {
  std::string out = "Configuration keys (config.ini, or --set section.key=value):\n";
  std::string section;
  for (const auto& k : config_keys()) {
    auto sec = k.name.substr(0, k.name.find('.'));
    if (sec != section) {
      section = sec;
      out += "\n[" + section + "]\n";
    }
    out += "  " + k.name + " (" + k.type
           + (k.env.empty() ? ", default " + k.default_value : ", from " + k.env) + ")\n";
    out += wrap(k.help, 72, "      ");
  }
  return out;
}

} // namespace lastgram::runtime
