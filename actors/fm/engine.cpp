#include "actors/fm/engine.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "caf/all.hpp"

#include "actors/fm/engine_detail.hpp"
#include "actors/fm/parse.hpp"
#include "actors/fm/request.hpp"
#include "actors/logging/log.hpp"
#include "actors/support/exceptions.hpp"
#include "messages/cache.hpp"
#include "messages/errors.hpp"
#include "messages/fm_engine.hpp"

namespace lastgram::fm {

namespace {

using namespace detail;

/// Starts one upstream call that refreshes job `id`'s stale cache entry,
/// unless one already runs; nobody waits for it.
void refresh_in_background(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end() || !st.refreshing.insert(i->second.key).second)
    return;
  job r;
  r.req = i->second.req;
  r.key = i->second.key;
  r.ttl = i->second.ttl;
  r.queue_key = i->second.queue_key;
  r.deadline = clock::now() + milliseconds{st.settings.deadline_ms};
  r.parse = i->second.parse;
  r.refresh = true;
  auto rid = st.next_id++;
  st.jobs.emplace(rid, std::move(r));
  enqueue(self, rid);
}

/// What the cache held for job `id` (a miss when not found): served, kept
/// as an outage fallback, or the call goes on to Last.fm.
template <class T>
void on_cache_read(self_ptr self, std::uint64_t id, const cache_value& v) {
  auto& state = self->state;
  if (state.jobs.count(id) == 0)
    return;
  if (v.found) {
    auto entry = read_freshness(v.value);
    if (entry) {
      if (auto x = from_bytes<T>(self->system(), entry->payload)) {
        auto& queued = state.jobs.at(id);
        auto use = use_of(state, queued, *entry);
        if (use != cached_use::serve)
          mark_age(*x, age_seconds(entry->until_ms, queued.ttl));
        if (use == cached_use::fallback) {
          queued.fallback = caf::make_message(std::move(*x));
        } else {
          state.cache_hits.inc();
          if (use == cached_use::serve_aged)
            state.outage_served.inc();
          // A stale entry is refreshed behind the answer; during an
          // outage that refresh is also the probe that ends it.
          if (!entry->fresh)
            refresh_in_background(self, id);
          succeed(self, id, caf::make_message(std::move(*x)));
          return;
        }
      }
    }
  }
  state.cache_misses.inc();
  enqueue(self, id);
}

template <class T, class Parser>
caf::result<T> start(self_ptr self, fm_request req, std::string queue_key, Parser parser,
                     lane which = lane::interactive) {
  auto& st = self->state;
  // In an outage background work pauses: its calls would only fail, and
  // the indexer waits (messages/fm_engine.hpp) instead of failing library
  // after library. Interactive calls and cache refreshes probe the end.
  if (which == lane::background && st.outage.active())
    return make_error(fm_errc::service_offline, "Last.fm outage: background calls paused");
  auto rp = self->make_response_promise();
  st.backlog.set(static_cast<double>(self->mailbox().size()));
  auto key = cache_key(req);
  // Background pages (1,000 entries each) are read once by the indexer:
  // caching them would only push interactive answers out of the cache.
  auto ttl = which == lane::background ? std::chrono::seconds{0} : cache_ttl(req);
  if (which == lane::background)
    key = "bg:" + key;
  bool coalescible = !req.is_write && !req.needs_signature;
  if (coalescible) {
    if (auto i = st.inflight.find(key); i != st.inflight.end()) {
      if (auto j = st.jobs.find(i->second); j != st.jobs.end()) {
        j->second.waiters.push_back(rp);
        st.coalesced.inc();
        return rp;
      }
      st.inflight.erase(i);
    }
  }
  auto id = st.next_id++;
  job j;
  j.req = std::move(req);
  j.key = key;
  j.ttl = ttl;
  j.queue_key = std::move(queue_key);
  j.deadline = clock::now()
               + milliseconds{which == lane::background ? st.settings.background_deadline_ms
                                                        : st.settings.deadline_ms};
  j.coalescible = coalescible;
  j.which = which;
  j.parse = [sys = &self->system(), parser,
             cacheable = ttl.count() > 0](std::string_view body) -> outcome {
    parse_result<T> r = parser(body);
    outcome out;
    if (!r) {
      out.error = r.error();
      return out;
    }
    if (cacheable)
      out.bytes = to_bytes(*sys, r.value());
    out.value = caf::make_message(std::move(r).value());
    return out;
  };
  j.waiters.push_back(rp);
  st.jobs.emplace(id, std::move(j));
  if (coalescible)
    st.inflight.emplace(key, id);
  if (ttl.count() > 0 && st.local_cache) {
    // The node's own memory: a function call, no round trip.
    cache_value v;
    if (auto got = st.local_cache->get(key); got && *got) {
      v.found = true;
      v.value = std::move(**got);
    }
    on_cache_read<T>(self, id, v);
    return rp;
  }
  auto cache = ttl.count() > 0 ? current_cache(st) : cache_actor{};
  if (!cache) {
    enqueue(self, id);
    return rp;
  }
  self->request(cache, cache_read_timeout, get_atom::value, key)
    .then([self, id](const cache_value& v) { on_cache_read<T>(self, id, v); },
          [self, id](caf::error&) {
            self->state.cache_misses.inc();
            enqueue(self, id);
          });
  return rp;
}

fm_request top_request(const top_query& q) {
  switch (q.kind) {
    case top_kind::albums:
      return user_get_top_albums(q.user, q.range, q.limit, q.page);
    case top_kind::tracks:
      return user_get_top_tracks(q.user, q.range, q.limit, q.page);
    default:
      return user_get_top_artists(q.user, q.range, q.limit, q.page);
  }
}

fm_request recent_request(const recent_query& q) {
  recent_tracks_query rq;
  rq.user = q.user;
  rq.limit = q.limit;
  rq.page = q.page;
  rq.from = q.from;
  rq.to = q.to;
  rq.extended = q.extended;
  return user_get_recent_tracks(rq);
}

/// The engine's state at start: its queue and bucket, its metrics.
void init_state(engine_state& st, lastfm_settings settings,
                std::shared_ptr<net::http_client> http, std::function<cache_actor()> cache,
                bool shared_bucket) {
  log::add_secret(settings.api_key);
  log::add_secret(settings.api_secret);
  auto now = clock::now();
  // 0 means no limit: a bucket of one token a nanosecond never makes
  // anyone wait.
  auto rate = settings.rate_per_second == 0
                ? unlimited_rate
                : static_cast<double>(std::max<std::int64_t>(settings.rate_per_second, 1));
  st.queue.emplace(token_bucket{rate, 1, now},
                   static_cast<std::size_t>(std::max<std::int64_t>(settings.queue_limit, 1)),
                   static_cast<std::size_t>(
                     std::max<std::int64_t>(settings.background_queue_limit, 1)),
                   static_cast<int>(settings.background_share_percent));
  st.bucket_key = "lastfm:" + md5_hex(settings.api_key).substr(0, 16);
  st.settings = std::move(settings);
  st.http = std::move(http);
  st.cache = std::move(cache);
  st.shared_bucket = shared_bucket;
  st.queue_depth = metrics::get_gauge("lastgram_lastfm_queue_depth",
                                      "Interactive Last.fm calls waiting for a token.");
  st.background_depth = metrics::get_gauge(
    "lastgram_lastfm_background_queue_depth",
    "Background (indexing) Last.fm calls waiting for a token.");
  st.background_calls = metrics::get_counter(
    "lastgram_lastfm_background_calls_total",
    "Background (indexing) Last.fm calls sent upstream.");
  st.bucket_level = metrics::get_gauge("lastgram_lastfm_bucket_level",
                                       "Tokens in the local Last.fm bucket.");
  st.coalesced = metrics::get_counter(
    "lastgram_lastfm_coalesced_total",
    "Requests answered by another identical in-flight Last.fm call.");
  st.cache_hits = metrics::get_counter("lastgram_lastfm_cache_hits_total",
                                       "Last.fm reads answered from cache.");
  st.cache_misses = metrics::get_counter("lastgram_lastfm_cache_misses_total",
                                         "Last.fm reads the cache missed.");
  outage_tracker::options outage;
  outage.threshold = static_cast<double>(st.settings.outage_threshold_percent) / 100.0;
  outage.min_calls = st.settings.outage_min_calls;
  st.outage = outage_tracker{outage};
  st.outage_gauge = metrics::get_gauge(
    "lastgram_lastfm_outage", "1 while Last.fm is in an outage (answers come from the cache).");
  st.outage_gauge.set(0);
  st.outage_served = metrics::get_counter(
    "lastgram_lastfm_outage_answers_total",
    "Answers served from the cache, marked with their age, during a Last.fm outage.");
  update_gauges(st, now);
}

/// The parser of a top list of `kind` over `range`.
std::function<parse_result<top_list>(std::string_view)> top_parser(top_kind kind, period range) {
  return [range, kind](std::string_view b) {
    switch (kind) {
      case top_kind::albums:
        return parse_top_albums(b, range);
      case top_kind::tracks:
        return parse_top_tracks(b, range);
      default:
        return parse_top_artists(b, range);
    }
  };
}

engine_impl_actor::behavior_type engine_impl(self_ptr self, lastfm_settings settings,
                                             std::shared_ptr<net::http_client> http,
                                             std::function<cache_actor()> cache,
                                             bool shared_bucket,
                                             std::shared_ptr<caching::cache> local_cache) {
  keep_exception_text(self);
  init_state(self->state, std::move(settings), std::move(http), std::move(cache), shared_bucket);
  self->state.local_cache = std::move(local_cache);
  return {
    [self](fm_user_atom, const std::string& user) {
      return start<user_info>(self, user_get_info(user), user_queue_key(user),
                              [](std::string_view b) {
                                return parse_user_info(b);
                              });
    },
    [self](const recent_query& q) {
      return start<recent_tracks>(self, recent_request(q), user_queue_key(q.user),
                                  [](std::string_view b) {
                                    return parse_recent_tracks(b);
                                  });
    },
    [self](const top_query& q) {
      return start<top_list>(self, top_request(q), user_queue_key(q.user),
                             top_parser(q.kind, q.range));
    },
    [self](fm_background_atom, const top_query& q) {
      return start<top_list>(self, top_request(q), user_queue_key(q.user),
                             top_parser(q.kind, q.range), lane::background);
    },
    [self](fm_background_atom, const recent_query& q) {
      return start<recent_tracks>(
        self, recent_request(q), user_queue_key(q.user),
        [](std::string_view b) {
          return parse_recent_tracks(b);
        },
        lane::background);
    },
    [self](fm_background_atom, fm_user_atom, const std::string& user) {
      return start<user_info>(
        self, user_get_info(user), user_queue_key(user),
        [](std::string_view b) { return parse_user_info(b); }, lane::background);
    },
    [self](fm_background_atom, fm_correction_atom, const std::string& artist) {
      return start<artist_correction>(
        self, artist_get_correction(artist), "global",
        [](std::string_view b) { return parse_artist_correction(b); }, lane::background);
    },
    [self](fm_artist_atom, const entity_query& q) {
      return start<artist_info>(self, artist_get_info(q.artist, q.username),
                                user_queue_key(q.username),
                                [](std::string_view b) {
                                  return parse_artist_info(b);
                                });
    },
    [self](fm_album_atom, const entity_query& q) {
      return start<album_info>(self,
                               album_get_info(q.artist, q.name, q.username),
                               user_queue_key(q.username),
                               [](std::string_view b) {
                                 return parse_album_info(b);
                               });
    },
    [self](fm_track_atom, const entity_query& q) {
      return start<track_info>(self,
                               track_get_info(q.artist, q.name, q.username),
                               user_queue_key(q.username),
                               [](std::string_view b) {
                                 return parse_track_info(b);
                               });
    },
    [self](fm_similar_atom, const std::string& artist, std::int32_t limit) {
      return start<similar_artists>(self, artist_get_similar(artist, limit),
                                    "global", [](std::string_view b) {
                                      return parse_similar_artists(b);
                                    });
    },
    [self](const love_query& q) {
      auto req = q.love ? track_love(q.artist, q.track, q.session_key)
                        : track_unlove(q.artist, q.track, q.session_key);
      return start<write_ack>(self, std::move(req), "write",
                              [](std::string_view b) {
                                return parse_write_ack(b);
                              });
    },
    [self](fm_token_atom) {
      return start<auth_token>(self, auth_get_token(), "auth",
                               [](std::string_view b) {
                                 return parse_auth_token(b);
                               });
    },
    [self](fm_session_atom, const std::string& token) {
      return start<auth_session>(self, auth_get_session(token), "auth",
                                 [](std::string_view b) {
                                   return parse_auth_session(b);
                                 });
    },
    // -- internal -------------------------------------------------------------
    [self](fm_wake_atom) {
      auto& state = self->state;
      if (state.wake_at && clock::now() >= *state.wake_at)
        state.wake_at.reset();
      pump(self);
    },
    [self](fm_retry_atom, std::uint64_t id) { enqueue(self, id); },
    [self](fm_go_atom, std::uint64_t id) { take_shared_token(self, id); },
    [self](fm_reply_atom, std::uint64_t id, std::int32_t http_error,
           std::int32_t status, std::string& body, std::string& error_text) {
      on_reply(self, id, http_error, status, body, error_text);
    },
  };
}

} // namespace

fm_actor spawn_engine(caf::local_actor* parent, lastfm_settings settings,
                      std::shared_ptr<net::http_client> http,
                      std::function<cache_actor()> cache, bool shared_bucket,
                      std::shared_ptr<caching::cache> local_cache) {
  return parent->spawn(engine_impl, std::move(settings), std::move(http),
                       std::move(cache), shared_bucket, std::move(local_cache));
}

} // namespace lastgram::fm
