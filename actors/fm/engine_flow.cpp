#include <algorithm>
#include <string>
#include <utility>

#include "caf/all.hpp"

#include "actors/fm/engine.hpp"
#include "actors/fm/engine_detail.hpp"
#include "actors/fm/parse.hpp"
#include "actors/logging/log.hpp"
#include "messages/cache.hpp"
#include "messages/errors.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::fm::detail {

namespace {

void count_call(std::string_view method, std::string_view outcome_name) {
  metrics::get_counter("lastgram_lastfm_calls_total",
                       "Last.fm calls by method and outcome.",
                       {{"method", method}, {"outcome", outcome_name}})
    .inc();
}


} // namespace

cached_use use_of(const engine_state& st, const job& j, const cached_entry& entry) {
  if (entry.fresh)
    return cached_use::serve;
  auto stale_ms = unix_ms_now() - entry.until_ms;
  if (serves_stale(j.req)
      && stale_ms < std::chrono::duration_cast<milliseconds>(stale_window(j.ttl)).count())
    return cached_use::serve;
  return st.outage.active() ? cached_use::serve_aged : cached_use::fallback;
}

void update_gauges(engine_state& st, time_point now) {
  st.queue_depth.set(static_cast<double>(st.queue->size(lane::interactive)));
  st.background_depth.set(static_cast<double>(st.queue->size(lane::background)));
  st.bucket_level.set(st.queue->bucket_level(now));
}

namespace {

// Removes job `id` and answers every waiter with `msg` or `err`.
void finish(self_ptr self, std::uint64_t id, const caf::message* msg,
            const caf::error* err) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto j = std::move(i->second);
  st.jobs.erase(i);
  if (j.coalescible) {
    auto k = st.inflight.find(j.key);
    if (k != st.inflight.end() && k->second == id)
      st.inflight.erase(k);
  }
  if (j.refresh)
    st.refreshing.erase(j.key);
  for (auto& rp : j.waiters) {
    if (msg)
      rp.deliver(*msg);
    else
      rp.deliver(*err);
  }
}

} // namespace

void succeed(self_ptr self, std::uint64_t id, caf::message msg) {
  finish(self, id, &msg, nullptr);
}

namespace {

void fail(self_ptr self, std::uint64_t id, const fm_error& e) {
  auto& st = self->state;
  if (auto i = st.jobs.find(id);
      i != st.jobs.end() && i->second.fallback && st.outage.active()) {
    // Last.fm is in an outage and the cache has an older answer: that,
    // marked with its age, rather than an error.
    st.outage_served.inc();
    auto msg = std::move(*i->second.fallback);
    finish(self, id, &msg, nullptr);
    return;
  }
  auto err = make_error(e.code, e.message);
  finish(self, id, nullptr, &err);
}

/// Whether `e` is Last.fm's trouble (it counts toward an outage), rather
/// than an answer about the request (unknown user, private profile).
bool is_outage_failure(const fm_error& e) {
  return is_transient(e) || e.code == fm_errc::malformed_response
         || e.code == fm_errc::rate_limited;
}

/// Feeds one finished call to the outage tracker; logs and shows a change.
void note_call(self_ptr self, bool failed) {
  auto& st = self->state;
  auto now = clock::now();
  if (!st.outage.record(now, failed))
    return;
  st.outage_gauge.set(st.outage.active() ? 1.0 : 0.0);
  if (st.outage.active())
    log::warn(engine_name, "Last.fm outage: answering from the cache, marked with its age",
              {log::kv("calls", st.outage.calls(now)),
               log::kv("failures", st.outage.failures(now))});
  else
    log::info(engine_name, "Last.fm answers again: outage over",
              {log::kv("outages", st.outage.outages())});
}

/// How long an answer stays in the cache: its freshness, its stale window,
/// and long enough to be served during an outage.
std::chrono::seconds cache_keep(const engine_state& st, const job& j) {
  auto keep = serves_stale(j.req) ? stale_window(j.ttl) : std::chrono::seconds{0};
  if (st.settings.outage_threshold_percent > 0)
    keep = std::max(keep, std::chrono::seconds{st.settings.outage_keep_seconds});
  return j.ttl + keep;
}

void fail_busy(self_ptr self, std::uint64_t id, std::string why) {
  auto i = self->state.jobs.find(id);
  if (i == self->state.jobs.end())
    return;
  count_call(i->second.req.method, to_string(fm_errc::busy));
  fail(self, id, fm_error{fm_errc::busy, 0, std::move(why), 0});
}


// Schedules one wake-up for when the next token frees or the next deadline
// passes, unless an earlier one is already pending.
void schedule_wake(self_ptr self, time_point now) {
  auto& st = self->state;
  std::optional<time_point> target;
  if (auto d = st.queue->next_ready_in(now))
    target = now + *d;
  if (auto dl = st.queue->next_deadline())
    target = target ? std::min(*target, *dl) : *dl;
  if (!target || (st.wake_at && *st.wake_at <= *target))
    return;
  st.wake_at = *target;
  // Microseconds (a rounded-up millisecond would halve a 1,000/s rate), plus
  // a little so the timer never fires before the target.
  auto delay = std::chrono::duration_cast<std::chrono::microseconds>(*target - now)
               + std::chrono::microseconds{20};
  self->delayed_send(self, delay, fm_wake_atom::value);
}

} // namespace

void enqueue(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& j = i->second;
  if (!st.queue->push(j.which, j.queue_key, id, j.deadline)) {
    fail_busy(self, id, j.which == lane::background ? "background queue full" : "queue full");
    return;
  }
  pump(self);
}

namespace {

fm_errc from_http(net::http_errc e) {
  switch (e) {
    case net::http_errc::timeout:
      return fm_errc::timeout;
    case net::http_errc::cancelled:
      return fm_errc::cancelled;
    case net::http_errc::body_too_large:
    case net::http_errc::invalid_url:
      return fm_errc::malformed_response;
    default:
      return fm_errc::network;
  }
}

// Sends job `id` upstream (its token is already taken).
void send_upstream(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& j = i->second;
  auto now = clock::now();
  if (now >= j.deadline) {
    fail_busy(self, id, "deadline passed before the call");
    return;
  }
  auto remaining = std::chrono::duration_cast<milliseconds>(j.deadline - now);
  net::http_call call;
  call.timeout = std::max(milliseconds{1},
                          std::min(milliseconds{st.settings.request_timeout_ms},
                                   remaining));
  auto encoded = encode_request(j.req, st.settings.api_key,
                                st.settings.api_secret);
  if (j.req.is_write) {
    call.method = "POST";
    call.url = st.settings.api_url;
    call.body = std::move(encoded);
    call.content_type = "application/x-www-form-urlencoded";
  } else {
    call.method = "GET";
    auto sep = st.settings.api_url.find('?') == std::string::npos ? '?' : '&';
    call.url = st.settings.api_url + sep + encoded;
  }
  j.sent_at = now;
  caf::weak_actor_ptr weak{self->ctrl()};
  st.http->request(std::move(call), [weak, id](net::http_result r) {
    // Runs on the client's thread: only hand the result over.
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(strong), fm_reply_atom::value,
                     id, static_cast<std::int32_t>(r.error),
                     static_cast<std::int32_t>(r.status), std::move(r.body),
                     std::move(r.error_text));
  });
}

} // namespace

// With a cluster-wide rate, takes a token from the caching engine's bucket
// too; a cache that does not answer leaves only the local bucket.
void take_shared_token(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto cache = current_cache(st);
  if (!st.shared_bucket || !cache || st.settings.rate_per_second == 0) {
    send_upstream(self, id);
    return;
  }
  self
    ->request(cache, cache_read_timeout, bucket_atom::value, st.bucket_key,
              static_cast<double>(st.settings.rate_per_second),
              std::int64_t{1})
    .then(
      [self, id](std::int64_t wait_ms) {
        auto i = self->state.jobs.find(id);
        if (i == self->state.jobs.end())
          return;
        if (wait_ms <= 0) {
          send_upstream(self, id);
          return;
        }
        auto wait = milliseconds{wait_ms};
        if (clock::now() + wait >= i->second.deadline) {
          fail_busy(self, id, "cluster-wide rate limit");
          return;
        }
        self->delayed_send(self, wait, fm_go_atom::value, id);
      },
      [self, id](caf::error&) { send_upstream(self, id); });
}

void pump(self_ptr self) {
  auto& st = self->state;
  auto now = clock::now();
  for (auto id : st.queue->take_expired(now))
    fail_busy(self, id, "deadline passed while queued");
  while (auto next = st.queue->pop_ready(now)) {
    if (next->second == lane::background)
      st.background_calls.inc();
    take_shared_token(self, next->first);
  }
  for (auto id : st.queue->take_expired(now))
    fail_busy(self, id, "deadline passed while queued");
  update_gauges(st, now);
  schedule_wake(self, now);
}

namespace {

milliseconds backoff(engine_state& st, int attempt) {
  std::uniform_real_distribution<double> jitter{0.75, 1.25};
  auto base = static_cast<double>(retry_backoff_initial.count())
              * static_cast<double>(1LL << std::min(attempt, 20));
  return milliseconds{static_cast<std::int64_t>(base * jitter(st.rng))};
}

} // namespace

void on_reply(self_ptr self, std::uint64_t id, std::int32_t http_error,
              std::int32_t status, std::string& body, std::string& error_text) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& j = i->second;
  auto herr = static_cast<net::http_errc>(http_error);
  // Our own HTTP client's line to Last.fm is full: nothing was sent, and
  // Last.fm is not at fault. A retry would only add to that line, and
  // counting it as an outage would answer everyone from the cache; the
  // caller is told "busy" at once. Not a Last.fm call either, so it has no
  // duration.
  if (herr == net::http_errc::queue_full) {
    fail_busy(self, id, "HTTP client queue full");
    return;
  }
  auto now = clock::now();
  metrics::get_histogram("lastgram_lastfm_call_duration_seconds",
                         "Duration of Last.fm calls.",
                         {{"method", j.req.method}},
                         metrics::default_latency_buckets())
    .observe(std::chrono::duration<double>(now - j.sent_at).count());
  outcome out;
  if (herr != net::http_errc::ok)
    out.error = fm_error{from_http(herr), 0, "HTTP " + net::to_string(herr)
                                               + ": " + error_text,
                         0};
  else if (auto e = check_response(status, body))
    out.error = std::move(*e);
  else
    out = j.parse(body);
  if (!out.error) {
    count_call(j.req.method, "ok");
    note_call(self, false);
    if (j.ttl.count() > 0 && !out.bytes.empty()) {
      auto keep = static_cast<std::int64_t>(cache_keep(st, j).count());
      if (st.local_cache) {
        if (auto stored = st.local_cache->set(j.key, with_freshness(std::move(out.bytes), j.ttl),
                                              keep);
            !stored)
          log::debug(engine_name, "answer not cached",
                     {log::kv("error", caching::to_string(stored.error()))});
      } else if (auto cache = current_cache(st)) {
        caf::anon_send(cache, put_atom::value, j.key, with_freshness(std::move(out.bytes), j.ttl),
                       keep);
      }
    }
    succeed(self, id, std::move(out.value));
    return;
  }
  auto& e = *out.error;
  count_call(j.req.method, to_string(e.code));
  note_call(self, is_outage_failure(e));
  log::warn(engine_name, "Last.fm call failed",
            {{"method", j.req.method},
             log::kv("code", to_string(e.code)),
             log::kv("lastfm_code", e.lastfm_code),
             log::kv("http_status", e.http_status),
             log::kv("attempt", j.attempt),
             {"detail", e.message}});
  if (is_transient(e) && j.attempt < st.settings.max_retries) {
    auto delay = backoff(st, j.attempt);
    if (now + delay < j.deadline) {
      ++j.attempt;
      self->delayed_send(self, delay, fm_retry_atom::value, id);
      return;
    }
  }
  fail(self, id, e);
}

// Starts (or joins) the request `req` whose answer `parser` turns into a T.

} // namespace lastgram::fm::detail
