#pragma once

/// The node's engines as data: one descriptor per engine (its name, its
/// supervised actors and how each is spawned), built from the settings and
/// the parts every engine shares. runtime/node.cpp starts the tree from
/// these descriptors in the order DESIGN.md draws it.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/support/engines.hpp"
#include "messages/console.hpp"
#include "messages/discord.hpp"
#include "messages/discord_gateway.hpp"
#include "messages/translation.hpp"
#include "messages/telegram.hpp"
#include "runtime/config.hpp"
#include "runtime/supervisor.hpp"

namespace lastgram {
class health_board;
} // namespace lastgram

namespace lastgram::command {
struct environment;
} // namespace lastgram::command

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::database {
class pg_lane;
} // namespace lastgram::database

namespace lastgram::caching {
class cache;
class redis_lane;
class memory_cache;
} // namespace lastgram::caching

namespace lastgram::cluster {
class roster;
class shard_placement;
} // namespace lastgram::cluster

namespace lastgram::console {
struct options;
} // namespace lastgram::console

namespace lastgram::multiplatform {
struct telegram_options;
struct discord_options;
} // namespace lastgram::multiplatform

namespace lastgram::runtime {

struct gateway_plan;

/// The cluster role of the members running the Discord gateway, and the
/// keys its singletons hash on: shard k is "discord-shard-k", and the
/// identify gate that spaces every member's identifies is one more.
inline constexpr std::string_view discord_role = "discord";
inline constexpr std::string_view discord_shard_prefix = "discord-shard-";
inline constexpr std::string_view identify_gate_key = "discord-identify-gate";

/// What the engines of one node share. Built once by the node; the spawn
/// functions of the descriptors keep it alive.
struct node_parts {
  settings values;
  std::string node_name;
  std::shared_ptr<health_board> health;
  /// Every engine's current handle, behind its typed door.
  std::shared_ptr<engine_handles> engines = std::make_shared<engine_handles>();
  /// The platform actors, which only the node itself talks to.
  handle_slot<console_actor> console;
  handle_slot<telegram_actor> telegram;
  handle_slot<discord_actor> discord;
  std::shared_ptr<command::environment> env;
  /// What every engine reads; the translation engine alone replaces its
  /// content (SIGHUP), through `live_texts` (the same object).
  std::shared_ptr<const i18n::catalog> texts;
  std::shared_ptr<i18n::catalog> live_texts;
  /// The locale settings with the directory resolved.
  i18n_settings locales;
  /// The translation engine, which SIGHUP asks to reload.
  std::shared_ptr<handle_slot<translation_actor>> translation
    = std::make_shared<handle_slot<translation_actor>>();
  std::shared_ptr<net::http_client> http;
  /// PostgreSQL's pipelined lane on the HTTP client's loop (pg_lane.hpp),
  /// made with the database engine's first start; null on SQLite. After
  /// `http`: it goes first.
  std::shared_ptr<database::pg_lane> pg_lane;
  /// Redis's pipelined lane on the same loop (caching/redis_lane.hpp), made
  /// with the caching engine's first start; null without Redis.
  std::shared_ptr<caching::redis_lane> redis_lane;
  /// The node's in-process cache: the caching engine's memory tier, which it
  /// keeps across restarts. Without Redis the fm and command engines call it
  /// directly (`direct_cache`); with Redis that is null and they go through
  /// the caching engine.
  std::shared_ptr<caching::memory_cache> memory_cache;
  std::shared_ptr<caching::cache> direct_cache;
  /// The cluster's members (empty when the cluster is off).
  std::shared_ptr<cluster::roster> roster;
  /// Null when that platform is off on this node.
  std::shared_ptr<console::options> console_opts;
  std::shared_ptr<multiplatform::telegram_options> telegram_opts;
  std::shared_ptr<multiplatform::discord_options> discord_opts;
  /// The Discord gateway's shards; null unless discord.mode is gateway.
  std::shared_ptr<gateway_plan> discord_gateway;
  /// Where those shards run in a cluster; null without a cluster (then
  /// this node runs them all).
  std::shared_ptr<cluster::shard_placement> discord_shards;
};

/// One engine: a supervised subtree of named actors.
struct engine_descriptor {
  /// The engine's name in /readyz, /diag and the logs.
  std::string name;
  /// Its actors, started in order; the supervisor restarts each on failure.
  std::vector<child_spec> children;
};

/// The node's engines in tree order; engines with nothing to do on this
/// node (no platform, server off) are left out.
std::vector<engine_descriptor> engine_tree(const std::shared_ptr<node_parts>& parts);

/// The root supervisor's spec: one supervisor per descriptor.
supervisor_spec root_spec(const std::vector<engine_descriptor>& tree, const node_parts& parts);

} // namespace lastgram::runtime
