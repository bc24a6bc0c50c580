#pragma once

/// Internal to the Telegram actor (actors/multiplatform/telegram*.cpp): its
/// state, its private messages and the functions its files share. The actor
/// is split by concern:
/// - telegram.cpp: the behaviour, getMe, drain and shutdown;
/// - telegram_receive.cpp: long polling, the stored offset and the holds on
///   polled updates, the webhook route;
/// - telegram_send.cpp: the outgoing queue, the limiter, retries;
/// - telegram_inline.cpp: inline queries;
/// - telegram_route.cpp: updates to the command engine, the event engine
///   and the database (chat-member changes).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/inbox_claimer.hpp"
#include "actors/multiplatform/telegram.hpp"
#include "messages/atoms.hpp"
#include "messages/groups.hpp"
#include "messages/model.hpp"
#include "messages/telegram.hpp"
#include "platforms/telegram/bot_api.hpp"
#include "platforms/telegram/inline_results.hpp"
#include "platforms/telegram/send_limiter.hpp"

// Bot API answers only travel from the HTTP client's thread back into the
// actor that asked; they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lastgram::telegram::api_result)

namespace lastgram::multiplatform::detail {

using clock_type = std::chrono::steady_clock;

using me_atom = caf::atom_constant<caf::atom("tgme")>;
using poll_atom = caf::atom_constant<caf::atom("tgpoll")>;
using polled_atom = caf::atom_constant<caf::atom("tgpolled")>;
using sent_atom = caf::atom_constant<caf::atom("tgsent")>;
using sweep_atom = caf::atom_constant<caf::atom("tgsweep")>;
using member_asked_atom = caf::atom_constant<caf::atom("tgmember")>;

/// The key of the polling offset in the database's platform state.
constexpr std::string_view offset_key = "telegram.offset";
/// Cache keys marking a polled update as answered, for a poller that takes
/// over and fetches again what its predecessor may have answered.
constexpr std::string_view done_prefix = "telegram:done:";
constexpr std::int64_t done_ttl_seconds = 86400;
/// Update ids remembered to drop a webhook update Telegram delivers twice.
constexpr std::size_t seen_updates_capacity = 8192;
/// Group chats remembered as stored in the database.
constexpr std::size_t known_groups_capacity = 100000;
/// Attempts of one send after network errors and 5xx answers.
constexpr int max_send_attempts = 4;
/// Sends handed to the Bot API at once, at most; the others wait in the
/// limiter. Well under the HTTP client's wait queue for a host (1,024), so
/// that a burst of answers queues here instead of being refused there.
constexpr std::size_t max_in_flight = 256;
/// How much sending the outgoing messages may represent before polling
/// waits: at the measured send rate, this long...
constexpr std::chrono::seconds outgoing_horizon{2};
/// ...but never less than this many messages (two full chats' queues, so
/// that one flooded chat alone never stops polling)...
constexpr std::size_t min_outgoing_bound = 200;
/// ...nor more than this many.
constexpr std::size_t max_outgoing_bound = 5000;

/// One message waiting for the limiter.
struct pending_send {
  /// upload: sendPhoto with `jpeg` as a file; edit_media: editMessageMedia
  /// with it.
  enum kind_t : std::uint8_t { text, photo, edit, upload, edit_media } kind = text;
  std::int64_t chat_id = 0;
  /// The text, or the caption of a photo.
  std::string html;
  std::string photo_url;
  /// A picture the bot drew (kinds upload and edit_media); shared, so that
  /// a retry or a fix-up copies no bytes.
  std::shared_ptr<const std::string> jpeg;
  std::int64_t reply_to = 0;
  /// The edited message (kind edit).
  std::int64_t message_id = 0;
  std::string keyboard;
  bool disable_preview = true;
  int attempts = 0;
  /// For the operator's log line.
  std::string command;
  /// The polled update this message answers (0: not tracked).
  std::int64_t update_id = 0;
  /// Handed to the Bot API, answer pending (not in the limiter).
  bool sending = false;
};

/// The answers of an inline query, collected from three command runs.
struct inline_job {
  std::string query_id;
  std::vector<telegram::inline_answer> results;
  int remaining = 0;
};

struct metric_set {
  metrics::counter updates_message;
  metrics::counter updates_edited;
  metrics::counter updates_callback;
  metrics::counter updates_inline;
  metrics::counter updates_member;
  metrics::counter updates_unsupported;
  metrics::counter updates_malformed;
  metrics::counter updates_duplicate;
  metrics::counter sends_dropped;
  /// lastgram_telegram_poll_waits_total: polls held back by the outgoing
  /// backlog (see outgoing_bound).
  metrics::counter poll_waits;
  metrics::gauge queue;
  /// lastgram_mailbox_backlog{engine="telegram"}: sampled on each poll and
  /// each pass over the outgoing queue.
  metrics::gauge backlog;
};

metric_set make_metrics();

/// A polled update with the JSON it came in, for the durable inbox.
struct polled_update {
  telegram::parsed_update update;
  std::string json;
};

struct telegram_state {
  std::shared_ptr<const telegram_options> opts;
  std::shared_ptr<telegram::bot_api> api;
  telegram::send_limiter limiter;
  std::unordered_map<std::uint64_t, pending_send> pending;
  std::uint64_t next_send_id = 1;
  /// Sends handed to the Bot API and not answered yet.
  std::size_t in_flight = 0;
  /// Sends answered per second (smoothed), measured over windows of about
  /// a second: sizes the outgoing backlog polling tolerates.
  double send_rate = 0;
  clock_type::time_point rate_window_start{};
  std::size_t rate_window_sends = 0;
  /// Polling waits for the backlog to drain (see backlog, poll and
  /// resume_polling).
  bool poll_waiting = false;
  std::optional<clock_type::time_point> timer_due;
  /// The bot's username in lower case ("" until getMe answered).
  std::string username;
  bool polling = false;
  /// This node currently holds the poller's role (see may_poll).
  bool leader = false;
  bool stopped = false;
  /// The next update to fetch.
  std::int64_t offset = 0;
  /// Polled updates not answered yet: update id -> what still holds it (its
  /// command run, its replies waiting to be sent). The stored offset never
  /// passes the oldest, so a poller that takes over after a crash fetches
  /// them again (and skips those marked done in the cache).
  std::map<std::int64_t, int> open;
  /// The offset last written to the database, and whether a write is in
  /// flight or another is due.
  std::int64_t stored_offset = 0;
  bool storing = false;
  bool store_again = false;
  std::chrono::milliseconds poll_backoff{0};
  std::chrono::milliseconds me_backoff{0};
  std::unordered_set<std::int64_t> seen;
  std::deque<std::int64_t> seen_order;
  std::unordered_set<std::string> known_groups;
  std::unordered_map<std::string, inline_job> inline_jobs;
  /// This actor's claims on the durable inbox, and its figures.
  inbox_claimer claims;
  /// Inbox updates being handled here: update id -> its first answer was
  /// marked replied (or that mark is on its way).
  std::unordered_map<std::int64_t, bool> inbox;
  std::vector<std::pair<caf::typed_response_promise<std::int64_t>, clock_type::time_point>> drains;
  /// getChatMember calls in flight: ask id -> who waits for the status.
  std::unordered_map<std::uint64_t, caf::typed_response_promise<std::string>> member_asks;
  std::uint64_t next_member_ask = 1;
  metric_set m = make_metrics();
  static inline const char* name = "telegram";
};

/// The telegram_actor door plus the actor's private messages: Bot API
/// answers handed back from the HTTP client's thread, and its timers.
using telegram_impl_actor = telegram_actor::extend<
  caf::reacts_to<me_atom>, caf::reacts_to<me_atom, telegram::api_result>,
  caf::reacts_to<poll_atom>, caf::reacts_to<polled_atom, telegram::api_result>,
  caf::reacts_to<sent_atom, std::uint64_t, telegram::api_result>, caf::reacts_to<tick_atom>,
  caf::reacts_to<sweep_atom>, caf::reacts_to<member_asked_atom, std::uint64_t, telegram::api_result>,
  caf::reacts_to<inbox_remark_atom, std::string, inbox_mark, std::int32_t>>;

using self_ptr = telegram_impl_actor::stateful_pointer<telegram_state>;

// -- helpers -------------------------------------------------------------------

/// A Telegram id from its decimal text; 0 when `s` is not one.
inline std::int64_t to_id(const std::string& s) {
  std::int64_t out = 0;
  bool neg = false;
  std::size_t i = 0;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    i = 1;
  }
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    out = out * 10 + (s[i] - '0');
  }
  return neg ? -out : out;
}

/// Outgoing messages: waiting in the limiter, or handed to the Bot API.
inline std::size_t outgoing(const telegram_state& st) {
  return st.limiter.size() + st.in_flight;
}

/// What polling weighs before fetching more: the outgoing messages, or the
/// polled updates not answered yet when those are more (a burst of commands
/// still running has queued few messages so far, but will).
inline std::size_t backlog(const telegram_state& st) {
  return std::max(outgoing(st), st.open.size());
}

/// The outgoing backlog at which polling waits: what the measured send rate
/// clears within `outgoing_horizon`, within [min, max]_outgoing_bound. A
/// poller that fetched faster than its answers go out would only grow this
/// process's queues (and, past the HTTP client's bound, lose answers);
/// waiting leaves the updates with Telegram, unconfirmed and safe.
inline std::size_t outgoing_bound(const telegram_state& st) {
  auto by_rate = static_cast<std::size_t>(st.send_rate * outgoing_horizon.count());
  return std::clamp(by_rate, min_outgoing_bound, max_outgoing_bound);
}

/// Doubles a retry delay, from 1 s up to 30 s.
inline std::chrono::milliseconds next_backoff(std::chrono::milliseconds current) {
  using namespace std::chrono_literals;
  if (current < 1s)
    return 1s;
  return std::min<std::chrono::milliseconds>(current * 2, 30s);
}

/// Runs `fn(result)` inside the actor: Bot API callbacks come from the HTTP
/// client's thread and must not touch the state directly. The callback
/// holds only the actor's address, so a pending call keeps nothing alive.
template <class Atom, class... Ts>
telegram::bot_api::callback back_to(self_ptr self, Atom tag, Ts... xs) {
  caf::actor_addr addr = self->address();
  return [addr, tag, xs...](telegram::api_result res) {
    if (auto hdl = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(hdl, tag, xs..., std::move(res));
  };
}

// -- receiving (telegram_receive.cpp) ------------------------------------------

/// Deletes any webhook and starts long polling.
void start_polling(self_ptr self);
void poll(self_ptr self);
/// Polls again once the backlog (see backlog) that held polling back fell to
/// half its bound; called as sends complete and updates are answered.
void resume_polling(self_ptr self);
void on_polled(self_ptr self, telegram::api_result& res);
/// One hold on a polled update more (its run, or one of its replies).
void hold(self_ptr self, std::int64_t update_id);
/// Drops one hold; the last one marks the update done (in the cache, for a
/// successor) and lets the stored offset move past it.
void release(self_ptr self, std::int64_t update_id);
/// Drops the poll's hold on an update the durable inbox now keeps: the
/// offset may move past it, and nothing is marked done (the inbox does it).
void unhold(self_ptr self, std::int64_t update_id);

// -- the durable inbox (telegram_inbox.cpp) ------------------------------------

/// Stores a webhook update in the inbox, answers once it is stored, then
/// handles it (unless Telegram delivered its id before).
caf::result<bool> record_update(self_ptr self, telegram::parsed_update u, std::string payload);
/// Stores a polled batch in the inbox before the next getUpdates confirms it
/// to Telegram (which then forgets it), and handles the stored updates in
/// order; `rest` gets the updates that could not be stored (the database is
/// down), to be handled without the inbox, as before it existed.
void record_polled(self_ptr self, std::vector<polled_update> batch,
                   std::function<void(std::vector<polled_update>)> rest);
/// Renews this process's claims, takes over the unfinished updates whose
/// claim ran out and handles them, prunes old done ones; then schedules the
/// next sweep (every third of the lease).
void sweep_inbox(self_ptr self);
/// True when `update_id` is an inbox update handled here: its last release
/// marks it done (inbox_done) instead of the polling bookkeeping.
bool in_inbox(self_ptr self, std::int64_t update_id);
/// Marks an inbox update done (after its answers went out).
void inbox_done(self_ptr self, std::int64_t update_id);
/// Marks an inbox update replied once its first answer was confirmed sent.
void inbox_replied(self_ptr self, std::int64_t update_id);
/// Retries a failed mark (the `attempt`-th try; see inbox_send_mark).
void inbox_remark(self_ptr self, const std::string& update_id, inbox_mark which,
                  std::int32_t attempt);

// -- sending (telegram_send.cpp) -----------------------------------------------

/// Queues `item` for the limiter; false (and counted) when it was dropped.
bool enqueue(self_ptr self, pending_send item);
/// Hands every send the limiter lets go to the Bot API and sets the timer
/// for the next one.
void pump(self_ptr self);
void on_sent(self_ptr self, std::uint64_t id, telegram::api_result& res);
/// Answers the drains whose deadline passed, or all once nothing is left.
void finish_drains(self_ptr self);
/// Queues one reply of the command engine; `update_id` (0: untracked) is
/// held until each of its pieces is sent.
void send_reply(self_ptr self, std::int64_t chat_id, const outgoing_reply& reply,
                const std::string& command, std::int64_t update_id = 0);
/// Queues the edit of a keyboard's message with `reply` (a button press).
void send_edit(self_ptr self, std::int64_t chat_id, std::int64_t message_id,
               const outgoing_reply& reply);

// -- inline mode (telegram_inline.cpp) -----------------------------------------

/// Runs /listening, /album and /artist for the querying user and answers
/// the query with their results.
void on_inline(self_ptr self, const telegram::inline_query& q);

// -- routing (telegram_route.cpp) ----------------------------------------------

/// Handles one update. A polled update (`tracked`) holds the stored offset
/// until it is answered.
void on_update(self_ptr self, telegram::parsed_update& u, bool tracked = false);
/// Stores a group chat in the database once (the first time it is seen).
void remember_group(self_ptr self, const chat_ref& chat);

/// Tells the database that a group's members changed: `a` left group `b`
/// (member_change::left), or group `a` became supergroup `b` (migrated).
void group_members_changed(self_ptr self, member_change change, const std::string& a,
                           const std::string& b);

} // namespace lastgram::multiplatform::detail
