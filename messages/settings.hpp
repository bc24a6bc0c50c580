#pragma once

/// Plain settings structs, one per engine. Only runtime/ reads config.ini and
/// the environment; it fills these and hands each engine its own struct.
/// Defaults here are the embedded defaults documented in config.ini.

#include <cstdint>
#include <string>
#include <vector>

namespace lastgram {

enum class log_level : std::uint8_t { trace, debug, info, warn, error, critical, off };

// Settings that are one of a few words in config.ini are enums once
// validated; each enumerator is at the index of its word in the schema.

/// log.format: "logfmt" or "json".
enum class log_format : std::uint8_t { logfmt, json };

/// console.enabled: "auto" (on when no platform token is set), "on", "off".
enum class console_mode : std::uint8_t { automatic, on, off };

/// console.chat: the kind of chat the console plays, "private" or "group".
enum class console_chat : std::uint8_t { private_chat, group };

/// telegram.mode: "polling" or "webhook".
enum class telegram_mode : std::uint8_t { polling, webhook };

/// scheduler.policy: CAF's "stealing" (work-stealing workers that poll, then
/// sleep), CAF's "sharing" (one shared queue; idle workers block), or
/// "affinity" (sharing, plus a queue per worker for what its own actors send;
/// runtime/affinity_policy.hpp).
enum class scheduler_policy : std::uint8_t { stealing, sharing, affinity };

/// discord.mode: "gateway" (a websocket to Discord) or "interactions"
/// (Discord POSTs interactions to the server engine).
enum class discord_mode : std::uint8_t { gateway, interactions };

/// The word config.ini uses for each of them.
inline const char* to_string(log_format x) noexcept {
  return x == log_format::json ? "json" : "logfmt";
}
inline const char* to_string(console_mode x) noexcept {
  return x == console_mode::on ? "on" : x == console_mode::off ? "off" : "auto";
}
inline const char* to_string(console_chat x) noexcept {
  return x == console_chat::group ? "group" : "private";
}
inline const char* to_string(telegram_mode x) noexcept {
  return x == telegram_mode::webhook ? "webhook" : "polling";
}
inline const char* to_string(scheduler_policy x) noexcept {
  return x == scheduler_policy::sharing    ? "sharing"
         : x == scheduler_policy::affinity ? "affinity"
                                           : "stealing";
}
inline const char* to_string(discord_mode x) noexcept {
  return x == discord_mode::interactions ? "interactions" : "gateway";
}

struct node_settings {
  /// Directory for the SQLite file and other local state.
  std::string data_dir = "data";
  /// Name shown in /botinfo and diagnostics; empty means the host name.
  std::string name;
  /// How long in-flight commands may run after SIGINT/SIGTERM.
  std::int64_t shutdown_grace_seconds = 10;
  /// Outgoing HTTP connections kept per host (Last.fm, Telegram, Discord,
  /// image CDNs); further requests to the host wait for one. A request
  /// cannot go faster than one per round trip per connection, so this
  /// bounds calls per second to a host at about connections / latency.
  std::int64_t http_connections_per_host = 32;
  /// Optional KEY=VALUE file with LASTGRAM_* secrets (environment wins).
  std::string secrets_file;
  /// Users allowed to run developer commands, as "platform:id".
  std::vector<std::string> developers;
};

struct scheduler_settings {
  std::int64_t max_threads = 2;
  std::int64_t max_throughput = 100;
  /// By measurement (bench/fresh_ln.sh): sharing beat stealing, whose idle
  /// workers poll and sleep (2026-12-03: 1.45 against 4.77 ms of node CPU
  /// per fresh /ln at 250/s); affinity beats sharing, which wakes a worker
  /// for every message between actors (2026-12-07, SQLite at 1,000/s: 0.48
  /// against 0.53 ms per reply, 6.3 against 9.1 context switches of the
  /// workers per reply).
  scheduler_policy policy = scheduler_policy::affinity;
  /// Work stealing: polls of an idle worker before it starts sleeping.
  std::int64_t spin_polls = 100;
  /// Work stealing: polls with short sleeps before the long sleeps.
  std::int64_t moderate_polls = 500;
  std::int64_t moderate_sleep_us = 50;
  /// Work stealing: the sleep between polls of a worker idle for long.
  std::int64_t relaxed_sleep_ms = 10;
};

struct log_settings {
  log_level level = log_level::info;
  log_format format = log_format::logfmt;
  /// Empty: standard error.
  std::string file;
};

struct supervision_settings {
  /// At most this many restarts of one child within restart_window_seconds,
  /// then the supervisor escalates to its parent.
  std::int64_t max_restarts = 5;
  std::int64_t restart_window_seconds = 10;
  std::int64_t backoff_initial_ms = 100;
  std::int64_t backoff_max_ms = 5000;
};

struct command_settings {
  /// Deadline for one command run.
  std::int64_t timeout_ms = 15000;
  /// Command runs in flight before new ones are told "busy".
  std::int64_t max_in_flight = 2000;
  /// The wait in line a command may be promised: one that would wait longer
  /// at the rate the node answers is told "busy" at once (0: no such limit).
  std::int64_t max_wait_ms = 1000;
  /// Commands of one chat waiting for their turn before more are told to
  /// slow down.
  std::int64_t chat_queue_limit = 10;
  /// The bot's username on the console (for /cmd@name).
  std::string bot_name = "lastgram";
  /// Per-user rate limit: at most `rate_short` commands in a window of
  /// `rate_short_seconds` and `rate_long` in `rate_long_seconds`; a count
  /// of 0 turns that window off.
  std::int64_t rate_short = 13;
  std::int64_t rate_short_seconds = 10;
  std::int64_t rate_long = 35;
  std::int64_t rate_long_seconds = 40;
};

struct server_settings {
  bool enabled = true;
  std::string address = "127.0.0.1";
  std::int64_t port = 8080;
  std::int64_t body_limit = 1 << 20;
  std::int64_t header_limit = 8192;
  std::int64_t timeout_seconds = 30;
  /// Deadline for a request head (and for an idle keep-alive connection's
  /// next request); at most timeout_seconds.
  std::int64_t head_timeout_seconds = 5;
  /// Connections one client address may hold at once.
  std::int64_t max_connections_per_address = 64;
  /// 0: the server runs on the node's HTTP client loop; on PostgreSQL
  /// without direct reads on a thread of its own (runtime/engine_tree.cpp).
  std::int64_t threads = 0;
};

struct database_settings {
  /// SQLite file; empty means <data-dir>/lastgram.sqlite3.
  std::string path;
  /// Secret: a PostgreSQL URL from LASTGRAM_DATABASE_URL; empty means SQLite.
  std::string url;
  std::int64_t pool_size = 0;
  std::int64_t statement_timeout_ms = 5000;
  /// Hot-path reads and inbox writes off the database workers: on the
  /// caller's thread with SQLite (direct_reads), pipelined on the HTTP
  /// client's loop with PostgreSQL (pg_lane).
  bool direct_reads = true;
};

struct cache_settings {
  std::int64_t max_bytes = 32 << 20;
  /// Secret: redis URL from LASTGRAM_REDIS_URL; empty means in-process only.
  std::string redis_url;
  std::int64_t redis_timeout_ms = 200;
  /// With Redis: each command's get, put and counter calls pipelined on the
  /// HTTP client's loop (caching/redis_lane.hpp).
  bool redis_direct = true;
};

struct lastfm_settings {
  std::string api_url = "https://ws.audioscrobbler.com/2.0/";
  /// Secrets from LASTGRAM_LASTFM_API_KEY / LASTGRAM_LASTFM_API_SECRET.
  std::string api_key;
  std::string api_secret;
  std::int64_t rate_per_second = 5;
  std::int64_t queue_limit = 1000;
  std::int64_t deadline_ms = 10000;
  std::int64_t request_timeout_ms = 5000;
  std::int64_t max_retries = 3;
  /// Outage mode starts when at least this share (percent) of the last
  /// minute's calls failed; 0 turns it off.
  std::int64_t outage_threshold_percent = 50;
  /// Fewer calls than this in the last minute never start an outage.
  std::int64_t outage_min_calls = 10;
  /// How long answers stay in the cache to be served during an outage.
  std::int64_t outage_keep_seconds = 3600;
  /// The background lane (the indexer's calls): the share of tokens it is
  /// guaranteed while interactive calls wait (percent, 0: only what they
  /// leave), how many of its calls may wait, and each call's time budget.
  std::int64_t background_share_percent = 0;
  std::int64_t background_queue_limit = 1000;
  std::int64_t background_deadline_ms = 600000;
};

/// lrclib, where /lyrics finds its texts.
struct lyrics_settings {
  std::string lrclib_url = "https://lrclib.net";
  std::int64_t timeout_ms = 5000;
};

/// The image engine: collages drawn with libvips (actors/image/).
struct image_settings {
  /// Renders at once on this node; 0: the number of cores.
  std::int64_t render_slots = 0;
  /// Requests waiting for a render slot before new ones are answered "busy".
  std::int64_t queue = 16;
  /// The disk cache of covers under <node.data-dir>/covers/.
  std::int64_t cover_cache_mb = 512;
  /// Cover downloads in flight at once per node, and the deadline of each.
  std::int64_t cover_concurrency = 8;
  std::int64_t cover_timeout_ms = 3000;
  /// libvips' operation cache, and its worker threads per render (0: libvips'
  /// default, the number of cores).
  std::int64_t vips_cache_mb = 0;
  std::int64_t vips_threads = 1;
  std::int64_t jpeg_quality = 85;
};

struct i18n_settings {
  /// Directory of locale files; relative paths resolve against the source tree
  /// first, then the working directory.
  std::string dir = "i18n/locales";
  std::string default_language = "en";
};

struct console_settings {
  console_mode enabled = console_mode::automatic;
  std::string user_id = "1";
  std::string user_name;
  console_chat chat = console_chat::private_chat;
  std::string language;
};

struct telegram_settings {
  std::string api_url = "https://api.telegram.org";
  /// Secrets from LASTGRAM_TELEGRAM_TOKEN / LASTGRAM_TELEGRAM_WEBHOOK_SECRET.
  std::string token;
  std::string webhook_secret;
  telegram_mode mode = telegram_mode::polling;
  /// getUpdates long-poll timeout.
  std::int64_t poll_timeout_seconds = 30;
  /// Public HTTPS base URL that reaches this node's server engine; set-webhook
  /// registers <public-url>/telegram/<webhook path>.
  std::string public_url;
  /// The secret path segment of the webhook route; empty: derived from the token.
  std::string webhook_path;
  /// setWebhook's max_connections.
  std::int64_t max_connections = 40;
  /// Outgoing limits: messages per second overall and per private chat,
  /// messages per minute per group.
  std::int64_t global_per_second = 30;
  std::int64_t private_per_second = 1;
  std::int64_t group_per_minute = 20;
  /// Outgoing messages waiting for the limits before new ones are refused.
  std::int64_t max_queued = 10000;
  /// answerInlineQuery cache_time.
  std::int64_t inline_cache_seconds = 10;
  /// How long a picture offered in an inline answer is served by the server
  /// engine (GET /images/<token>.jpg under public_url).
  std::int64_t inline_photo_seconds = 600;
  /// The durable inbox of webhook updates: how long a process's claim on an
  /// unfinished update lasts without renewal before another takes it over,
  /// and how long finished updates are kept.
  std::int64_t inbox_lease_seconds = 30;
  std::int64_t inbox_retention_hours = 24;
};

struct discord_settings {
  /// Secrets from LASTGRAM_DISCORD_TOKEN / LASTGRAM_DISCORD_PUBLIC_KEY.
  std::string token;
  std::string public_key;
  discord_mode mode = discord_mode::gateway;
  /// REST base, without a trailing '/'.
  std::string api_url = "https://discord.com/api/v10";
  /// Gateway URL; empty: asked with GET /gateway/bot.
  std::string gateway_url;
  /// Interactions older (or further ahead) than this are refused as replays;
  /// 0 turns the check off.
  std::int64_t signature_max_age_seconds = 300;
  /// The application's id (for webhook routes and command registration);
  /// empty: learned from GET /applications/@me or from an interaction.
  std::string application_id;
  /// The bot's activity text, e.g. "Listening to /help"; empty: none.
  std::string presence;
  /// Gateway shards; 0: the count Discord recommends.
  std::int64_t shards = 0;
  /// The durable inbox of gateway interactions: a claim's lease, and how
  /// long handled ones are kept.
  std::int64_t inbox_lease_seconds = 30;
  std::int64_t inbox_retention_hours = 24;
  /// REST retries after 5xx and network errors: the first wait, doubled
  /// after each attempt up to the second.
  std::int64_t rest_retry_base_ms = 500;
  std::int64_t rest_retry_max_ms = 4000;
};

struct cluster_settings {
  bool enabled = false;
  /// Where this node publishes its cluster endpoint (never all interfaces).
  std::string address = "127.0.0.1";
  std::int64_t port = 4280;
  /// Endpoints ("host:port") of nodes to join; they tell about the others.
  std::vector<std::string> seeds;
  /// PEM files of the cluster's private CA and of this node's certificate and
  /// key; all empty means plain TCP, allowed on loopback only.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  /// Nodes with another identifier refuse each other (middleman.app-identifiers).
  std::string app_identifier = "lastgram";
  /// Middleman heartbeats, and how long a silent peer stays connected.
  std::int64_t heartbeat_ms = 500;
  std::int64_t connection_timeout_ms = 2000;
  /// What this node offers to the cluster, e.g. "commands".
  std::vector<std::string> roles = {"commands"};
};

/// The library indexer (actors/indexer/): what it indexes and when.
struct indexer_settings {
  bool enabled = true;
  /// A full index is due this long after the last one.
  std::int64_t interval_hours = 48;
  /// Sooner for users active in groups (who ran a command in a group within
  /// the last `interval_hours`): their libraries feed who-knows and crowns.
  std::int64_t active_interval_hours = 12;
  /// Entries of a top list per Last.fm page (Last.fm's maximum is 1,000).
  std::int64_t page_size = 1000;
  /// How deep the top albums and top tracks go (all artists are indexed).
  std::int64_t album_depth = 5000;
  std::int64_t track_depth = 5000;
  /// How often the scheduler looks for due libraries.
  std::int64_t scan_seconds = 60;
  /// Between two /index requests of one user.
  std::int64_t refresh_cooldown_seconds = 3600;
  /// artist.getCorrection calls one full index may make at most, for the
  /// library's artist names whose correction is not known yet (most played
  /// first); the rest are looked up by later indexes.
  std::int64_t corrections_per_library = 10;
};

/// Everything a node needs, validated.
struct settings {
  node_settings node;
  scheduler_settings scheduler;
  log_settings log;
  supervision_settings supervision;
  command_settings command;
  server_settings server;
  database_settings database;
  cache_settings cache;
  lastfm_settings lastfm;
  i18n_settings i18n;
  lyrics_settings lyrics;
  image_settings image;
  indexer_settings indexer;
  console_settings console;
  telegram_settings telegram;
  discord_settings discord;
  cluster_settings cluster;
};

} // namespace lastgram
