#include "actors/caching/redis_client.hpp"

#include "actors/caching/redis_replies.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

namespace lastgram::caching {

using namespace detail;

// -- hiredis plumbing -----------------------------------------------------------

namespace {

using time_point = std::chrono::steady_clock::time_point;

struct context_free {
  void operator()(redisContext* x) const noexcept {
    redisFree(x);
  }
};

using context_ptr = std::unique_ptr<redisContext, context_free>;

struct reply_free {
  void operator()(redisReply* x) const noexcept {
    freeReplyObject(x);
  }
};

using reply_ptr = std::unique_ptr<redisReply, reply_free>;

timeval to_timeval(std::chrono::milliseconds x) {
  auto ms = std::max<std::int64_t>(1, x.count());
  timeval result{};
  result.tv_sec = static_cast<time_t>(ms / 1000);
  result.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return result;
}


bool is_timeout(int err, const char* text) {
  if (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT
      || err == EINPROGRESS)
    return true;
  // hiredis formats errno into errstr; errno itself may have moved on.
  return std::strstr(text, "timed out") != nullptr
         || std::strstr(text, "temporarily unavailable") != nullptr;
}

cache_error context_error(const redisContext& ctx, int saved_errno,
                          std::string_view what) {
  cache_error result;
  result.message = std::string{what} + ": " + ctx.errstr;
  switch (ctx.err) {
    case REDIS_ERR_IO:
      result.code = is_timeout(saved_errno, ctx.errstr) ? cache_errc::timeout
                                                        : cache_errc::unavailable;
      break;
    case REDIS_ERR_EOF:
      result.code = cache_errc::unavailable;
      break;
    case REDIS_ERR_PROTOCOL:
      result.code = cache_errc::protocol;
      break;
    default:
      result.code = cache_errc::other;
  }
  return result;
}

} // namespace

// -- the client -----------------------------------------------------------------

struct redis_client::impl {
  redis_endpoint endpoint;
  redis_options options;
  context_ptr ctx;
  // No connection attempt before this instant (the backoff).
  time_point next_attempt = time_point::min();
  bool healthy = false;
  std::string last_error;
  redis_client_stats stats;

  time_point now() const {
    return options.clock();
  }

  void drop(const cache_error& err) {
    ctx.reset();
    healthy = false;
    last_error = to_string(err);
    // A slow server is not asked again before the backoff has passed; a
    // dropped connection to a live server may be retried by the next call
    // (attempts stay one backoff apart anyway).
    if (err.code == cache_errc::timeout)
      next_attempt = std::max(next_attempt, now() + options.reconnect_backoff);
  }

  // Sends one command on the current connection.
  cache_result<reply_ptr> exec(const std::vector<std::string_view>& args) {
    redis_argv a{args};
    void* raw = nullptr;
    int saved_errno = 0;
    block_sigpipe_here();
    errno = 0;
    raw = redisCommandArgv(ctx.get(), a.count(), a.argv.data(), a.lens.data());
    saved_errno = errno;
    ++stats.commands;
    if (raw == nullptr) {
      swallow_sigpipe();
      auto err = context_error(*ctx, saved_errno, "redis " + std::string{args.front()});
      drop(err);
      return err;
    }
    return reply_ptr{static_cast<redisReply*>(raw)};
  }

  cache_status handshake() {
    for (const auto& command : handshake_commands(endpoint)) {
      std::vector<std::string_view> args{command.begin(), command.end()};
      auto reply = exec(args);
      if (!reply)
        return reply.error();
      if ((*reply)->type != REDIS_REPLY_STATUS)
        return cache_error{cache_errc::unavailable, "redis " + command.front() + " failed: "
                                                      + to_string(unexpected(**reply, args[0]))};
    }
    return {};
  }

  cache_status ensure_connected() {
    if (ctx)
      return {};
    auto start = now();
    if (start < next_attempt)
      return cache_error{cache_errc::unavailable,
                         "redis reconnect backoff; last error: " + last_error};
    next_attempt = start + options.reconnect_backoff;
    ++stats.connect_attempts;
    auto tv = to_timeval(options.timeout);
    errno = 0;
    context_ptr fresh{redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv)};
    auto saved_errno = errno;
    auto fail = [&](cache_error err) -> cache_status {
      ++stats.connect_failures;
      ctx.reset();
      healthy = false;
      last_error = to_string(err);
      return err;
    };
    if (!fresh)
      return fail({cache_errc::unavailable, "redis connect: out of memory"});
    if (fresh->err != 0) {
      auto err = context_error(*fresh, saved_errno, "redis connect to " + caching::describe(endpoint));
      if (err.code != cache_errc::timeout)
        err.code = cache_errc::unavailable;
      return fail(err);
    }
    if (redisSetTimeout(fresh.get(), tv) != REDIS_OK)
      return fail({cache_errc::unavailable, "redis: cannot set the command timeout"});
    redisEnableKeepAlive(fresh.get());
    ctx = std::move(fresh);
    if (auto ok = handshake(); !ok)
      return fail(ok.error());
    return {};
  }

  // Connects when needed, sends, and keeps the health flag and counters.
  cache_result<reply_ptr> run(const std::vector<std::string_view>& args) {
    if (auto ok = ensure_connected(); !ok) {
      ++stats.failures;
      return ok.error();
    }
    auto reply = exec(args);
    if (!reply) {
      ++stats.failures;
      return reply;
    }
    // The connection is fine; only outage-like error replies make it
    // unhealthy.
    account(**reply);
    return reply;
  }

  // Keeps the health flag and counters for one reply, as `run` does.
  void account(const redisReply& r) {
    if (r.type == REDIS_REPLY_ERROR) {
      ++stats.failures;
      if (is_outage(reply_error(r).code))
        healthy = false;
      return;
    }
    healthy = true;
  }

  // Sends every command in one write, then reads their replies in order. A
  // transport failure fails the command it struck and every later one (the
  // connection is dropped: their replies cannot be matched any more).
  std::vector<cache_result<reply_ptr>>
  pipeline(const std::vector<std::vector<std::string_view>>& commands) {
    std::vector<cache_result<reply_ptr>> out;
    out.reserve(commands.size());
    auto fail_rest = [&](const cache_error& err) {
      while (out.size() < commands.size()) {
        ++stats.failures;
        out.emplace_back(err);
      }
    };
    if (auto ok = ensure_connected(); !ok) {
      fail_rest(ok.error());
      return out;
    }
    for (const auto& args : commands) {
      redis_argv a{args};
      if (redisAppendCommandArgv(ctx.get(), a.count(), a.argv.data(), a.lens.data())
          != REDIS_OK) {
        cache_error err{cache_errc::other, "redis pipeline: out of memory"};
        drop(err);
        fail_rest(err);
        return out;
      }
    }
    block_sigpipe_here();
    for (const auto& args : commands) {
      void* raw = nullptr;
      errno = 0;
      int rc = redisGetReply(ctx.get(), &raw);
      int saved_errno = errno;
      ++stats.commands;
      if (rc != REDIS_OK || raw == nullptr) {
        swallow_sigpipe();
        auto err = context_error(*ctx, saved_errno, "redis " + std::string{args.front()});
        drop(err);
        fail_rest(err);
        return out;
      }
      reply_ptr reply{static_cast<redisReply*>(raw)};
      account(*reply);
      out.emplace_back(std::move(reply));
    }
    return out;
  }

  // EVALSHA, and EVAL when the server does not know the script (restart,
  // SCRIPT FLUSH); EVAL caches it for the next EVALSHA.
  cache_result<reply_ptr> eval(const lua_script& script, std::string_view key,
                               std::initializer_list<std::string_view> argv) {
    std::vector<std::string_view> args{"EVALSHA", script.sha, "1", key};
    args.insert(args.end(), argv.begin(), argv.end());
    auto reply = run(args);
    if (reply && is_noscript(**reply)) {
      --stats.failures;
      args[0] = "EVAL";
      args[1] = script.source;
      reply = run(args);
    }
    return reply;
  }
};

cache_result<std::unique_ptr<redis_client>>
redis_client::connect(std::string_view url, std::int64_t timeout_ms) {
  redis_options options;
  options.timeout = std::chrono::milliseconds{timeout_ms};
  return connect(url, options);
}

cache_result<std::unique_ptr<redis_client>>
redis_client::connect(std::string_view url, const redis_options& options) {
  auto endpoint = parse_redis_url(url);
  if (!endpoint)
    return cache_error{cache_errc::other, "malformed redis URL"};
  auto client = std::make_unique<redis_client>(std::move(*endpoint), options);
  if (auto ok = client->ping(); !ok)
    return ok.error();
  return client;
}

redis_client::redis_client(redis_endpoint endpoint, redis_options options)
  : impl_(std::make_unique<impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->options = std::move(options);
  if (!impl_->options.clock)
    impl_->options.clock = std::chrono::steady_clock::now;
}

redis_client::~redis_client() = default;

bool redis_client::healthy() const noexcept {
  return impl_->ctx != nullptr && impl_->healthy;
}

cache_status redis_client::ping() {
  auto reply = impl_->run({"PING"});
  if (!reply)
    return reply.error();
  if ((*reply)->type != REDIS_REPLY_STATUS)
    return unexpected(**reply, "PING");
  return {};
}

cache_status redis_client::set(std::string_view key, std::string_view value,
                               std::int64_t ttl_seconds) {
  if (auto ok = check_ttl(ttl_seconds); !ok)
    return ok;
  auto ttl = std::to_string(ttl_seconds);
  auto reply = impl_->run({"SET", key, value, "EX", ttl});
  if (!reply)
    return reply.error();
  return read_set(**reply);
}

cache_result<std::optional<std::string>> redis_client::get(std::string_view key) {
  auto reply = impl_->run({"GET", key});
  if (!reply)
    return reply.error();
  return read_get(**reply);
}

cache_result<bool> redis_client::erase(std::string_view key) {
  auto reply = impl_->run({"DEL", key});
  if (!reply)
    return reply.error();
  return read_erase(**reply);
}

cache_result<bool> redis_client::set_if_absent(std::string_view key,
                                               std::string_view value,
                                               std::int64_t ttl_seconds) {
  if (auto ok = check_ttl(ttl_seconds); !ok)
    return ok.error();
  auto ttl = std::to_string(ttl_seconds);
  auto reply = impl_->run({"SET", key, value, "NX", "EX", ttl});
  if (!reply)
    return reply.error();
  return read_set_nx(**reply);
}

cache_result<std::int64_t> redis_client::increment(std::string_view key,
                                                   std::int64_t ttl_seconds) {
  if (auto ok = check_ttl(ttl_seconds); !ok)
    return ok.error();
  auto ttl = std::to_string(ttl_seconds);
  auto reply = impl_->eval(increment_script(), key, {ttl});
  if (!reply)
    return reply.error();
  return read_increment(**reply);
}

std::vector<cache_outcome> redis_client::run(const std::vector<cache_call>& calls) {
  std::vector<cache_outcome> out(calls.size());
  // A bad TTL is refused here, as the single calls refuse it.
  std::vector<std::string> ttls(calls.size());
  std::vector<std::size_t> sent;
  auto commands = commands_of(calls, ttls, out, sent);
  auto replies = impl_->pipeline(commands);
  for (std::size_t k = 0; k < sent.size(); ++k) {
    auto i = sent[k];
    auto& reply = replies[k];
    if (!reply)
      out[i].error = reply.error();
    else
      decode(calls[i].what, **reply, out[i]);
  }
  return out;
}

cache_result<token_decision>
redis_client::token_bucket_take(std::string_view key, double rate_per_second,
                                std::int64_t burst, std::int64_t now_ms) {
  if (auto ok = check_bucket(rate_per_second, burst); !ok)
    return ok.error();
  // Kept until a full refill would have happened anyway (see memory_cache).
  constexpr double max_ms = 100.0 * 365 * 24 * 3600 * 1000;
  auto lifetime_ms = static_cast<std::int64_t>(
                       std::min(max_ms, std::ceil(static_cast<double>(burst) * 1000.0
                                                  / rate_per_second)))
                     + 1000;
  auto rate = format_double(rate_per_second);
  auto burst_text = std::to_string(burst);
  auto now_text = std::to_string(now_ms);
  auto lifetime = std::to_string(lifetime_ms);
  auto reply = impl_->eval(token_bucket_script(), key,
                           {rate, burst_text, now_text, lifetime});
  if (!reply)
    return reply.error();
  auto& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY || r.elements != 2
      || r.element[0]->type != REDIS_REPLY_INTEGER
      || r.element[1]->type != REDIS_REPLY_INTEGER)
    return unexpected(r, "token bucket script");
  return token_decision{r.element[0]->integer == 1,
                        static_cast<std::int64_t>(r.element[1]->integer)};
}

redis_client_stats redis_client::stats() const noexcept {
  return impl_->stats;
}

std::string redis_client::describe() const {
  return caching::describe(impl_->endpoint);
}

} // namespace lastgram::caching
