#pragma once

/// Internal to the Discord actor (actors/multiplatform/discord*.cpp): its
/// state, private messages and shared functions.
/// - discord.cpp: the behaviour, interactions and their three seconds;
/// - discord_rest.cpp: REST calls with rate limits and retries;
/// - discord_route.cpp: the HTTP interactions endpoint;
/// - discord_autocomplete.cpp: suggestions as the user types.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/all.hpp"

#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord.hpp"
#include "actors/multiplatform/inbox_claimer.hpp"
#include "messages/discord.hpp"
#include "messages/model.hpp"
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
using dc_sweep_atom = caf::atom_constant<caf::atom("dcsweep")>;

/// Attempts of one REST call after network errors, 5xx and 429 answers.
constexpr int max_rest_attempts = 5;
/// Interactions remembered to drop one delivered twice.
constexpr std::size_t seen_capacity = 8192;
/// How long an interaction token lasts: a taken-over interaction older than
/// this cannot be finished any more.
constexpr std::int64_t token_lifetime_s = 15 * 60;

/// What a REST call is for, beyond its request.
struct rest_purpose {
  /// The inbox interaction it answers ("" for none): its done mark waits
  /// for the call to end.
  std::string inbox_id;
  /// The interaction callback (its acknowledgement): once it succeeds the
  /// inbox marks the interaction replied.
  bool callback = false;
  /// Someone waits for what it carries (an answer or a follow-up): when
  /// Discord keeps failing, errors.generic in `language` is sent instead.
  bool user_waits = false;
  std::string language;
};

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
  rest_purpose purpose;
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
  /// Its id when the durable inbox keeps it ("" otherwise).
  std::string inbox_id;
};

/// An inbox interaction being answered here: its REST calls still going,
/// whether its handling is over (every answer queued), and whether its
/// callback went through (marked replied).
struct inbox_track {
  int calls = 0;
  bool finished = false;
  bool acked = false;
};

/// A gateway interaction whose inbox record has not been settled yet, or
/// whose turn has not come: interactions are handled in the order they
/// arrived, whatever order their records settle in (a /register then an
/// /ln of the same user must run in that order).
struct pending_record {
  std::string id;
  std::shared_ptr<discord::interaction> what;
  enum class then { wait, handle_kept, handle_unkept, leave } next = then::wait;
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
  /// The durable inbox of gateway interactions (claims, sweeps, figures).
  inbox_claimer claims;
  std::unordered_map<std::string, inbox_track> tracked;
  std::deque<pending_record> recording;
  bool stopped = false;
  /// Drains waiting for the open interactions and REST calls to finish.
  std::vector<std::pair<caf::typed_response_promise<std::int64_t>, dc_clock::time_point>> drains;
  metrics::counter interactions;
  metrics::counter deferred;
  metrics::counter too_late;
  metrics::counter gave_up;
  static inline const char* name = "discord";
};

using discord_impl_actor = discord_actor::extend<
  caf::reacts_to<dc_defer_atom, std::string>, caf::reacts_to<dc_rest_atom, std::uint64_t>,
  caf::reacts_to<dc_done_atom, std::uint64_t, discord::rest_result>, caf::reacts_to<tick_atom>,
  caf::reacts_to<dc_sweep_atom>,
  caf::reacts_to<inbox_remark_atom, std::string, inbox_mark, std::int32_t>>;

using dc_self = discord_impl_actor::stateful_pointer<discord_state>;

// -- REST (discord_rest.cpp) ----------------------------------------------------

/// Queues a REST call (with `jpeg` as its attachment when set); it goes,
/// not before `start_after`, when its bucket and the global limit allow,
/// and is retried until `deadline_after` passes: after a 429 when Discord
/// says (retry_after, Retry-After, X-RateLimit-Reset-After), after a 5xx or
/// a network error with a backoff (discord.rest-retry-base-ms doubling up
/// to discord.rest-retry-max-ms), max_rest_attempts in all. A call given up
/// is counted (lastgram_discord_rest_gave_up_total) and, when a user waits
/// for it, replaced by errors.generic.
void rest_send(dc_self self, std::string method, std::string path, std::string body,
               std::chrono::milliseconds deadline_after = std::chrono::seconds{60},
               std::shared_ptr<const std::string> jpeg = nullptr,
               std::chrono::milliseconds start_after = std::chrono::milliseconds{0},
               rest_purpose purpose = {});
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

/// The wait before attempt `attempts + 1` of a call that got a 5xx or a
/// network error: base doubled per attempt made, at most `max`.
std::chrono::milliseconds retry_backoff(int attempts, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max);

/// errors.generic (or another key) in the language of `hint`, ephemeral.
outgoing_reply plain_reply(dc_self self, const std::string& hint, std::string_view key);

// -- interactions (discord.cpp) -------------------------------------------------

/// Handles one interaction; `answer` sends its first answer, to
/// `callback_path` over REST for a gateway interaction ("" over HTTP).
/// `inbox_id` is its id when the durable inbox keeps it.
void on_interaction(dc_self self, discord::interaction i, std::function<void(std::string)> answer,
                    std::string callback_path = {}, std::string inbox_id = {});
/// Runs again an interaction taken over from the inbox that was
/// acknowledged (deferred): its answer edits @original.
void rerun_acknowledged(dc_self self, discord::interaction i);
/// The POST sending a gateway interaction's callback `body`.
void send_callback(dc_self self, const std::string& path, std::string body,
                   const std::string& inbox_id);

// -- the durable inbox (discord_inbox.cpp) --------------------------------------

/// Sets up the claims (platform discord) and starts the sweeps.
void start_inbox(dc_self self);
/// A gateway interaction: stored in the inbox, then handled; handled
/// without it when the database cannot store it (and cannot say who holds
/// its row). A re-delivery the inbox knows is left to the row's holder.
void record_interaction(dc_self self, discord::interaction i, std::string payload);
/// Retries a failed mark (the `attempt`-th try; see inbox_send_mark).
void inbox_remark(dc_self self, const std::string& inbox_id, inbox_mark which,
                  std::int32_t attempt);
/// One sweep: renew, take over, prune (see inbox_claimer.hpp).
void sweep_inbox(dc_self self);
/// A REST call of inbox interaction `purpose.inbox_id` starts.
void inbox_call_started(dc_self self, const rest_purpose& purpose);
/// It ended (`ok`: Discord took it); the callback marks it replied.
void inbox_call_over(dc_self self, const rest_purpose& purpose, bool ok);
/// Its handling is over (every answer queued): done once its calls end.
void inbox_finished(dc_self self, const std::string& inbox_id);

} // namespace lastgram::multiplatform::detail
