#pragma once

/// Internal to the Discord actor (actors/multiplatform/discord*.cpp): its
/// state, private messages and shared functions.
/// - discord.cpp: the behaviour, interactions and their three seconds;
/// - discord_rest.cpp: REST calls with rate limits and retries;
/// - discord_route.cpp: the HTTP interactions endpoint;
/// - discord_autocomplete.cpp: suggestions as the user types.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/all.hpp"

#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord.hpp"
#include "messages/discord.hpp"
#include "platforms/discord/interaction.hpp"
#include "platforms/discord/rest.hpp"

// REST answers only travel from the HTTP client's thread back into the
// actor that asked; they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lastgram::discord::rest_result)

namespace lastgram::multiplatform::detail {

using dc_clock = std::chrono::steady_clock;

using dc_defer_atom = caf::atom_constant<caf::atom("dcdefer")>;
using dc_rest_atom = caf::atom_constant<caf::atom("dcrest")>;
using dc_done_atom = caf::atom_constant<caf::atom("dcdone")>;

/// Attempts of one REST call after network errors, 5xx and 429 answers.
constexpr int max_rest_attempts = 5;
/// Interactions remembered to drop one delivered twice.
constexpr std::size_t seen_capacity = 8192;

/// One REST call waiting for its bucket, in flight, or waiting to retry.
struct rest_job {
  std::string method;
  std::string path;
  std::string body;
  std::string route;
  /// A picture sent along as the attachment files[0] (multipart).
  std::shared_ptr<const std::string> jpeg;
  int attempts = 0;
  dc_clock::time_point deadline;
};

/// One interaction being answered.
struct open_interaction {
  discord::interaction what;
  /// Sends the interaction's first answer (the callback body): the HTTP
  /// response, or a REST POST for a gateway interaction.
  std::function<void(std::string)> answer;
  bool answered = false;
  /// A gateway interaction's callback route (answer POSTs there), which can
  /// take an upload; empty for one received over HTTP, whose answer is the
  /// HTTP response and carries no file.
  std::string callback_path;
};

struct discord_state {
  std::shared_ptr<const discord_options> opts;
  std::shared_ptr<discord::rest_client> rest;
  discord::rate_limits limits;
  std::unordered_map<std::uint64_t, rest_job> calls;
  std::uint64_t next_call = 1;
  std::unordered_map<std::string, open_interaction> open;
  std::unordered_set<std::string> seen;
  std::vector<std::string> seen_order;
  std::unordered_set<std::string> known_groups;
  bool stopped = false;
  /// Drains waiting for the open interactions and REST calls to finish.
  std::vector<std::pair<caf::typed_response_promise<std::int64_t>, dc_clock::time_point>> drains;
  metrics::counter interactions;
  metrics::counter deferred;
  metrics::counter too_late;
  static inline const char* name = "discord";
};

using discord_impl_actor = discord_actor::extend<
  caf::reacts_to<dc_defer_atom, std::string>, caf::reacts_to<dc_rest_atom, std::uint64_t>,
  caf::reacts_to<dc_done_atom, std::uint64_t, discord::rest_result>, caf::reacts_to<tick_atom>>;

using dc_self = discord_impl_actor::stateful_pointer<discord_state>;

// -- REST (discord_rest.cpp) ----------------------------------------------------

/// Queues a REST call (with `jpeg` as its attachment when set); it goes,
/// not before `start_after`, when its bucket and the global limit allow,
/// and is retried (429, 5xx, network) until `deadline_after` passes.
void rest_send(dc_self self, std::string method, std::string path, std::string body,
               std::chrono::milliseconds deadline_after = std::chrono::seconds{60},
               std::shared_ptr<const std::string> jpeg = nullptr,
               std::chrono::milliseconds start_after = std::chrono::milliseconds{0});
void rest_go(dc_self self, std::uint64_t id);
void rest_done(dc_self self, std::uint64_t id, discord::rest_result& res);

/// Answers the drains whose deadline passed, or all once nothing is left.
void finish_drains(dc_self self);

// -- autocomplete (discord_autocomplete.cpp) ------------------------------------

/// Answers an autocomplete interaction with `answer` (an interaction
/// callback of type 8) within opts->answer_within: suggestions for the
/// focused option when it names an artist, album or track, else none.
void run_autocomplete(dc_self self, const discord::interaction& i,
                      std::function<void(std::string)> answer);

} // namespace lastgram::multiplatform::detail
