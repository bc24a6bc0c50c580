#pragma once

// Internal to actors/caching: what Redis's replies mean, and the Lua scripts
// the client runs (redis_client.cpp holds the connection). Kept apart so the
// client reads as connection handling, and these as the protocol.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "actors/caching/cache.hpp"

struct redisReply;

namespace lastgram::caching::detail {

/// A string reply's text.
std::string_view reply_text(const redisReply& x);

/// An error reply as a cache_error: "unavailable" for the prefixes that mean
/// the server cannot serve now (LOADING, BUSY, READONLY, ...), so callers
/// fall back as in an outage; "other" for the rest.
cache_error reply_error(const redisReply& x);

/// A reply of the wrong type to `command` (an error reply as reply_error).
cache_error unexpected(const redisReply& x, std::string_view command);

/// `x` in its shortest round-trip form, as the scripts read it.
std::string format_double(double x);

/// A Lua script and its SHA1 (for EVALSHA).
struct lua_script {
  explicit lua_script(std::string_view text);
  std::string_view source;
  std::string sha;
};

/// KEYS[1] counter, ARGV[1] TTL seconds: INCR, setting the TTL on the first
/// increment (and repairing a counter that lost it).
const lua_script& increment_script();

/// KEYS[1] bucket hash; ARGV: rate per second, burst, now ms, lifetime ms.
/// Answers {allowed, wait ms}.
const lua_script& token_bucket_script();

/// What each command's reply means, alone or in a pipeline.
cache_status read_set(const redisReply& r);
cache_result<std::optional<std::string>> read_get(const redisReply& r);
cache_result<bool> read_erase(const redisReply& r);
cache_result<bool> read_set_nx(const redisReply& r);
cache_result<std::int64_t> read_increment(const redisReply& r);

/// Whether `r` says the server does not know the script (EVALSHA).
bool is_noscript(const redisReply& r);

/// The Redis command of one call, its arguments viewing `c` and `ttl`
/// (which receives the TTL's text); the error a bad TTL gets instead.
/// Increments run the increment script by EVAL, not EVALSHA: a NOSCRIPT
/// answer could only be retried after the later calls of a pipeline had
/// run, out of order. Redis finds the script by its body's SHA1 all the same.
std::optional<cache_error> command_of(const cache_call& c, std::string& ttl,
                                      std::vector<std::string_view>& out);

/// The sent commands of a batch of calls, each viewing its call and its
/// TTL's text in `ttls` (sized to `calls`); `sent` receives their calls'
/// indexes, and a call refused here (see command_of) gets its error in `out`
/// (sized to `calls`) and is not sent.
std::vector<std::vector<std::string_view>> commands_of(const std::vector<cache_call>& calls,
                                                       std::vector<std::string>& ttls,
                                                       std::vector<cache_outcome>& out,
                                                       std::vector<std::size_t>& sent);

/// One command's arguments as hiredis's *Argv functions take them.
struct redis_argv {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;

  template <class Args>
  explicit redis_argv(const Args& args) {
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      lens.push_back(arg.size());
    }
  }
  int count() const noexcept {
    return static_cast<int>(argv.size());
  }
};

/// hiredis 0.14 writes with write(2), and a write to a closed connection
/// raises SIGPIPE: every thread that talks to Redis blocks it on itself
/// first (once), and a failed call consumes the one it raised (see
/// redis_replies.cpp).
void block_sigpipe_here();
void swallow_sigpipe();

/// One pipelined call's outcome from its reply.
void decode(cache_call::op what, const redisReply& r, cache_outcome& out);

} // namespace lastgram::caching::detail
