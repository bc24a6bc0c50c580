#include "runtime/config.hpp"
#include "support/build_paths.hpp"

#include <catch2/catch.hpp>

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/process.hpp"

using namespace lastgram;
using namespace lastgram::runtime;

namespace {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed afterwards.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "lastgram-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      FAIL("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Writes `text` byte for byte to `name` and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    auto file = (path_ / name).string();
    std::ofstream out(file, std::ios::binary);
    out << text;
    return file;
  }

  std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
  fs::path path_;
};

/// An environment with exactly these variables.
env_lookup env(std::map<std::string, std::string> vars = {}) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

/// Every field of `s`, written by hand (not through the schema), so a key
/// missing from the schema or a wrong default shows up in a comparison.
std::string dump(const settings& s) {
  std::ostringstream o;
  auto list = [](const std::vector<std::string>& xs) {
    std::string out;
    for (auto& x : xs)
      out += "<" + x + ">";
    return out;
  };
  o << "node " << s.node.data_dir << '|' << s.node.name << '|' << s.node.shutdown_grace_seconds
    << '|' << s.node.secrets_file << '|' << list(s.node.developers) << '\n'
    << "scheduler " << s.scheduler.max_threads << '|' << s.scheduler.max_throughput << '|'
    << to_string(s.scheduler.policy) << '|' << s.scheduler.spin_polls << '|'
    << s.scheduler.moderate_polls << '|' << s.scheduler.moderate_sleep_us << '|'
    << s.scheduler.relaxed_sleep_ms << '\n'
    << "log " << static_cast<int>(s.log.level) << '|' << to_string(s.log.format) << '|' << s.log.file << '\n'
    << "supervision " << s.supervision.max_restarts << '|' << s.supervision.restart_window_seconds
    << '|' << s.supervision.backoff_initial_ms << '|' << s.supervision.backoff_max_ms << '\n'
    << "command " << s.command.timeout_ms << '|' << s.command.max_in_flight << '|'
    << s.command.bot_name << '\n'
    << "server " << s.server.enabled << '|' << s.server.address << '|' << s.server.port << '|'
    << s.server.body_limit << '|' << s.server.header_limit << '|' << s.server.timeout_seconds
    << '|' << s.server.threads << '\n'
    << "database " << s.database.path << '|' << s.database.url << '|' << s.database.pool_size
    << '|' << s.database.statement_timeout_ms << '\n'
    << "cache " << s.cache.max_bytes << '|' << s.cache.redis_url << '|'
    << s.cache.redis_timeout_ms << '\n'
    << "lastfm " << s.lastfm.api_url << '|' << s.lastfm.api_key << '|' << s.lastfm.api_secret
    << '|' << s.lastfm.rate_per_second << '|' << s.lastfm.queue_limit << '|'
    << s.lastfm.deadline_ms << '|' << s.lastfm.request_timeout_ms << '|'
    << s.lastfm.max_retries << '|' << s.lastfm.outage_threshold_percent << '|'
    << s.lastfm.outage_min_calls << '|' << s.lastfm.outage_keep_seconds << '\n'
    << "i18n " << s.i18n.dir << '|' << s.i18n.default_language << '\n'
    << "image " << s.image.render_slots << '|' << s.image.queue << '|' << s.image.cover_cache_mb
    << '|' << s.image.cover_concurrency << '|' << s.image.cover_timeout_ms << '|'
    << s.image.vips_cache_mb << '|' << s.image.vips_threads << '|' << s.image.jpeg_quality << '\n'
    << "console " << to_string(s.console.enabled) << '|' << s.console.user_id << '|' << s.console.user_name
    << '|' << to_string(s.console.chat) << '|' << s.console.language << '\n'
    << "telegram " << s.telegram.api_url << '|' << s.telegram.token << '|'
    << s.telegram.webhook_secret << '|' << to_string(s.telegram.mode) << '|'
    << s.telegram.poll_timeout_seconds << '|' << s.telegram.public_url << '|'
    << s.telegram.webhook_path << '|' << s.telegram.max_connections << '|'
    << s.telegram.global_per_second << '|' << s.telegram.private_per_second << '|'
    << s.telegram.group_per_minute << '|' << s.telegram.max_queued << '|'
    << s.telegram.inline_cache_seconds << '\n'
    << "cluster " << s.cluster.enabled << '|' << s.cluster.address << '|' << s.cluster.port
    << '|' << list(s.cluster.seeds) << '|' << s.cluster.ca_file << '|' << s.cluster.cert_file
    << '|' << s.cluster.key_file << '|' << s.cluster.app_identifier << '|'
    << s.cluster.heartbeat_ms << '|' << s.cluster.connection_timeout_ms << '|'
    << list(s.cluster.roles) << '\n';
  return o.str();
}

/// The struct defaults after the loader's one derived default.
settings expected_defaults() {
  settings s;
  s.database.path = (fs::path("data") / "lastgram.sqlite3").string();
  return s;
}

std::string all_errors(const load_result& r) {
  std::string out;
  for (auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

/// Loads and expects exactly one error; returns its text.
std::string single_error(const std::string& path, const std::vector<std::string>& overrides = {},
                         const env_lookup& getenv = env()) {
  auto r = load_config(path, overrides, getenv);
  INFO(all_errors(r));
  REQUIRE_FALSE(r.config);
  REQUIRE(r.errors.size() == 1);
  return r.errors.front().to_string();
}

const std::string repo_ini = std::string(LASTGRAM_SOURCE_DIR) + "/config.ini";

} // namespace

TEST_CASE("without a file the loader yields the struct defaults", "[config]") {
  auto r = load_config("", {}, env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(dump(r.config->values) == dump(expected_defaults()));
  CHECK(r.config->values.database.path == "data/lastgram.sqlite3");
  CHECK(r.config->secret_values.empty());
  CHECK(r.config->extra_secrets.empty());
}

TEST_CASE("the repository's config.ini loads to exactly the struct defaults", "[config]") {
  auto r = load_config(repo_ini, {}, env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(dump(r.config->values) == dump(expected_defaults()));
}

TEST_CASE("the repository's config.ini is render_default_ini() and names every key",
          "[config]") {
  std::ifstream in(repo_ini, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto expected = render_default_ini();
  if (text.str() != expected) {
    auto fresh = (fs::temp_directory_path() / "lastgram-config.ini.expected").string();
    std::ofstream(fresh, std::ios::binary) << expected;
    FAIL("config.ini is out of date with the schema; regenerate it: cp " << fresh << " "
                                                                          << repo_ini);
  }
  // Keys actually assigned in the file, by section, and every comment line.
  std::set<std::string> assigned;
  std::string section, comments, line;
  for (std::istringstream lines(text.str()); std::getline(lines, line);) {
    if (line.rfind('[', 0) == 0)
      section = line.substr(1, line.find(']') - 1);
    else if (line.rfind(';', 0) == 0)
      comments += line + "\n";
    else if (auto eq = line.find('='); eq != std::string::npos)
      assigned.insert(section + "." + line.substr(0, eq));
  }
  std::set<std::string> wanted;
  for (const auto& key : config_keys()) {
    if (key.env.empty()) {
      wanted.insert(key.name);
      CHECK(describe_keys().find(key.name + " (") != std::string::npos);
    } else {
      CHECK(comments.find(key.env) != std::string::npos);
      CHECK(comments.find(key.name + " is a secret") != std::string::npos);
    }
  }
  CHECK(assigned == wanted);
}

TEST_CASE("CAF 0.17 reads the repository's config.ini", "[config]") {
  caf::actor_system_config cfg;
  std::ifstream ini(repo_ini);
  auto err = cfg.parse(caf::actor_system_config::string_list{}, ini);
  CHECK_FALSE(err);
  CHECK(caf::get_or(cfg, "scheduler.max-threads", size_t{0}) == 2);
  CHECK(caf::get_or(cfg, "scheduler.max-throughput", size_t{0}) == 100);
  // Why config.ini uses ';': CAF 0.17 rejects '#' comments.
  caf::actor_system_config hash_cfg;
  std::istringstream hash_ini("# comment\n[scheduler]\nmax-threads=2\n");
  CHECK(hash_cfg.parse(caf::actor_system_config::string_list{}, hash_ini));
}

TEST_CASE("every key is read from the file", "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini", R"(# every key set to something other than its default
[node]
data-dir = "/var/lib/lastgram"
name = node-a
shutdown-grace-seconds = 3
developers = ["telegram:1", "discord:2"]
[scheduler]
max-threads = 4
max-throughput = 50
policy = "sharing"
spin-polls = 7
moderate-polls = 8
moderate-sleep-us = 9
relaxed-sleep-ms = 11
[log]
level = debug
format = "json"
file = /var/log/lastgram.log
[supervision]
max-restarts = 7
restart-window-seconds = 60
backoff-initial-ms = 50
backoff-max-ms = 800
[command]
timeout-ms = 2000
max-in-flight = 10
bot-name = "fmbot"
[server]
enabled = false
address = "0.0.0.0"
port = 9090
body-limit = 4096
header-limit = 2048
timeout-seconds = 5
threads = 2
[database]
path = "/tmp/x.sqlite3"
pool-size = 4
statement-timeout-ms = 100
[cache]
max-bytes = 0
redis-timeout-ms = 50
[lastfm]
api-url = "http://127.0.0.1:9999/2.0/"
rate-per-second = 20
queue-limit = 5
deadline-ms = 3000
request-timeout-ms = 1000
max-retries = 0
outage-threshold-percent = 75
outage-min-calls = 4
outage-keep-seconds = 600
[i18n]
dir = "/opt/locales"
default-language = "pt-BR"
[console]
enabled = "on"
user-id = "42"
user-name = "ana"
chat = "group"
language = "de"
[telegram]
api-url = "http://127.0.0.1:8081"
poll-timeout-seconds = 50
public-url = "https://bot.example.org/lg"
webhook-path = "Hook_path-1"
max-connections = 100
global-per-second = 25
private-per-second = 2
group-per-minute = 15
max-queued = 500
inline-cache-seconds = 0
[cluster]
enabled = true
address = "127.0.0.2"
port = 4300
seeds = ["127.0.0.3:4300", "localhost:4301"]
app-identifier = "lastgram-test"
heartbeat-ms = 200
connection-timeout-ms = 1500
roles = ["commands", "poller"]
)");
  auto r = load_config(path, {}, env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(dump(r.config->values)
        == "node /var/lib/lastgram|node-a|3||<telegram:1><discord:2>\n"
           "scheduler 4|50|sharing|7|8|9|11\n"
           "log 1|json|/var/log/lastgram.log\n"
           "supervision 7|60|50|800\n"
           "command 2000|10|fmbot\n"
           "server 0|0.0.0.0|9090|4096|2048|5|2\n"
           "database /tmp/x.sqlite3||4|100\n"
           "cache 0||50\n"
           "lastfm http://127.0.0.1:9999/2.0/|||20|5|3000|1000|0|75|4|600\n"
           "i18n /opt/locales|pt-BR\n"
           "image 0|16|512|8|3000|0|1|85\n"
           "console on|42|ana|group|de\n"
           "telegram http://127.0.0.1:8081|||polling|50|https://bot.example.org/lg|"
           "Hook_path-1|100|25|2|15|500|0\n"
           "cluster 1|127.0.0.2|4300|<127.0.0.3:4300><localhost:4301>||||lastgram-test|200|"
           "1500|<commands><poller>\n");
}

TEST_CASE("overrides given with --set apply after the file", "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini", "[server]\nport=9000\naddress=\"10.0.0.1\"\n"
                                      "[node]\ndata-dir=\"/srv/a\"\n");
  auto r = load_config(path,
                       {"server.port=9100", "node.developers=telegram:7, console:1",
                        "log.level=warn", "node.name=\"two words\"", "server.enabled=false"},
                       env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  auto& s = r.config->values;
  CHECK(s.server.port == 9100);
  CHECK(s.server.address == "10.0.0.1");
  CHECK(s.server.enabled == false);
  CHECK(s.node.developers == std::vector<std::string>{"telegram:7", "console:1"});
  CHECK(s.log.level == log_level::warn);
  CHECK(s.node.name == "two words");
  CHECK(s.database.path == (fs::path("/srv/a") / "lastgram.sqlite3").string());
}

TEST_CASE("each kind of mistake is an error naming the file, line and key", "[config]") {
  temp_dir dir;
  auto file = [&](const std::string& text) { return dir.write("config.ini", text); };
  auto at = [&](int line) { return dir.path("config.ini") + ":" + std::to_string(line) + ": "; };

  SECTION("out of range") {
    CHECK(single_error(file("[node]\n\n[server]\nport=70000\n"))
          == at(4) + "server.port: 70000 is out of range 0..65535");
  }
  SECTION("wrongly typed values") {
    CHECK(single_error(file("[server]\nport=abc\n")) == at(2) + "server.port: abc is not an integer");
    CHECK(single_error(file("[server]\nport=\"80\"\n"))
          == at(2) + "server.port: \"80\" is a string; write the integer without quotes");
    CHECK(single_error(file("[server]\nenabled=yes\n"))
          == at(2) + "server.enabled: yes is not a boolean (true or false, without quotes)");
    CHECK(single_error(file("[node]\ndevelopers=\"telegram:1\"\n"))
          == at(2)
               + "node.developers: expected a list like [\"a\", \"b\"], got \"telegram:1\"");
    CHECK(single_error(file("[log]\nlevel=verbose\n"))
          == at(2) + "log.level: verbose is not one of trace|debug|info|warn|error|critical|off");
    CHECK(single_error(file("[log]\nformat=[\"json\"]\n"))
          == at(2) + "log.format: expected a string, got a list");
  }
  SECTION("values the schema rules out") {
    CHECK(single_error(file("[console]\nchat=channel\n"))
          == at(2) + "console.chat: channel is not one of private|group");
    CHECK(single_error(file("[lastfm]\napi-url=\"ftp://x\"\n"))
          == at(2) + "lastfm.api-url: \"ftp://x\" must start with http:// or https://");
    CHECK(single_error(file("[node]\ndevelopers=[\"irc:1\"]\n"))
          == at(2)
               + "node.developers: \"irc:1\" is not \"platform:id\" (platform: telegram, "
                 "discord or console)");
    CHECK(single_error(file("[scheduler]\nmax-threads=0\n"))
          == at(2) + "scheduler.max-threads: 0 is out of range 1..64");
  }
  SECTION("unknown section, reported once for all its keys") {
    CHECK(single_error(file("[servr]\nport=1\nhost=2\n"))
          == at(1) + "[servr]: unknown section (did you mean server?)");
  }
  SECTION("unknown key") {
    CHECK(single_error(file("[server]\nprot=1\n"))
          == at(2) + "server.prot: unknown key (did you mean port?)");
    CHECK(single_error(file("[cluster]\nmembers=[]\n"))
          == at(2)
               + "cluster.members: unknown key; [cluster] has enabled, address, port, seeds, "
                 "ca-file, cert-file, key-file, app-identifier, heartbeat-ms, "
                 "connection-timeout-ms, roles");
  }
  SECTION("CAF's own sections accept only the keys lastgram knows") {
    auto r = load_config(file("[scheduler]\nmax-threads=3\nenable-profiling=true\n"
                              "[middleman]\nheartbeat-interval=\"5s\"\n"),
                         {}, env());
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].to_string()
          == at(3) + "scheduler.enable-profiling: unknown key; [scheduler] has "
                     "max-threads, max-throughput, policy, spin-polls, moderate-polls, "
                     "moderate-sleep-us, relaxed-sleep-ms");
    CHECK(r.errors[1].to_string()
          == at(5) + "middleman.heartbeat-interval: unknown key; lastgram reads no keys of "
                     "[middleman] yet");
  }
  SECTION("duplicate key") {
    CHECK(single_error(file("[server]\nport=1\n[node]\nname=a\n[server]\nport=2\n"))
          == at(6) + "server.port: duplicate key (first set at " + at(2).substr(0, at(2).size() - 2)
               + ")");
  }
  SECTION("key outside any section") {
    CHECK(single_error(file("; leading comment\nport=1\n[server]\n"))
          == at(2) + "port: key outside any section; put it under a [section]");
  }
  SECTION("syntax errors") {
    CHECK(single_error(file("[server\n")) == at(1) + "expected ']' after [server");
    CHECK(single_error(file("[server]\nport 8080\n")) == at(2) + "expected '=' after port");
    CHECK(single_error(file("[server]\naddress=\n"))
          == at(2) + "missing value (write \"\" for an empty string)");
    CHECK(single_error(file("[server]\naddress=\"abc\n"))
          == at(2) + "unterminated string (missing closing \")");
    CHECK(single_error(file("[server]\nport=1 2\n")) == at(2) + "server.port: 1 2 is not an integer");
    CHECK(single_error(file("[server]\naddress=\"a\" b\n"))
          == at(2) + "unexpected 'b' after the value");
    CHECK(single_error(file("[node]\ndevelopers=[\"telegram:1\"\n\n"))
          == at(2) + "unterminated list (missing ']')");
    CHECK(single_error(file("[log]\nlevel='info'\n"))
          == at(2) + "atoms, maps and URIs are not supported; write strings as \"...\"");
  }
  SECTION("a file that cannot be read") {
    auto missing = dir.path("nope.ini");
    CHECK(single_error(missing)
          == missing + ": cannot read the configuration file: No such file or directory");
  }
}

TEST_CASE("all errors are reported together, in file order, then --set", "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini", "name=x\n"
                                      "[server]\n"
                                      "port=70000\n"
                                      "port=1\n"
                                      "threads=many\n"
                                      "[nope]\n"
                                      "a=1\n"
                                      "[log]\n"
                                      "level=\"loud\n"
                                      "colour=true\n");
  auto r = load_config(path, {"server.port=abc", "cache.max-bytes=-1"}, env());
  REQUIRE_FALSE(r.config);
  std::vector<std::string> got;
  for (auto& e : r.errors)
    got.push_back(e.to_string());
  auto at = [&](int line) { return path + ":" + std::to_string(line) + ": "; };
  CHECK(got
        == std::vector<std::string>{
          at(1) + "name: key outside any section; put it under a [section]",
          at(3) + "server.port: 70000 is out of range 0..65535",
          at(4) + "server.port: duplicate key (first set at " + path + ":3)",
          at(5) + "server.threads: many is not an integer",
          at(6) + "[nope]: unknown section (did you mean node?)",
          at(9) + "unterminated string (missing closing \")",
          at(10) + "log.colour: unknown key; [log] has level, format, file",
          "--set server.port=abc: server.port: abc is not an integer",
          "--set cache.max-bytes=-1: cache.max-bytes: -1 is out of range 0..17179869184",
        });
}

TEST_CASE("mistakes in --set name the override", "[config]") {
  CHECK(single_error("", {"server.port=abc"})
        == "--set server.port=abc: server.port: abc is not an integer");
  CHECK(single_error("", {"server.port"}) == "--set server.port: expected section.key=value");
  CHECK(single_error("", {"port=1"}) == "--set port=...: expected section.key=value");
  CHECK(single_error("", {"server.prot=1"})
        == "--set server.prot=...: server.prot: unknown key (did you mean port?)");
  CHECK(single_error("", {"sever.port=1"})
        == "--set sever.port=...: sever.port: unknown section (did you mean server?)");
  CHECK(single_error("", {"server.port=1", "server.port=2"})
        == "--set server.port=2: server.port: set more than once with --set");
  CHECK(single_error("", {"node.developers=telegram:1,,discord:2"})
        == "--set node.developers=telegram:1,,discord:2: node.developers: empty item in the "
           "comma-separated list");
  CHECK(single_error("", {"supervision.backoff-initial-ms=9000"})
        == "--set supervision.backoff-initial-ms=9000: supervision.backoff-initial-ms: "
           "supervision.backoff-initial-ms (9000) must not exceed supervision.backoff-max-ms "
           "(5000)");
  CHECK(single_error("", {"server.head-timeout-seconds=60"})
        == "--set server.head-timeout-seconds=60: server.head-timeout-seconds: "
           "server.head-timeout-seconds (60) must not exceed server.timeout-seconds (30)");
  CHECK(single_error("", {"server.max-connections-per-address=0"}).find("1..1024")
        != std::string::npos);
}

TEST_CASE("secrets come from the environment into settings and the redaction list",
          "[config]") {
  auto r = load_config("", {},
                       env({{"LASTGRAM_TELEGRAM_TOKEN", "123:tg"},
                            {"LASTGRAM_TELEGRAM_WEBHOOK_SECRET", "hook"},
                            {"LASTGRAM_LASTFM_API_KEY", "fmkey"},
                            {"LASTGRAM_LASTFM_API_SECRET", "fmsecret"},
                            {"LASTGRAM_DATABASE_URL", "postgresql://u:pw@127.0.0.1/db"},
                            {"LASTGRAM_REDIS_URL", "redis://127.0.0.1:6379/0"},
                            {"LASTGRAM_UNRELATED", "ignored"}}));
  INFO(all_errors(r));
  REQUIRE(r.config);
  auto& s = r.config->values;
  CHECK(s.telegram.token == "123:tg");
  CHECK(s.telegram.webhook_secret == "hook");
  CHECK(s.lastfm.api_key == "fmkey");
  CHECK(s.lastfm.api_secret == "fmsecret");
  CHECK(s.database.url == "postgresql://u:pw@127.0.0.1/db");
  CHECK(s.cache.redis_url == "redis://127.0.0.1:6379/0");
  CHECK(r.config->extra_secrets.empty());
  std::set<std::string> secrets(r.config->secret_values.begin(), r.config->secret_values.end());
  CHECK(secrets
        == std::set<std::string>{"123:tg", "hook", "fmkey", "fmsecret",
                                 "postgresql://u:pw@127.0.0.1/db", "u:pw", "pw",
                                 "redis://127.0.0.1:6379/0"});
}

TEST_CASE("every piece of a secret URL that can hold its password is registered for "
          "redaction", "[config]") {
  auto parts_of = [](const std::string& var, const std::string& url) {
    auto r = load_config("", {}, env({{var, url}}));
    INFO(all_errors(r));
    REQUIRE(r.config);
    return std::set<std::string>(r.config->secret_values.begin(),
                                 r.config->secret_values.end());
  };
  CHECK(parts_of("LASTGRAM_DATABASE_URL", "postgresql://bot:p%40ss%2Fw0rd@db.internal:5432/lg")
        == std::set<std::string>{"postgresql://bot:p%40ss%2Fw0rd@db.internal:5432/lg",
                                 "bot:p%40ss%2Fw0rd", "bot:p@ss/w0rd", "p%40ss%2Fw0rd",
                                 "p@ss/w0rd"});
  CHECK(parts_of("LASTGRAM_DATABASE_URL", "postgres://:emptyuser-pw@h/db?sslmode=require")
        == std::set<std::string>{"postgres://:emptyuser-pw@h/db?sslmode=require",
                                 ":emptyuser-pw", "emptyuser-pw"});
  CHECK(parts_of("LASTGRAM_DATABASE_URL", "postgresql://h/db?user=u&password=q%21pass")
        == std::set<std::string>{"postgresql://h/db?user=u&password=q%21pass", "q%21pass",
                                 "q!pass"});
  // Redis allows an '@' in the password (the last '@' ends the user-info).
  auto redis = parts_of("LASTGRAM_REDIS_URL", "redis://:p@ss:w0rd@127.0.0.1:6379/1");
  CHECK(redis.count("p@ss:w0rd") == 1);
  CHECK(redis.count(":p@ss:w0rd") == 1);
}

TEST_CASE("Discord keys have their defaults and their secrets stay out of errors", "[config]") {
  auto r = load_config("", {}, env({{"LASTGRAM_DISCORD_TOKEN", "dtoken-hunter2"}}));
  REQUIRE(r.config);
  const auto& d = r.config->values.discord;
  CHECK(d.token == "dtoken-hunter2");
  CHECK(d.mode == lastgram::discord_mode::gateway);
  CHECK(d.api_url == "https://discord.com/api/v10");
  CHECK(d.gateway_url.empty());
  CHECK(d.signature_max_age_seconds == 300);
  CHECK(d.shards == 0);
  auto bad = load_config("", {"discord.mode=interactions", "discord.application-id=12x"},
                         env({{"LASTGRAM_DISCORD_TOKEN", "dtoken-hunter2"},
                              {"LASTGRAM_DISCORD_PUBLIC_KEY", "hunter3"}}));
  REQUIRE_FALSE(bad.config);
  auto text = all_errors(bad);
  CHECK(text.find("discord.application-id") != std::string::npos);
  CHECK(text.find("64 hex digits") != std::string::npos);
  CHECK(text.find("interactions mode needs LASTGRAM_DISCORD_PUBLIC_KEY") != std::string::npos);
  CHECK(text.find("hunter") == std::string::npos);
}

TEST_CASE("Discord interactions mode needs the public key and the server", "[config]") {
  const std::string key(64, 'a');
  auto ok = load_config("", {"discord.mode=interactions"},
                        env({{"LASTGRAM_DISCORD_PUBLIC_KEY", key}}));
  REQUIRE(ok.config);
  CHECK(ok.config->values.discord.public_key == key);
  auto no_server = load_config("", {"discord.mode=interactions", "server.enabled=false"},
                               env({{"LASTGRAM_DISCORD_PUBLIC_KEY", key}}));
  CHECK(all_errors(no_server).find("needs server.enabled=true") != std::string::npos);
  auto gateway_without_token = load_config("", {}, env({{"LASTGRAM_DISCORD_PUBLIC_KEY", key}}));
  CHECK(all_errors(gateway_without_token).find("gateway mode needs LASTGRAM_DISCORD_TOKEN")
        != std::string::npos);
}

TEST_CASE("a secrets file fills secrets the environment leaves unset", "[config]") {
  temp_dir dir;
  auto secrets = dir.write("secrets.env", "# lastgram secrets\r\n"
                                          "LASTGRAM_TELEGRAM_TOKEN=\"file:tg\"\r\n"
                                          "export LASTGRAM_LASTFM_API_KEY = 'file key'\r\n"
                                          "\r\n"
                                          "LASTGRAM_LASTFM_API_SECRET=file#not-a-comment\r\n");
  auto path = dir.write("config.ini", "[node]\nsecrets-file=\"" + secrets + "\"\n");
  auto r = load_config(path, {}, env({{"LASTGRAM_TELEGRAM_TOKEN", "env:tg"}}));
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(r.config->values.telegram.token == "env:tg"); // the environment wins
  CHECK(r.config->values.lastfm.api_key == "file key");
  CHECK(r.config->values.lastfm.api_secret == "file#not-a-comment");
  std::set<std::string> values(r.config->secret_values.begin(), r.config->secret_values.end());
  CHECK(values == std::set<std::string>{"env:tg", "file key", "file#not-a-comment"});
}

TEST_CASE("a broken secrets file is an error that does not echo values", "[config]") {
  temp_dir dir;
  SECTION("missing") {
    auto missing = dir.path("absent.env");
    CHECK(single_error("", {"node.secrets-file=" + missing})
          == missing + ": node.secrets-file: cannot read the secrets file: No such file or "
                       "directory");
  }
  SECTION("malformed lines") {
    auto file = dir.write("s.env", "hunter2\nLASTGRAM_TELEGRAM_TOKN=hunter3\n"
                                   "LASTGRAM_REDIS_URL=\"hunter4\n");
    auto r = load_config("", {"node.secrets-file=" + file}, env());
    REQUIRE_FALSE(r.config);
    auto text = all_errors(r);
    CHECK(text
          == file + ":1: expected NAME=VALUE\n" + file
               + ":2: LASTGRAM_TELEGRAM_TOKN: unknown secret variable\n" + file
               + ":3: LASTGRAM_REDIS_URL: unterminated quote\n");
    CHECK(text.find("hunter") == std::string::npos);
  }
  SECTION("a secret with a line break") {
    CHECK(single_error("", {}, env({{"LASTGRAM_LASTFM_API_KEY", "abc\n"}}))
          == "env: LASTGRAM_LASTFM_API_KEY: contains a line break");
  }
}

TEST_CASE("a secret in config.ini or --set is refused without echoing it", "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini", "[telegram]\ntoken=\"123456:hunter-tg\"\n"
                                      "[database]\nurl=postgresql://u:hunter-pw@h/db\n");
  auto r = load_config(path, {"lastfm.api-key=hunter-key"}, env());
  REQUIRE_FALSE(r.config);
  auto text = all_errors(r);
  CHECK(text.find("hunter") == std::string::npos);
  CHECK(text
        == path + ":2: telegram.token: is a secret and is never read from configuration; set "
                  "LASTGRAM_TELEGRAM_TOKEN in the environment or in node.secrets-file instead\n"
             + path
             + ":4: database.url: is a secret and is never read from configuration; set "
               "LASTGRAM_DATABASE_URL in the environment or in node.secrets-file instead\n"
               "--set lastfm.api-key=...: lastfm.api-key: is a secret and is never read from "
               "configuration; set LASTGRAM_LASTFM_API_KEY in the environment or in "
               "node.secrets-file instead\n");
}

TEST_CASE("lists: INI syntax across lines with comments, and commas on --set", "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini", "[node]\n"
                                      "developers = [\n"
                                      "  \"telegram:1\", ; the owner\n"
                                      "  discord:2,     # unquoted works too\n"
                                      "]\n"
                                      "[server]\n"
                                      "port = 81\n");
  auto r = load_config(path, {}, env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(r.config->values.node.developers == std::vector<std::string>{"telegram:1", "discord:2"});
  CHECK(r.config->values.server.port == 81); // the line count survived the list

  auto empty = load_config("", {"node.developers="}, env());
  REQUIRE(empty.config);
  CHECK(empty.config->values.node.developers.empty());
  auto ini_style = load_config("", {"node.developers=[\"console:1\", \"telegram:2\"]"}, env());
  REQUIRE(ini_style.config);
  CHECK(ini_style.config->values.node.developers
        == std::vector<std::string>{"console:1", "telegram:2"});
  CHECK(single_error(dir.write("bad.ini", "[node]\ndevelopers=[\"a\" \"b\"]\n"))
        == dir.path("bad.ini") + ":2: expected ',' or ']' in list, got '\"'");
}

TEST_CASE("quoted strings resolve CAF's escapes, unquoted strings are taken as written",
          "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini",
                        "[node]\n"
                        "name=\"tab\\there \\\"quoted\\\" back\\\\slash\\nnl ; # kept\"\n"
                        "data-dir = /srv/lastgram data   ; trailing comment\n"
                        "[lastfm]\n"
                        "api-url=http://127.0.0.1:1/x#frag;y # comment\n");
  auto r = load_config(path, {}, env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(r.config->values.node.name == "tab\there \"quoted\" back\\slash\nnl ; # kept");
  CHECK(r.config->values.node.data_dir == "/srv/lastgram data");
  CHECK(r.config->values.lastfm.api_url == "http://127.0.0.1:1/x#frag;y");
  CHECK(single_error(dir.write("bad.ini", "[node]\nname=\"a\\qb\"\n"))
        == dir.path("bad.ini") + ":2: unknown escape \\q (use \\n, \\r, \\t, \\\\ or \\\")");
}

TEST_CASE("CRLF line endings read like LF, with the same line numbers", "[config]") {
  temp_dir dir;
  auto path = dir.write("config.ini", "; windows\r\n[server]\r\nport=8081\r\naddress=\"::1\"\r\n"
                                      "[node]\r\ndevelopers=[\"telegram:1\",\r\n \"console:2\"]\r\n"
                                      "[log]\r\nlevel=loud\r\n");
  auto r = load_config(path, {}, env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string()
        == path + ":9: log.level: loud is not one of trace|debug|info|warn|error|critical|off");
  auto good = dir.write("good.ini", "[server]\r\nport=8081\r\naddress=\"::1\"\r\n");
  auto ok = load_config(good, {}, env());
  INFO(all_errors(ok));
  REQUIRE(ok.config);
  CHECK(ok.config->values.server.port == 8081);
  CHECK(ok.config->values.server.address == "::1");
  CHECK(single_error(dir.write("cr.ini", "[server]\rport=1\n"))
        == dir.path("cr.ini") + ":1: unexpected '\\r' (a lone carriage return) after the value");
}

TEST_CASE("describe_keys documents types, defaults and secret variables", "[config]") {
  auto text = describe_keys();
  CHECK(text.find("  server.port (integer 0..65535, default 8080)\n") != std::string::npos);
  CHECK(text.find("  log.format (one of logfmt|json, default \"logfmt\")\n") != std::string::npos);
  CHECK(text.find("  telegram.token (secret, from LASTGRAM_TELEGRAM_TOKEN)\n")
        != std::string::npos);
  CHECK(text.find("  node.developers (list of strings, default [])\n") != std::string::npos);
}

TEST_CASE("render_ini round-trips loaded values without secrets", "[config]") {
  auto r = load_config("", {"node.developers=telegram:1", "node.name=a\"b", "log.level=off"},
                       env({{"LASTGRAM_TELEGRAM_TOKEN", "tok-zq9x"}}));
  REQUIRE(r.config);
  auto text = render_ini(r.config->values);
  CHECK(text.find("zq9x") == std::string::npos);
  temp_dir dir;
  auto again = load_config(dir.write("dump.ini", text), {}, env());
  INFO(all_errors(again));
  REQUIRE(again.config);
  auto without_secrets = r.config->values;
  without_secrets.telegram.token.clear();
  CHECK(dump(again.config->values) == dump(without_secrets));
}

TEST_CASE("the scheduler keys choose CAF's policy and bound its polling", "[config]") {
  temp_dir dir;
  auto file = [&](const std::string& text) {
    return dir.write("config.ini", "[scheduler]\n" + text);
  };
  auto at = [&](int line) { return dir.path("config.ini") + ":" + std::to_string(line) + ": "; };
  CHECK(single_error(file("policy=fifo\n"))
        == at(2) + "scheduler.policy: fifo is not one of stealing|sharing|affinity");
  CHECK(single_error(file("moderate-sleep-us=0\n"))
        == at(2) + "scheduler.moderate-sleep-us: 0 is out of range 1..1000000");
  CHECK(single_error(file("relaxed-sleep-ms=1001\n"))
        == at(2) + "scheduler.relaxed-sleep-ms: 1001 is out of range 1..1000");
  auto r = load_config(file("policy=sharing\nspin-polls=0\nmoderate-polls=20\n"), {}, env());
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(r.config->values.scheduler.policy == scheduler_policy::sharing);
  CHECK(r.config->values.scheduler.spin_polls == 0);
  CHECK(r.config->values.scheduler.moderate_polls == 20);
}

TEST_CASE("the telegram keys check their values", "[config][telegram]") {
  temp_dir dir;
  auto file = [&](const std::string& text) {
    return dir.write("config.ini", "[telegram]\n" + text);
  };
  auto at = [&](int line) { return dir.path("config.ini") + ":" + std::to_string(line) + ": "; };
  CHECK(single_error(file("mode=hook\n"))
        == at(2) + "telegram.mode: hook is not one of polling|webhook");
  CHECK(single_error(file("poll-timeout-seconds=51\n"))
        == at(2) + "telegram.poll-timeout-seconds: 51 is out of range 1..50");
  CHECK(single_error(file("poll-timeout-seconds=0\n"))
        == at(2) + "telegram.poll-timeout-seconds: 0 is out of range 1..50");
  CHECK(single_error(file("public-url=\"bot.example.org\"\n"))
        == at(2) + "telegram.public-url: \"bot.example.org\" must start with http:// or https://");
  CHECK(single_error(file("webhook-path=\"a/b\"\n"))
        == at(2) + "telegram.webhook-path: \"a/b\" may only hold letters, digits, '_' and '-'");
  CHECK(single_error(file("max-connections=101\n"))
        == at(2) + "telegram.max-connections: 101 is out of range 1..100");
  CHECK(single_error(file("global-per-second=100001\n"))
        == at(2) + "telegram.global-per-second: 100001 is out of range 1..100000");
  CHECK(single_error(file("private-per-second=0\n"))
        == at(2) + "telegram.private-per-second: 0 is out of range 1..100");
  CHECK(single_error(file("group-per-minute=6001\n"))
        == at(2) + "telegram.group-per-minute: 6001 is out of range 1..6000");
  CHECK(single_error(file("max-queued=1000001\n"))
        == at(2) + "telegram.max-queued: 1000001 is out of range 1..1000000");
  CHECK(single_error(file("inline-cache-seconds=-1\n"))
        == at(2) + "telegram.inline-cache-seconds: -1 is out of range 0..3600");
  // Empty public URL and webhook path are the defaults, and valid.
  auto r = load_config(file("public-url=\"\"\nwebhook-path=\"\"\n"), {}, env());
  INFO(all_errors(r));
  CHECK(r.config);
}

TEST_CASE("the webhook secret must follow Telegram's rule, without being echoed",
          "[config][telegram]") {
  for (auto bad : {std::string("has space-zq9x"), std::string("slash/zq9x"),
                   "zq9x" + std::string(253, 'a')}) {
    auto text = single_error("", {}, env({{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET", bad}}));
    CHECK(text
          == "env: LASTGRAM_TELEGRAM_WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, "
             "'_' and '-' (Telegram's rule for secret_token)");
    CHECK(text.find("zq9x") == std::string::npos);
  }
  auto longest = std::string(256, 'Z');
  auto r = load_config("", {}, env({{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET", longest}}));
  INFO(all_errors(r));
  REQUIRE(r.config);
  CHECK(r.config->values.telegram.webhook_secret == longest);
}

TEST_CASE("webhook mode needs the webhook secret and the server", "[config][telegram]") {
  SECTION("without the secret") {
    CHECK(single_error("", {"telegram.mode=webhook"})
          == "--set telegram.mode=webhook: telegram.mode: webhook mode needs "
             "LASTGRAM_TELEGRAM_WEBHOOK_SECRET (1-256 characters of A-Za-z0-9_-) in the "
             "environment or in node.secrets-file");
  }
  SECTION("with the server off, blamed on the file line that chose webhook") {
    temp_dir dir;
    auto path = dir.write("config.ini", "[server]\nenabled=false\n[telegram]\nmode=webhook\n");
    CHECK(single_error(path, {}, env({{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET", "s3cr3t"}}))
          == path + ":4: telegram.mode: webhook mode needs server.enabled=true: Telegram posts "
                    "updates to the server engine");
  }
  SECTION("both missing are both reported") {
    auto r = load_config("", {"telegram.mode=webhook", "server.enabled=false"}, env());
    REQUIRE_FALSE(r.config);
    CHECK(r.errors.size() == 2);
  }
  SECTION("a malformed secret is reported once, not also as missing") {
    CHECK(single_error("", {"telegram.mode=webhook"},
                       env({{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET", "not ok"}}))
          == "env: LASTGRAM_TELEGRAM_WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, "
             "'_' and '-' (Telegram's rule for secret_token)");
  }
  SECTION("with both, and the secret from a secrets file") {
    temp_dir dir;
    auto secrets = dir.write("s.env", "LASTGRAM_TELEGRAM_WEBHOOK_SECRET=from_file-1\n");
    auto r = load_config("", {"telegram.mode=webhook", "node.secrets-file=" + secrets}, env());
    INFO(all_errors(r));
    REQUIRE(r.config);
    CHECK(r.config->values.telegram.mode == telegram_mode::webhook);
    CHECK(r.config->values.telegram.webhook_secret == "from_file-1");
  }
  SECTION("polling mode needs neither") {
    auto r = load_config("", {"telegram.mode=polling", "server.enabled=false"}, env());
    INFO(all_errors(r));
    CHECK(r.config);
  }
}

TEST_CASE("a configuration file larger than 1 MiB is refused without reading it all",
          "[config]") {
  CHECK(single_error("/dev/zero")
        == "/dev/zero: the configuration file is larger than 1 MiB");
  temp_dir dir;
  std::string big = "[node]\nname=\"" + std::string(1 << 20, 'a') + "\"\n";
  CHECK(big.size() > (1 << 20));
  auto path = dir.write("big.ini", big);
  CHECK(single_error(path) == path + ": the configuration file is larger than 1 MiB");
  auto secrets = dir.write("secrets.env", std::string((1 << 20) + 1, '#'));
  CHECK(single_error("", {"node.secrets-file=" + secrets})
        == secrets + ": node.secrets-file: the secrets file is larger than 1 MiB");
}

TEST_CASE("`config check --config /dev/zero` exits 2 at once with a clear message",
          "[config][e2e]") {
  auto res = test::run({LASTGRAM_BINARY, "config", "check", "--config", "/dev/zero"}, "", {},
                       std::chrono::seconds{20});
  CHECK(res.exit_code == 2);
  CHECK(res.err.find("/dev/zero: the configuration file is larger than 1 MiB")
        != std::string::npos);
}

TEST_CASE("a value longer than 64 KiB or not valid UTF-8 is an error naming file, line and key",
          "[config]") {
  temp_dir dir;
  auto bad = [&](const std::string& value) {
    return single_error(dir.write("c.ini", "[node]\n\nname=" + value + "\n"));
  };
  auto where = dir.path("c.ini") + ":3: node.name: ";
  CHECK(bad("\"ok\xff\"") == where + "the value is not valid UTF-8 (byte 3)");
  CHECK(bad("bare\x80") == where + "the value is not valid UTF-8 (byte 5)");
  CHECK(bad("\"\xC0\xAF\"") == where + "the value is not valid UTF-8 (byte 1)");     // overlong '/'
  CHECK(bad("\"\xED\xA0\x80\"") == where + "the value is not valid UTF-8 (byte 1)"); // surrogate
  CHECK(bad("\"\xF4\x90\x80\x80\"") == where + "the value is not valid UTF-8 (byte 1)");
  CHECK(bad("\"ab\xE2\x9C\"") == where + "the value is not valid UTF-8 (byte 3)"); // truncated
  CHECK(bad("\"" + std::string(64 * 1024 + 1, 'x') + "\"")
        == where + "the value is longer than 65536 bytes");
  CHECK(single_error(dir.write("l.ini", "[node]\ndevelopers=[\"console:1\", \"x\xfe\"]\n"))
        == dir.path("l.ini") + ":2: node.developers: the value is not valid UTF-8 (byte 2)");
  // --set: the value is not echoed back.
  CHECK(single_error("", {"node.name=a\xff"})
        == "--set node.name=...: node.name: the value is not valid UTF-8 (byte 2)");
  auto ok = load_config(dir.write("ok.ini", "[node]\nname=\"h\xC3\xA9llo \xE2\x9C\x93 "
                                            "\xF0\x9F\x98\x80\"\n"),
                        {}, env());
  INFO(all_errors(ok));
  REQUIRE(ok.config);
  CHECK(ok.config->values.node.name == "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80");
  auto longest = load_config("", {"node.name=" + std::string(64 * 1024, 'y')}, env());
  CHECK(longest.config);
}

TEST_CASE("database and Redis URLs that cannot work are refused without being echoed",
          "[config]") {
  auto error_for = [](const std::string& var, const std::string& url) {
    auto text = single_error("", {}, env({{var, url}}));
    CHECK(text.find("SECRET") == std::string::npos);
    return text;
  };
  auto accepted = [](const std::string& var, const std::string& url) {
    auto r = load_config("", {}, env({{var, url}}));
    INFO(url << "\n" << all_errors(r));
    return r.config.has_value();
  };
  const std::string pg = "env: LASTGRAM_DATABASE_URL: must be a PostgreSQL URL, "
                         "postgresql://user:password@host:port/database";
  const std::string scheme = "the scheme must be postgresql:// or postgres://";
  const std::string escape = "a '%' is not followed by two hex digits, or encodes NUL; "
                             "percent-encode '%' as %25";
  const std::string no_host = "no host: name one, or a socket directory with ?host=";
  const std::string port = "a port is not a number 1..65535";
  const std::vector<std::pair<std::string, std::string>> refused = {
    {"garbageSECRET", scheme},
    {"mysql://u:SECRET@h/db", scheme},
    {"host=h password=SECRET", scheme},
    {"postgresql://u:pa%zzSECRET@h/db", escape},
    {"postgresql://u:SECRET%@h/db", escape},
    {"postgresql://u:SECRET%00@h/db", escape},
    {"postgresql://u:SECRET@/db", no_host},
    {"postgresql://", no_host},
    {"postgresql://u:p@SECRET@h/db",
     "an '@' after the user name: percent-encode it as %40 in a password"},
    {"postgresql://u:SECRET@h:0/db", port},
    {"postgresql://u:SECRET@h:99999/db", port},
    {"postgresql://u:SECRET@h:5432x/db", port},
    {"postgresql://h1:5432,h2:x/db", port},
    {"postgresql://u:SECRET@[::1/db", "an IPv6 host lacks its closing ']'"},
    {"postgresql://h/db?SECRET", "a query parameter is not key=value"},
  };
  for (const auto& [url, why] : refused)
    CHECK(error_for("LASTGRAM_DATABASE_URL", url) == pg + " (" + why + ")");
  for (const char* url :
       {"postgresql://u:pw@127.0.0.1/db", "postgres://db.internal/lastgram",
        "postgresql://:emptyuser@h:5432/db?sslmode=require&connect_timeout=5",
        "postgresql://u:p%40ss@[::1]:5432/db", "postgresql://h1:5432,h2:5433/db",
        "postgresql:///db?host=/var/run/postgresql", "postgresql://h"})
    CHECK(accepted("LASTGRAM_DATABASE_URL", url));

  const std::string redis = "env: LASTGRAM_REDIS_URL: must be a Redis URL, "
                            "redis://[[user]:password@]host[:port][/db] (percent-encode '/' in "
                            "a password as %2F; rediss:// is not supported)";
  for (const char* url : {"garbageSECRET", "http://SECRET@h", "rediss://:SECRET@h",
                          "redis://:SECRET@", "redis://u@h", "redis://:SECRET@h:0",
                          "redis://:SECR%zzET@h", "redis://h/notadb"})
    CHECK(error_for("LASTGRAM_REDIS_URL", url) == redis);
  for (const char* url : {"redis://127.0.0.1", "redis://:p@ss@[::1]:7000/2", "redis://bot:pw@h"})
    CHECK(accepted("LASTGRAM_REDIS_URL", url));
}

TEST_CASE("`config check` and `run` refuse a URL that cannot work with exit 2, and never "
          "print its password", "[config][e2e]") {
  for (const char* cmd : {"check", "run"}) {
    std::vector<std::string> args{LASTGRAM_BINARY};
    if (std::string{cmd} == "check")
      args.insert(args.end(), {"config", "check"});
    else
      args.insert(args.end(), {"run", "--set", "server.enabled=false"});
    for (const char* var : {"LASTGRAM_DATABASE_URL=postgresql://u:pa%zzE2ESECRET@127.0.0.1:1/db",
                            "LASTGRAM_DATABASE_URL=mysql://u:E2ESECRET@127.0.0.1/db",
                            "LASTGRAM_REDIS_URL=redis://:E2ESECRET@127.0.0.1:notaport"}) {
      auto res = test::run(args, "/help\n", {var}, std::chrono::seconds{30});
      INFO(cmd << " " << var << "\n" << res.err);
      CHECK(res.exit_code == 2);
      CHECK(res.err.find("E2ESECRET") == std::string::npos);
      CHECK(res.out.find("E2ESECRET") == std::string::npos);
    }
  }
}
