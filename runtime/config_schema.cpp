// The schema: every key lastgram reads, with its type, range, default and
// help. Reading it (lookup, assignment, rendering) is config_schema_values.cpp.

#include "runtime/config_schema.hpp"

#include "runtime/config_checks.hpp"
#include "runtime/config_urls.hpp"

namespace lastgram::runtime {
namespace {

using sv = std::string_view;
using namespace checks;

const std::vector<sv> level_names = {"trace", "debug", "info", "warn", "error", "critical", "off"};

key_spec row(sv sec, sv key, field f, sv help) {
  key_spec k;
  k.section = sec;
  k.key = key;
  k.access = f;
  k.help = help;
  return k;
}

key_spec integer(sv sec, sv key, int_field f, std::int64_t lo, std::int64_t hi, sv help) {
  auto k = row(sec, key, f, help);
  k.min = lo;
  k.max = hi;
  return k;
}

key_spec boolean(sv sec, sv key, bool_field f, sv help) { return row(sec, key, f, help); }

key_spec text(sv sec, sv key, string_field f, sv help, string_check check = nullptr) {
  auto k = row(sec, key, f, help);
  k.check = check;
  return k;
}

key_spec choice(sv sec, sv key, choice_field f, std::vector<sv> choices, sv help) {
  auto k = row(sec, key, f, help);
  k.choices = std::move(choices);
  return k;
}

key_spec level(sv sec, sv key, level_field f, sv help) {
  auto k = row(sec, key, f, help);
  k.choices = level_names;
  return k;
}

key_spec list(sv sec, sv key, list_field f, sv help, string_check item_check) {
  auto k = row(sec, key, f, help);
  k.check = item_check;
  return k;
}

key_spec secret(sv sec, sv key, sv env, string_field f, sv help, string_check check = nullptr) {
  auto k = row(sec, key, f, help);
  k.env = env;
  k.check = check;
  return k;
}

} // namespace

// Turns `node.data_dir` into an accessor usable as a function pointer.
#define LG_FIELD(path) [](settings& s) -> auto& { return s.path; }
// Turns an enum member like `telegram.mode` into a choice_field.
#define LG_CHOICE(path)                                                                        \
  choice_field{[](const settings& s) { return static_cast<int>(s.path); },                     \
               [](settings& s, int v) { s.path = static_cast<decltype(s.path)>(v); }}

namespace {

/// The node itself: its name and files, threads, logs and supervision.
std::vector<key_spec> node_keys() {
  return {
    text("node", "data-dir", LG_FIELD(node.data_dir),
         "Directory for the SQLite file and other local state; relative to the working directory.",
         non_empty),
    text("node", "name", LG_FIELD(node.name),
         "Name shown in /botinfo and diagnostics; empty means the host name."),
    integer("node", "shutdown-grace-seconds", LG_FIELD(node.shutdown_grace_seconds), 0, 3600,
            "How long in-flight commands may run after SIGINT/SIGTERM before the node stops."),
    integer("node", "http-connections-per-host", LG_FIELD(node.http_connections_per_host), 1,
            1024,
            "Outgoing HTTP connections kept per host (Last.fm, Telegram, Discord, image CDNs); "
            "further requests to a host wait for one. Calls per second to a host are at most "
            "about this many divided by its round trip."),
    text("node", "secrets-file", LG_FIELD(node.secrets_file),
         "Optional file of NAME=VALUE lines with the LASTGRAM_* secrets ('#' comments, optional "
         "quotes); the environment wins over it. Empty: environment only."),
    list("node", "developers", LG_FIELD(node.developers),
         "Users allowed to run developer commands, as \"platform:id\" (telegram, discord or "
         "console), e.g. [\"telegram:1234\"]. With --set: telegram:1234,discord:42.",
         developer_id),
    integer("scheduler", "max-threads", LG_FIELD(scheduler.max_threads), 1, 64,
            "CAF worker threads; blocking work runs in detached actors, so a few are enough."),
    integer("scheduler", "max-throughput", LG_FIELD(scheduler.max_throughput), 1, 1000000,
            "Messages one actor may handle before its CAF worker moves on to another actor."),
    choice("scheduler", "policy", LG_CHOICE(scheduler.policy),
           {"stealing", "sharing", "affinity"},
           "CAF's scheduler: \"affinity\" (a queue per worker for what its actors send, run "
           "next on the same worker with no wake-up, plus a shared queue where idle workers "
           "block), \"sharing\" (only the shared queue: a wake-up for every message between "
           "actors) or \"stealing\" (idle workers poll, then sleep). Affinity costs the least "
           "CPU per command on two cores, see bench/fresh_ln.sh."),
    integer("scheduler", "spin-polls", LG_FIELD(scheduler.spin_polls), 0, 100000,
            "Work stealing: how many times an idle worker polls before it starts sleeping."),
    integer("scheduler", "moderate-polls", LG_FIELD(scheduler.moderate_polls), 0, 100000,
            "Work stealing: polls with short sleeps (moderate-sleep-us) before long ones."),
    integer("scheduler", "moderate-sleep-us", LG_FIELD(scheduler.moderate_sleep_us), 1, 1000000,
            "Work stealing: the short sleep between polls, in microseconds."),
    integer("scheduler", "relaxed-sleep-ms", LG_FIELD(scheduler.relaxed_sleep_ms), 1, 1000,
            "Work stealing: the sleep between polls of a worker idle for long, in milliseconds."),
    level("log", "level", LG_FIELD(log.level), "Least severe level that is logged."),
    choice("log", "format", LG_CHOICE(log.format), {"logfmt", "json"}, "Log line format."),
    text("log", "file", LG_FIELD(log.file), "Log file; empty means standard error."),
    integer("supervision", "max-restarts", LG_FIELD(supervision.max_restarts), 0, 1000,
            "Restarts of one child allowed within restart-window-seconds; one more and the "
            "supervisor escalates to its parent."),
    integer("supervision", "restart-window-seconds", LG_FIELD(supervision.restart_window_seconds),
            1, 86400, "Window over which restarts are counted."),
    integer("supervision", "backoff-initial-ms", LG_FIELD(supervision.backoff_initial_ms), 1,
            600000, "Delay before the first restart; it grows up to backoff-max-ms."),
    integer("supervision", "backoff-max-ms", LG_FIELD(supervision.backoff_max_ms), 1, 600000,
            "Longest delay between restarts; at least backoff-initial-ms.")
  };
}

/// The engines: commands, HTTP server, database, cache, Last.fm and translations.
std::vector<key_spec> engine_keys() {
  return {
    integer("command", "timeout-ms", LG_FIELD(command.timeout_ms), 1, 600000,
            "Deadline for one command run."),
    integer("command", "max-in-flight", LG_FIELD(command.max_in_flight), 1, 1000000,
            "Command runs in flight before new ones are told the bot is busy."),
    integer("command", "max-wait-ms", LG_FIELD(command.max_wait_ms), 0, 600000,
            "The answer time the node promises, and how it sheds load at the door: a "
            "command whose line (the time since the node took it from the platform, plus "
            "the commands in hand at the rate the node has been answering) would take more "
            "than half of this is told the bot is busy at once; the other half is for its "
            "own run and its reply (max-in-flight stays the hard cap). 0: no such limit."),
    integer("command", "chat-queue-limit", LG_FIELD(command.chat_queue_limit), 1, 1000,
            "Commands of one chat waiting for their turn (a chat's commands run one at a "
            "time, in order) before more are told to slow down."),
    text("command", "bot-name", LG_FIELD(command.bot_name),
         "The bot's username on the console (for /command@name).", non_empty),
    integer("command", "rate-limit-short", LG_FIELD(command.rate_short), 0, 100000,
            "Commands one user may send within rate-limit-short-seconds (counted in Redis "
            "when configured, so across the cluster); the first one over gets a \"slow "
            "down\", later ones are dropped until the window ends. 0: no such limit."),
    integer("command", "rate-limit-short-seconds", LG_FIELD(command.rate_short_seconds), 1,
            3600, "The short rate-limit window; at most rate-limit-long-seconds."),
    integer("command", "rate-limit-long", LG_FIELD(command.rate_long), 0, 100000,
            "Commands one user may send within rate-limit-long-seconds. 0: no such limit."),
    integer("command", "rate-limit-long-seconds", LG_FIELD(command.rate_long_seconds), 1,
            86400, "The long rate-limit window."),
    boolean("server", "enabled", LG_FIELD(server.enabled),
            "Run the HTTP server (webhooks, Discord interactions, health, metrics)."),
    text("server", "address", LG_FIELD(server.address),
         "Address the HTTP server listens on; keep it on loopback or a private network.",
         non_empty),
    integer("server", "port", LG_FIELD(server.port), 0, 65535,
            "Port the HTTP server listens on; 0 picks a free port."),
    integer("server", "body-limit", LG_FIELD(server.body_limit), 1024, 64 << 20,
            "Largest request body accepted, in bytes."),
    integer("server", "header-limit", LG_FIELD(server.header_limit), 1024, 1 << 20,
            "Largest request head, and trailer section of a chunked body, accepted in bytes; "
            "larger ones get 431."),
    integer("server", "timeout-seconds", LG_FIELD(server.timeout_seconds), 1, 3600,
            "Deadline for reading a request and writing its response."),
    integer("server", "head-timeout-seconds", LG_FIELD(server.head_timeout_seconds), 1, 3600,
            "Deadline for a request's head, and for the next request on an idle kept-alive "
            "connection; at most timeout-seconds. Short, so idle clients free their slots."),
    integer("server", "max-connections-per-address", LG_FIELD(server.max_connections_per_address),
            1, 1024,
            "Connections one client address may hold at once; more get 503. Behind a reverse "
            "proxy on the same host every connection comes from the proxy: raise it then."),
    integer("server", "threads", LG_FIELD(server.threads), 0, 64,
            "I/O threads of the server. 0: the node's outgoing HTTP thread serves it too, so a "
            "webhook's command runs where it was read, with no hand-off between threads; on "
            "PostgreSQL with database.direct-reads=false, one thread of its own."),
    text("database", "path", LG_FIELD(database.path),
         "SQLite file; empty means <node.data-dir>/lastgram.sqlite3. Unused when "
         "LASTGRAM_DATABASE_URL selects PostgreSQL."),
    secret("database", "url", "LASTGRAM_DATABASE_URL", LG_FIELD(database.url),
           "PostgreSQL URL (postgresql://user:password@host:port/db); unset means SQLite.",
           check_postgres_url),
    integer("database", "pool-size", LG_FIELD(database.pool_size), 0, 64,
            "Database connections, each served by its own detached actor; 0: 2 with SQLite "
            "(its writes take one lock anyway), 4 with PostgreSQL."),
    integer("database", "statement-timeout-ms", LG_FIELD(database.statement_timeout_ms), 1,
            600000, "Deadline for one SQL statement."),
    boolean("database", "direct-reads", LG_FIELD(database.direct_reads),
            "The guards' read, /ln's indexed count and the inbox's write and mark of each "
            "update skip the database workers: with SQLite they run on the caller's own thread "
            "(a connection of their own per scheduler thread), with PostgreSQL they are "
            "pipelined on one connection of the HTTP client's thread; false sends all of them "
            "through the workers."),
    integer("cache", "max-bytes", LG_FIELD(cache.max_bytes), 0, std::int64_t{1} << 34,
            "Size of the in-process cache in bytes; 0 disables it."),
    secret("cache", "redis-url", "LASTGRAM_REDIS_URL", LG_FIELD(cache.redis_url),
           "Redis URL (redis://host:port/db) for a cache and rate limits shared by the cluster; "
           "unset means in-process only.", check_redis_url),
    integer("cache", "redis-timeout-ms", LG_FIELD(cache.redis_timeout_ms), 1, 60000,
            "Deadline for one Redis command."),
    boolean("cache", "redis-direct", LG_FIELD(cache.redis_direct),
            "With Redis, each command's cache reads, writes and rate counters are pipelined on "
            "one connection of the HTTP client's thread rather than through the caching "
            "engine's thread; false sends all of them through the engine."),
    text("lastfm", "api-url", LG_FIELD(lastfm.api_url), "Last.fm API endpoint.", http_url),
    secret("lastfm", "api-key", "LASTGRAM_LASTFM_API_KEY", LG_FIELD(lastfm.api_key),
           "Last.fm API key."),
    secret("lastfm", "api-secret", "LASTGRAM_LASTFM_API_SECRET", LG_FIELD(lastfm.api_secret),
           "Last.fm shared secret."),
    integer("lastfm", "rate-per-second", LG_FIELD(lastfm.rate_per_second), 0, 1000000,
            "Requests per second per API key (cluster-wide with Redis); extra requests queue. "
            "0: no limit (a self-hosted Last.fm proxy, or a benchmark)."),
    integer("lastfm", "queue-limit", LG_FIELD(lastfm.queue_limit), 1, 1000000,
            "Requests waiting for the rate limit before new ones fail at once."),
    integer("lastfm", "deadline-ms", LG_FIELD(lastfm.deadline_ms), 1, 600000,
            "Time budget of one Last.fm call, queueing and retries included."),
    integer("lastfm", "request-timeout-ms", LG_FIELD(lastfm.request_timeout_ms), 1, 600000,
            "Deadline of one HTTP request to Last.fm; at most deadline-ms."),
    integer("lastfm", "max-retries", LG_FIELD(lastfm.max_retries), 0, 10,
            "Retries of transient failures (HTTP 5xx, timeouts, Last.fm errors 8, 11, 16)."),
    integer("lastfm", "outage-threshold-percent", LG_FIELD(lastfm.outage_threshold_percent), 0,
            100,
            "Outage mode starts when this share of the last minute's Last.fm calls failed (5xx, "
            "timeouts, garbage); answers then come from the cache, marked with their age. 0: off."),
    integer("lastfm", "outage-min-calls", LG_FIELD(lastfm.outage_min_calls), 1, 1000000,
            "Fewer Last.fm calls than this in the last minute never start an outage."),
    integer("lastfm", "outage-keep-seconds", LG_FIELD(lastfm.outage_keep_seconds), 0, 604800,
            "How long answers stay in the cache to be served, marked with their age, during an "
            "outage (the cache's own size bound still applies)."),
    text("lyrics", "lrclib-url", LG_FIELD(lyrics.lrclib_url),
         "lrclib root URL (lrclib.net or a mirror) that /lyrics asks.", http_url),
    integer("lyrics", "timeout-ms", LG_FIELD(lyrics.timeout_ms), 1, 600000,
            "Deadline for one lrclib request."),
    integer("image", "render-slots", LG_FIELD(image.render_slots), 0, 256,
            "Collages drawn at once on this node; 0: the number of cores."),
    integer("image", "queue", LG_FIELD(image.queue), 0, 10000,
            "Collages waiting for a render slot; when full, new ones are answered \"busy\"."),
    integer("image", "cover-cache-mb", LG_FIELD(image.cover_cache_mb), 0, 1048576,
            "Disk cache of covers under <node.data-dir>/covers/ (least recently used go "
            "first); 0: no cache."),
    integer("image", "cover-concurrency", LG_FIELD(image.cover_concurrency), 1, 256,
            "Cover downloads in flight at once on this node."),
    integer("image", "cover-timeout-ms", LG_FIELD(image.cover_timeout_ms), 1, 60000,
            "Deadline of one cover download; a late cover is drawn as a placeholder."),
    integer("image", "vips-cache-mb", LG_FIELD(image.vips_cache_mb), 0, 65536,
            "Memory of libvips' operation cache; 0 turns it off (each cover is a new buffer, so it never hits)."),
    integer("image", "vips-threads", LG_FIELD(image.vips_threads), 0, 256,
            "libvips worker threads per render; 0: the number of cores."),
    integer("image", "jpeg-quality", LG_FIELD(image.jpeg_quality), 10, 100,
            "JPEG quality of collages (lowered only when a picture would pass 10 MB)."),
    boolean("indexer", "enabled", LG_FIELD(indexer.enabled),
            "Index registered users' Last.fm libraries in the background (who-knows, crowns)."),
    integer("indexer", "interval-hours", LG_FIELD(indexer.interval_hours), 1, 8760,
            "A library's full index is due this long after the last one."),
    integer("indexer", "page-size", LG_FIELD(indexer.page_size), 1, 1000,
            "Entries per Last.fm top-list page (1,000 is Last.fm's maximum)."),
    integer("indexer", "album-depth", LG_FIELD(indexer.album_depth), 0, 100000,
            "How many top albums are indexed (all top artists are)."),
    integer("indexer", "track-depth", LG_FIELD(indexer.track_depth), 0, 100000,
            "How many top tracks are indexed."),
    integer("indexer", "scan-seconds", LG_FIELD(indexer.scan_seconds), 1, 86400,
            "How often the scheduler looks for due libraries."),
    integer("indexer", "refresh-cooldown-seconds", LG_FIELD(indexer.refresh_cooldown_seconds),
            0, 604800, "How long a user waits between two /index requests."),
    integer("indexer", "active-interval-hours", LG_FIELD(indexer.active_interval_hours), 1,
            8760,
            "Sooner for users who ran a command in a group within interval-hours: their "
            "library is due this long after its last full index (no effect at or above "
            "interval-hours)."),
    integer("indexer", "corrections-per-library", LG_FIELD(indexer.corrections_per_library), 0,
            1000,
            "artist.getCorrection calls one full index may make for artist names whose "
            "Last.fm correction is not known yet (most played first; answers are stored)."),
    integer("indexer", "lastfm-share-percent", LG_FIELD(lastfm.background_share_percent), 0,
            50,
            "Share of Last.fm tokens guaranteed to indexing while interactive calls wait; 0: "
            "indexing uses only what interactive calls leave."),
    integer("indexer", "lastfm-queue-limit", LG_FIELD(lastfm.background_queue_limit), 1,
            1000000, "Indexing calls that may wait for a Last.fm token."),
    integer("indexer", "lastfm-deadline-ms", LG_FIELD(lastfm.background_deadline_ms), 1,
            3600000, "Time budget of one indexing call to Last.fm, queueing included."),
    text("i18n", "dir", LG_FIELD(i18n.dir),
         "Directory of locale files; relative paths resolve against the source tree first, "
         "then the working directory.",
         non_empty),
    text("i18n", "default-language", LG_FIELD(i18n.default_language),
         "Language used when a user has not chosen one.", language)
  };
}

/// The platforms: the console, Telegram and Discord.
std::vector<key_spec> platform_keys() {
  return {
    choice("console", "enabled", LG_CHOICE(console.enabled), {"auto", "on", "off"},
           "Console chat in the terminal: auto (on when no platform token is set), on or off."),
    text("console", "user-id", LG_FIELD(console.user_id), "User id of the console user.",
         non_empty),
    text("console", "user-name", LG_FIELD(console.user_name),
         "Name of the console user; empty means the login name ($USER), else \"Console\"."),
    choice("console", "chat", LG_CHOICE(console.chat), {"private", "group"},
           "Kind of chat the console plays."),
    text("console", "language", LG_FIELD(console.language),
         "Language of the console user; empty means i18n.default-language.", optional_language),
    text("telegram", "api-url", LG_FIELD(telegram.api_url), "Telegram Bot API endpoint.",
         http_url),
    secret("telegram", "token", "LASTGRAM_TELEGRAM_TOKEN", LG_FIELD(telegram.token),
           "Bot token from @BotFather; unset disables Telegram."),
    secret("telegram", "webhook-secret", "LASTGRAM_TELEGRAM_WEBHOOK_SECRET",
           LG_FIELD(telegram.webhook_secret),
           "secret_token Telegram sends with every webhook request: 1-256 characters of "
           "A-Za-z0-9_-. Required in webhook mode.",
           webhook_secret),
    choice("telegram", "mode", LG_CHOICE(telegram.mode), {"polling", "webhook"},
           "How updates arrive: polling (getUpdates; one poller per bot token) or webhook "
           "(Telegram POSTs them to the server engine; needs server.enabled and "
           "LASTGRAM_TELEGRAM_WEBHOOK_SECRET)."),
    integer("telegram", "poll-timeout-seconds", LG_FIELD(telegram.poll_timeout_seconds), 1, 50,
            "Long-poll timeout of getUpdates in polling mode."),
    text("telegram", "public-url", LG_FIELD(telegram.public_url),
         "Public HTTPS base URL that reaches this node's server engine (e.g. through a reverse "
         "proxy); `lastgram telegram set-webhook` registers "
         "<public-url>/telegram/<webhook-path>. Empty: not set.",
         optional_http_url),
    text("telegram", "webhook-path", LG_FIELD(telegram.webhook_path),
         "Secret path segment of the webhook route /telegram/<webhook-path> (letters, digits, "
         "'_' and '-'); empty: derived from the bot token.",
         path_segment),
    integer("telegram", "max-connections", LG_FIELD(telegram.max_connections), 1, 100,
            "Simultaneous webhook connections Telegram may open (setWebhook max_connections)."),
    integer("telegram", "global-per-second", LG_FIELD(telegram.global_per_second), 1, 100000,
            "Outgoing messages per second over all chats (Telegram allows about 30; more only "
            "for a local Bot API server or a load test)."),
    integer("telegram", "private-per-second", LG_FIELD(telegram.private_per_second), 1, 100,
            "Outgoing messages per second to one private chat."),
    integer("telegram", "group-per-minute", LG_FIELD(telegram.group_per_minute), 1, 6000,
            "Outgoing messages per minute to one group."),
    integer("telegram", "max-queued", LG_FIELD(telegram.max_queued), 1, 1000000,
            "Outgoing messages waiting for the rate limits before new ones are refused."),
    integer("telegram", "inline-cache-seconds", LG_FIELD(telegram.inline_cache_seconds), 0, 3600,
            "How long Telegram may cache an answer to an inline query (answerInlineQuery "
            "cache_time)."),
    integer("telegram", "inline-photo-seconds", LG_FIELD(telegram.inline_photo_seconds), 10,
            86400,
            "How long a picture the bot drew for an inline answer is served at "
            "<public-url>/images/<token>.jpg; without telegram.public-url such answers are "
            "left out."),
    integer("telegram", "inbox-lease-seconds", LG_FIELD(telegram.inbox_lease_seconds), 2, 3600,
            "How long a node's claim on a webhook update it is handling lasts without "
            "renewal (renewed every third of it); after that another node, or this one "
            "restarted, handles the update."),
    integer("telegram", "inbox-retention-hours", LG_FIELD(telegram.inbox_retention_hours), 1,
            8760, "How long handled webhook updates stay in the database's inbox."),
    secret("discord", "token", "LASTGRAM_DISCORD_TOKEN", LG_FIELD(discord.token),
           "Discord bot token; unset disables Discord."),
    secret("discord", "public-key", "LASTGRAM_DISCORD_PUBLIC_KEY", LG_FIELD(discord.public_key),
           "Ed25519 public key of the Discord application (64 hex digits), to verify "
           "interactions.",
           optional_ed25519_key),
    choice("discord", "mode", LG_CHOICE(discord.mode), {"gateway", "interactions"},
           "How interactions arrive: gateway (a websocket to Discord; needs the token) or "
           "interactions (Discord POSTs them to /discord/interactions on the server engine; "
           "needs server.enabled and the public key)."),
    text("discord", "api-url", LG_FIELD(discord.api_url), "Discord REST base (API v10).",
         http_url),
    text("discord", "gateway-url", LG_FIELD(discord.gateway_url),
         "Gateway websocket URL; empty: asked with GET /gateway/bot."),
    integer("discord", "signature-max-age-seconds",
            LG_FIELD(discord.signature_max_age_seconds), 0, 86400,
            "Interactions whose X-Signature-Timestamp is further than this from now are refused "
            "as replays; 0 turns the check off."),
    text("discord", "application-id", LG_FIELD(discord.application_id),
         "The application's id; empty: learned from GET /applications/@me.",
         optional_snowflake),
    text("discord", "presence", LG_FIELD(discord.presence),
         "The bot's activity, e.g. \"Listening to /help\"; empty: none."),
    integer("discord", "shards", LG_FIELD(discord.shards), 0, 4096,
            "Gateway shards; 0: the count Discord recommends."),
    integer("discord", "inbox-lease-seconds", LG_FIELD(discord.inbox_lease_seconds), 2, 3600,
            "How long a node's claim on a gateway interaction it is handling lasts without "
            "renewal (renewed every third of it); after that another node, or this one "
            "restarted, finishes the interaction (if it was acknowledged less than 15 minutes "
            "ago)."),
    integer("discord", "inbox-retention-hours", LG_FIELD(discord.inbox_retention_hours), 1,
            8760, "How long handled gateway interactions stay in the database's inbox."),
    integer("discord", "rest-retry-base-ms", LG_FIELD(discord.rest_retry_base_ms), 1, 60000,
            "First wait before a Discord REST call that got a 5xx or a network error is "
            "retried; doubled after each attempt (5 attempts in all)."),
    integer("discord", "rest-retry-max-ms", LG_FIELD(discord.rest_retry_max_ms), 1, 600000,
            "Longest wait between two attempts of a Discord REST call.")
  };
}

/// The cluster: endpoint, seeds, certificates and heartbeats.
std::vector<key_spec> cluster_keys() {
  return {
    boolean("cluster", "enabled", LG_FIELD(cluster.enabled),
            "Join other nodes in a cluster: publish this node's cluster endpoint and connect to "
            "the seeds."),
    text("cluster", "address", LG_FIELD(cluster.address),
         "Address the cluster endpoint is published on: loopback or a private address, never "
         "all interfaces. Peers reach this node at address:port.",
         cluster_address),
    integer("cluster", "port", LG_FIELD(cluster.port), 1, 65535,
            "Port of the cluster endpoint."),
    list("cluster", "seeds", LG_FIELD(cluster.seeds),
         "Nodes to join, as \"host:port\"; they tell this node about the others. With --set: "
         "a:4280,b:4280.",
         cluster_endpoint),
    text("cluster", "ca-file", LG_FIELD(cluster.ca_file),
         "PEM file of the cluster's private CA (`lastgram cluster make-certs`); peers must hold "
         "a certificate it signed. Required unless address and every seed are loopback."),
    text("cluster", "cert-file", LG_FIELD(cluster.cert_file),
         "PEM certificate of this node, signed by the cluster CA."),
    text("cluster", "key-file", LG_FIELD(cluster.key_file),
         "PEM private key of this node's certificate."),
    text("cluster", "app-identifier", LG_FIELD(cluster.app_identifier),
         "Name of the cluster; nodes with another one refuse each other.", non_empty),
    integer("cluster", "heartbeat-ms", LG_FIELD(cluster.heartbeat_ms), 50, 60000,
            "Interval of the heartbeats between nodes."),
    integer("cluster", "connection-timeout-ms", LG_FIELD(cluster.connection_timeout_ms), 100,
            600000,
            "A peer silent for this long is disconnected and leaves the membership (a dead or "
            "frozen node); more than heartbeat-ms."),
    list("cluster", "roles", LG_FIELD(cluster.roles),
         "What this node does for the cluster, e.g. [\"commands\"]; shown by `lastgram cluster "
         "status`.",
         role_name)
  };
}

} // namespace

const std::vector<key_spec>& schema() {
  static const std::vector<key_spec> table = [] {
    std::vector<key_spec> all;
    for (auto part : {node_keys(), engine_keys(), platform_keys(), cluster_keys()})
      all.insert(all.end(), std::make_move_iterator(part.begin()),
                 std::make_move_iterator(part.end()));
    return all;
  }();
  return table;
}

#undef LG_FIELD
#undef LG_CHOICE

} // namespace lastgram::runtime
