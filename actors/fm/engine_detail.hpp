#pragma once

// Internal to the fm engine (engine.cpp, engine_flow.cpp): its state, its
// private messages and the steps of a request's life. Not for other engines.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "actors/support/text.hpp"
#include "caf/atom.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/message.hpp"
#include "caf/response_promise.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/fm/lanes.hpp"
#include "actors/fm/outage.hpp"
#include "actors/fm/rate_limiter.hpp"
#include "actors/fm/request.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/caching/cache.hpp"
#include "messages/cache.hpp"
#include "messages/fm.hpp"
#include "messages/fm_engine.hpp"
#include "messages/settings.hpp"

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::fm::detail {

// Internal messages: the engine's implementation extends the fm_actor door
// with these (they never leave the process).
using fm_wake_atom = caf::atom_constant<caf::atom("fmwake")>;
using fm_reply_atom = caf::atom_constant<caf::atom("fmreply")>;
using fm_retry_atom = caf::atom_constant<caf::atom("fmretry")>;
using fm_go_atom = caf::atom_constant<caf::atom("fmgo")>;

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
using std::chrono::milliseconds;

constexpr std::string_view engine_name = "fm";

// A parsed upstream answer, ready to deliver and to cache, or its error.
struct outcome {
  std::optional<fm_error> error;
  caf::message value;
  /// The serialized value for the cache; empty when it is not cached.
  std::string bytes;
};

using parse_fn = std::function<outcome(std::string_view body)>;

// One upstream request and everyone waiting for its answer.
struct job {
  fm_request req;
  std::string key;
  std::chrono::seconds ttl{0};
  std::string queue_key;
  time_point deadline;
  time_point sent_at;
  int attempt = 0;
  /// Listed in `inflight`, so identical requests join it.
  bool coalescible = false;
  /// A background refresh of a stale cache entry (nobody waits for it).
  bool refresh = false;
  /// The lane it waits in for a token.
  lane which = lane::interactive;
  parse_fn parse;
  std::vector<caf::response_promise> waiters;
  /// A cached copy too old to serve normally, marked with its age: the
  /// answer if this call fails while Last.fm is in an outage.
  std::optional<caf::message> fallback;
};

struct engine_state {
  lastfm_settings settings;
  std::shared_ptr<net::http_client> http;
  std::function<cache_actor()> cache;
  /// The node's in-process cache, called directly (null with Redis).
  std::shared_ptr<caching::cache> local_cache;
  bool shared_bucket = false;
  std::string bucket_key;
  std::optional<lane_queue<std::uint64_t>> queue;
  std::unordered_map<std::uint64_t, job> jobs;
  /// Coalescible jobs by cache key.
  std::unordered_map<std::string, std::uint64_t> inflight;
  /// Cache keys whose stale entry is being refreshed in the background.
  std::unordered_set<std::string> refreshing;
  std::uint64_t next_id = 1;
  /// When the pending wake-up timer fires; none pending when empty.
  std::optional<time_point> wake_at;
  std::minstd_rand rng{std::random_device{}()};
  metrics::gauge queue_depth;
  /// lastgram_mailbox_backlog{engine="fm"}, sampled on every request.
  metrics::gauge backlog = metrics::get_gauge(
    "lastgram_mailbox_backlog", "Messages waiting in an engine's mailbox", {{"engine", "fm"}});
  metrics::gauge bucket_level;
  metrics::counter coalesced;
  metrics::counter cache_hits;
  metrics::counter cache_misses;
  /// Calls of the background lane sent upstream.
  metrics::counter background_calls;
  metrics::gauge background_depth;
  /// Whether Last.fm is in an outage, from the results of our own calls.
  outage_tracker outage;
  metrics::gauge outage_gauge;
  metrics::counter outage_served;

  static inline const char* name = "fm_engine";
};

/// The fm_actor door plus the engine's private messages.
using engine_impl_actor = fm_actor::extend<
  caf::reacts_to<fm_wake_atom>, caf::reacts_to<fm_retry_atom, std::uint64_t>,
  caf::reacts_to<fm_go_atom, std::uint64_t>,
  caf::reacts_to<fm_reply_atom, std::uint64_t, std::int32_t, std::int32_t, std::string,
                 std::string>>;

using self_ptr = engine_impl_actor::stateful_pointer<engine_state>;


inline std::string user_queue_key(std::string_view user) {
  return user.empty() ? std::string{"global"} : "user:" + to_lower_ascii(user);
}

template <class T>
std::string to_bytes(caf::actor_system& sys, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(x))
    return {};
  return std::string(buf.begin(), buf.end());
}

template <class T>
std::optional<T> from_bytes(caf::actor_system& sys, std::string_view bytes) {
  T x;
  caf::binary_deserializer source{sys, bytes.data(), bytes.size()};
  if (auto err = source(x))
    return std::nullopt;
  if (source.remaining() != 0)
    return std::nullopt;
  return x;
}


/// Cached answers carry the time until which they are fresh: after it, and
/// until the cache drops them (`stale_window` later), they are still served
/// at once while one background call refreshes them, so a reader never
/// waits for Last.fm because an entry just expired.
constexpr std::string_view fresh_magic = "SWR1";

/// How long a stale answer may still be served: half its TTL, at least 1 s.
inline std::chrono::seconds stale_window(std::chrono::seconds ttl) {
  return std::max(ttl / 2, std::chrono::seconds{1});
}

inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// `bytes` behind a header saying they are fresh for `ttl` from now.
inline std::string with_freshness(std::string bytes, std::chrono::seconds ttl) {
  auto until = static_cast<std::uint64_t>(
    unix_ms_now() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count());
  std::string out;
  out.reserve(fresh_magic.size() + 8 + bytes.size());
  out.append(fresh_magic);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((until >> shift) & 0xff));
  out.append(bytes);
  return out;
}

/// A cached entry split into its payload and whether it is still fresh;
/// nothing for an entry without the header (an older format: a miss).
struct cached_entry {
  std::string_view payload;
  bool fresh = true;
  /// Unix milliseconds until which it is fresh.
  std::int64_t until_ms = 0;
};

inline std::optional<cached_entry> read_freshness(std::string_view bytes) {
  if (bytes.size() < fresh_magic.size() + 8 || bytes.substr(0, fresh_magic.size()) != fresh_magic)
    return std::nullopt;
  std::uint64_t until = 0;
  for (std::size_t k = 0; k < 8; ++k)
    until = (until << 8) | static_cast<unsigned char>(bytes[fresh_magic.size() + k]);
  cached_entry e;
  e.payload = bytes.substr(fresh_magic.size() + 8);
  e.until_ms = static_cast<std::int64_t>(until);
  e.fresh = e.until_ms > unix_ms_now();
  return e;
}

/// How a cached entry found for a job is used.
enum class cached_use {
  /// Served as it is: fresh, or stale within its window (refreshed behind).
  serve,
  /// Served marked with its age: Last.fm is in an outage.
  serve_aged,
  /// Not served; kept as the job's fallback should Last.fm fail in an outage.
  fallback,
};

/// Decides how `entry`, found for `j`, is used.
cached_use use_of(const engine_state& st, const job& j, const cached_entry& entry);

/// The age in seconds of an entry fresh until `until_ms` for `ttl`.
inline std::int64_t age_seconds(std::int64_t until_ms, std::chrono::seconds ttl) {
  auto written = until_ms - std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  return std::max<std::int64_t>(0, (unix_ms_now() - written) / 1000);
}

/// Marks an answer served from the cache during an outage with its age;
/// answers that carry no age are left as they are.
template <class T>
void mark_age(T&, std::int64_t) {
}
inline void mark_age(recent_tracks& x, std::int64_t s) {
  x.cached_age_seconds = s;
}
inline void mark_age(top_list& x, std::int64_t s) {
  x.cached_age_seconds = s;
}
inline void mark_age(user_info& x, std::int64_t s) {
  x.cached_age_seconds = s;
}

inline cache_actor current_cache(engine_state& st) {
  return st.cache ? st.cache() : cache_actor{};
}

/// Answers every waiter of job `id` with `msg` and forgets the job.
void succeed(self_ptr self, std::uint64_t id, caf::message msg);

/// Queues job `id` for a token (or answers busy when the queue is full).
void enqueue(self_ptr self, std::uint64_t id);

/// Serves what the rate allows, expires what waited too long, and schedules
/// the next wake-up.
void pump(self_ptr self);

/// Continues job `id` once it may spend a cluster-wide token.
void take_shared_token(self_ptr self, std::uint64_t id);

/// Handles the HTTP result of job `id`: answer, retry or fail.
void on_reply(self_ptr self, std::uint64_t id, std::int32_t http_error,
              std::int32_t status, std::string& body, std::string& error_text);

/// Sets the queue depth and bucket level gauges.
void update_gauges(engine_state& st, std::chrono::steady_clock::time_point now);

} // namespace lastgram::fm::detail
