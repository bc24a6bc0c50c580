#include "actors/caching/redis_replies.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <charconv>
#include <utility>

#include <pthread.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

namespace lastgram::caching::detail {

namespace {

std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string result;
  for (unsigned i = 0; i < size; ++i) {
    result += hex[digest[i] >> 4];
    result += hex[digest[i] & 0xf];
  }
  return result;
}

// KEYS[1] counter, ARGV[1] ttl seconds. The EXPIRE also repairs a counter
// that somehow lost its TTL, so no counter lives forever.
constexpr std::string_view increment_source = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
)lua";

// KEYS[1] bucket hash, ARGV: rate per second, burst, now ms, lifetime ms.
// The same arithmetic as take_token in memory_cache.cpp.
constexpr std::string_view token_bucket_source = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000.0)
  ts = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.max(1, math.ceil((1.0 - tokens) * 1000.0 / rate - 1e-6))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'ts', string.format('%.17g', ts))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {allowed, wait}
)lua";

} // namespace

std::string_view reply_text(const redisReply& x) {
  return {x.str, x.len};
}

// Error replies that mean "this server cannot serve now", not "your command
// is wrong": treated like an outage so callers fall back.
cache_error reply_error(const redisReply& x) {
  static constexpr std::array<std::string_view, 8> unavailable_prefixes{
    "LOADING", "BUSY", "MASTERDOWN", "READONLY",
    "NOAUTH", "WRONGPASS", "MISCONF", "CLUSTERDOWN"};
  auto text = reply_text(x);
  for (auto prefix : unavailable_prefixes)
    if (text.substr(0, prefix.size()) == prefix)
      return {cache_errc::unavailable, std::string{text}};
  return {cache_errc::other, std::string{text}};
}

cache_error unexpected(const redisReply& x, std::string_view command) {
  if (x.type == REDIS_REPLY_ERROR)
    return reply_error(x);
  return {cache_errc::protocol, "unexpected reply type "
                                  + std::to_string(x.type) + " to "
                                  + std::string{command}};
}

std::string format_double(double x) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, res.ptr);
}

lua_script::lua_script(std::string_view text) : source(text), sha(sha1_hex(text)) {}

const lua_script& increment_script() {
  static const lua_script result{increment_source};
  return result;
}

const lua_script& token_bucket_script() {
  static const lua_script result{token_bucket_source};
  return result;
}

// What each command's reply means, alone or in a pipeline.
cache_status read_set(const redisReply& r) {
  if (r.type != REDIS_REPLY_STATUS)
    return unexpected(r, "SET");
  return {};
}

cache_result<std::optional<std::string>> read_get(const redisReply& r) {
  if (r.type == REDIS_REPLY_NIL)
    return std::optional<std::string>{};
  if (r.type != REDIS_REPLY_STRING)
    return unexpected(r, "GET");
  return std::optional<std::string>{std::string{reply_text(r)}};
}

cache_result<bool> read_erase(const redisReply& r) {
  if (r.type != REDIS_REPLY_INTEGER)
    return unexpected(r, "DEL");
  return r.integer > 0;
}

cache_result<bool> read_set_nx(const redisReply& r) {
  if (r.type == REDIS_REPLY_NIL)
    return false;
  if (r.type != REDIS_REPLY_STATUS)
    return unexpected(r, "SET NX");
  return true;
}

cache_result<std::int64_t> read_increment(const redisReply& r) {
  if (r.type != REDIS_REPLY_INTEGER)
    return unexpected(r, "increment script");
  return static_cast<std::int64_t>(r.integer);
}

bool is_noscript(const redisReply& r) {
  return r.type == REDIS_REPLY_ERROR && reply_text(r).substr(0, 8) == "NOSCRIPT";
}

// One call's outcome from its reply.
void decode(cache_call::op what, const redisReply& r, cache_outcome& out) {
  switch (what) {
    case cache_call::op::get:
      settle(read_get(r), out, [&](std::optional<std::string> v) { out.value = std::move(v); });
      break;
    case cache_call::op::set:
      if (auto ok = read_set(r); !ok)
        out.error = ok.error();
      break;
    case cache_call::op::erase:
      settle(read_erase(r), out, [&](bool x) { out.flag = x; });
      break;
    case cache_call::op::set_if_absent:
      settle(read_set_nx(r), out, [&](bool x) { out.flag = x; });
      break;
    case cache_call::op::increment:
      settle(read_increment(r), out, [&](std::int64_t n) { out.count = n; });
      break;
  }
}

std::optional<cache_error> command_of(const cache_call& c, std::string& ttl,
                                      std::vector<std::string_view>& out) {
  using op = cache_call::op;
  out.clear();
  if (c.what != op::get && c.what != op::erase) {
    if (auto ok = check_ttl(c.ttl_seconds); !ok)
      return ok.error();
    ttl = std::to_string(c.ttl_seconds);
  }
  switch (c.what) {
    case op::get:
      out = {"GET", c.key};
      break;
    case op::set:
      out = {"SET", c.key, c.value, "EX", ttl};
      break;
    case op::erase:
      out = {"DEL", c.key};
      break;
    case op::set_if_absent:
      out = {"SET", c.key, c.value, "NX", "EX", ttl};
      break;
    case op::increment:
      out = {"EVAL", increment_script().source, "1", c.key, ttl};
      break;
  }
  return std::nullopt;
}

std::vector<std::vector<std::string_view>> commands_of(const std::vector<cache_call>& calls,
                                                       std::vector<std::string>& ttls,
                                                       std::vector<cache_outcome>& out,
                                                       std::vector<std::size_t>& sent) {
  std::vector<std::vector<std::string_view>> commands;
  commands.reserve(calls.size());
  sent.reserve(calls.size());
  std::vector<std::string_view> command;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (auto refused = command_of(calls[i], ttls[i], command)) {
      out[i].error = std::move(*refused);
      continue;
    }
    commands.push_back(command);
    sent.push_back(i);
  }
  return commands;
}

// hiredis 0.14 writes with write(2): a server that closed the connection
// raises SIGPIPE, whose default action ends the process. The first call on a
// thread blocks SIGPIPE on that thread for good, leaving the process's
// disposition alone; no other I/O of ours wants the signal (Asio and libpq
// send with MSG_NOSIGNAL), so blocking it costs nothing, where blocking and
// restoring it around every call cost four system calls per Redis round
// trip. A failed call then consumes the one it caused: a write that raised
// it failed with EPIPE.
namespace {

sigset_t sigpipe_set() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  return pipe;
}

} // namespace

void block_sigpipe_here() {
  thread_local bool blocked = false;
  if (blocked)
    return;
  auto pipe = sigpipe_set();
  blocked = pthread_sigmask(SIG_BLOCK, &pipe, nullptr) == 0;
}

void swallow_sigpipe() {
  auto saved = errno;
  auto pipe = sigpipe_set();
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  if (sigismember(&pending, SIGPIPE) == 1) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe, nullptr, &zero) == -1 && errno == EINTR) {
      // retry
    }
  }
  errno = saved;
}

} // namespace lastgram::caching::detail
