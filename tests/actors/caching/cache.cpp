// The caching engine's blocking core: one contract suite run against the
// memory cache, Redis and the tiered cache, then what only one of them does
// (LRU bound, URL parsing, timeouts, backoff, outages). Redis tests use the
// fixture's redis-server (LASTGRAM_TEST_REDIS_PORT, or
// LASTGRAM_TEST_REDIS_PORT_OVERRIDE when run by hand) and spawn their own
// redis-server on a free loopback port when they need to kill it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "actors/caching/memory_cache.hpp"
#include "actors/caching/redis_client.hpp"
#include "actors/caching/tiered_cache.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

using namespace lastgram::caching;
using namespace lastgram::test;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// -- helpers ------------------------------------------------------------------

redis_endpoint endpoint_for(int port) {
  redis_endpoint result;
  result.port = static_cast<std::uint16_t>(port);
  return result;
}

struct fake_clock {
  steady_clock::time_point now = steady_clock::time_point{} + 1000h;

  clock_fn fn() {
    return [this] { return now; };
  }
};

template <class F>
milliseconds time_of(F&& f) {
  auto start = steady_clock::now();
  f();
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

// A loopback socket that listens and never accepts by itself: the fd and
// its port.
std::pair<int, int> listening_socket() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return {fd, ntohs(addr.sin_port)};
}

// A plain hiredis connection that checks what the code under test did.
class raw_redis {
public:
  explicit raw_redis(int port, std::vector<std::string> hello = {}) {
    timeval tv{2, 0};
    ctx_ = redisConnectWithTimeout("127.0.0.1", port, tv);
    REQUIRE(ctx_ != nullptr);
    REQUIRE(ctx_->err == 0);
    redisSetTimeout(ctx_, tv);
    if (!hello.empty())
      REQUIRE(command(hello).type != REDIS_REPLY_ERROR);
  }

  ~raw_redis() {
    if (reply_)
      freeReplyObject(reply_);
    redisFree(ctx_);
  }

  raw_redis(const raw_redis&) = delete;
  raw_redis& operator=(const raw_redis&) = delete;

  // The reply stays valid until the next command.
  const redisReply& command(const std::vector<std::string>& args) {
    auto reply = try_command(args);
    REQUIRE(reply != nullptr);
    return *reply;
  }

  // Null when the connection failed; never throws (for destructors).
  const redisReply* try_command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& arg : args) {
      argv.push_back(arg.data());
      lens.push_back(arg.size());
    }
    if (reply_)
      freeReplyObject(reply_);
    reply_ = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()));
    return reply_;
  }

  std::optional<std::string> get(const std::string& key) {
    auto& r = command({"GET", key});
    if (r.type == REDIS_REPLY_NIL)
      return std::nullopt;
    REQUIRE(r.type == REDIS_REPLY_STRING);
    return std::string(r.str, r.len);
  }

  long long integer(const std::vector<std::string>& args) {
    auto& r = command(args);
    REQUIRE(r.type == REDIS_REPLY_INTEGER);
    return r.integer;
  }

  // SHUTDOWN closes the connection instead of answering.
  void shutdown() {
    std::vector<const char*> argv{"SHUTDOWN", "NOSAVE"};
    auto reply = redisCommandArgv(ctx_, 2, argv.data(), nullptr);
    if (reply)
      freeReplyObject(reply);
  }

private:
  redisContext* ctx_ = nullptr;
  redisReply* reply_ = nullptr;
};

// -- the backends of the contract suite ----------------------------------------

// Redis keys of this process, so parallel test runs never collide.
std::string unique_prefix() {
  static std::atomic<int> counter{0};
  return "lastgram-test:cache:" + std::to_string(::getpid()) + ":"
         + std::to_string(counter++) + ":";
}

struct memory_backend {
  fake_clock clock;
  memory_cache subject_{1 << 20, clock.fn()};

  cache& subject() {
    return subject_;
  }

  std::string key(const std::string& name) {
    return name;
  }

  // Moves to just before the expiry of a `ttl` set just now.
  void elapse_almost(const std::string&, std::int64_t ttl) {
    clock.now += std::chrono::seconds{ttl} - 1ms;
  }

  void elapse_rest(const std::string&) {
    clock.now += 1ms;
  }
};

// Redis cannot take an injected clock: the TTL is checked with PTTL, and the
// expiry itself by shortening it with PEXPIRE.
struct redis_backend_base {
  int port = shared_redis_port();
  raw_redis raw{port};
  std::string prefix = unique_prefix();

  ~redis_backend_base() {
    auto r = raw.try_command({"KEYS", prefix + "*"});
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY)
      return;
    std::vector<std::string> del{"DEL"};
    for (size_t i = 0; i < r->elements; ++i)
      del.emplace_back(r->element[i]->str, r->element[i]->len);
    if (del.size() > 1)
      raw.try_command(del);
  }

  std::string key(const std::string& name) {
    return prefix + name;
  }

  void elapse_almost(const std::string& key, std::int64_t ttl) {
    auto left = raw.integer({"PTTL", key});
    CHECK(left > (ttl - 1) * 1000);
    CHECK(left <= ttl * 1000);
  }

  void elapse_rest(const std::string& key) {
    REQUIRE(raw.integer({"PEXPIRE", key, "1"}) == 1);
    REQUIRE(eventually([&] { return raw.integer({"EXISTS", key}) == 0; }));
  }
};

std::unique_ptr<redis_client> connect_or_fail(int port) {
  auto result = redis_client::connect(redis_url(port));
  REQUIRE(result);
  return std::move(*result);
}

struct redis_backend : redis_backend_base {
  std::unique_ptr<redis_client> client = connect_or_fail(port);

  cache& subject() {
    return *client;
  }
};

struct tiered_backend : redis_backend_base {
  tiered_cache tiered{std::make_shared<memory_cache>(1 << 20),
                      std::make_unique<redis_client>(endpoint_for(port),
                                                     redis_options{})};

  cache& subject() {
    return tiered;
  }
};

} // namespace

// -- the contract -----------------------------------------------------------------

TEMPLATE_TEST_CASE("a stored value reads back until its ttl passes", "[cache]",
                   memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("greeting");
  REQUIRE(b.subject().set(k, "hello", 60));
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"hello"});
  b.elapse_almost(k, 60);
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"hello"});
  b.elapse_rest(k);
  auto gone = b.subject().get(k);
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
}

TEMPLATE_TEST_CASE("set replaces the value and restarts its ttl", "[cache]",
                   memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("k");
  REQUIRE(b.subject().set(k, "first", 10));
  REQUIRE(b.subject().set(k, "second", 60));
  b.elapse_almost(k, 60);
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"second"});
}

TEMPLATE_TEST_CASE("a missing key is a miss, not an error", "[cache]",
                   memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto miss = b.subject().get(b.key("never-set"));
  REQUIRE(miss);
  CHECK_FALSE(miss->has_value());
}

TEMPLATE_TEST_CASE("erase removes a value and says whether there was one",
                   "[cache]", memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("k");
  REQUIRE(b.subject().set(k, "v", 60));
  CHECK(b.subject().erase(k).value());
  CHECK_FALSE(b.subject().get(k).value().has_value());
  CHECK_FALSE(b.subject().erase(k).value());
}

TEMPLATE_TEST_CASE("set_if_absent stores once until the entry expires",
                   "[cache]", memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("lease");
  CHECK(b.subject().set_if_absent(k, "node-a", 30).value());
  CHECK_FALSE(b.subject().set_if_absent(k, "node-b", 30).value());
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"node-a"});
  b.elapse_almost(k, 30);
  CHECK_FALSE(b.subject().set_if_absent(k, "node-b", 30).value());
  b.elapse_rest(k);
  CHECK(b.subject().set_if_absent(k, "node-c", 30).value());
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"node-c"});
}

TEMPLATE_TEST_CASE("increment counts from one within a fixed window", "[cache]",
                   memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("counter");
  CHECK(b.subject().increment(k, 60).value() == 1);
  CHECK(b.subject().increment(k, 60).value() == 2);
  CHECK(b.subject().increment(k, 3600).value() == 3);
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"3"});
  // Later increments keep the first expiry.
  b.elapse_almost(k, 60);
  b.elapse_rest(k);
  CHECK(b.subject().increment(k, 60).value() == 1);
}

TEMPLATE_TEST_CASE("increment refuses a value that is not an integer",
                   "[cache]", memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("text");
  REQUIRE(b.subject().set(k, "abc", 60));
  auto result = b.subject().increment(k, 60);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == cache_errc::other);
  CHECK(b.subject().get(k).value() == std::optional<std::string>{"abc"});
}

TEMPLATE_TEST_CASE("keys and values are binary-safe", "[cache]", memory_backend,
                   redis_backend, tiered_backend) {
  TestType b;
  static const char value_bytes[] = "a\0b\xff\xfe\x00\x01 ünïcødé 🎵 гр";
  static const char key_bytes[] = "ключ:🎵\0tail";
  const std::string binary(value_bytes, sizeof(value_bytes) - 1);
  REQUIRE(binary.size() == 29);
  auto k = b.key(std::string(key_bytes, sizeof(key_bytes) - 1));
  REQUIRE(b.subject().set(k, binary, 60));
  CHECK(b.subject().get(k).value() == std::optional<std::string>{binary});
  auto empty = b.key("empty");
  REQUIRE(b.subject().set(empty, "", 60));
  CHECK(b.subject().get(empty).value() == std::optional<std::string>{""});
  std::string big(64 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 7);
  REQUIRE(b.subject().set(b.key("big"), big, 60));
  CHECK(b.subject().get(b.key("big")).value() == std::optional<std::string>{big});
}

TEMPLATE_TEST_CASE("a ttl that is not positive is refused", "[cache]",
                   memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("k");
  auto set = b.subject().set(k, "v", 0);
  REQUIRE_FALSE(set);
  CHECK(set.error().code == cache_errc::other);
  CHECK_FALSE(b.subject().set_if_absent(k, "v", -1));
  CHECK_FALSE(b.subject().increment(k, 0));
  CHECK_FALSE(b.subject().get(k).value().has_value());
}

TEMPLATE_TEST_CASE("a token bucket starts full and refills at its rate",
                   "[cache]", memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("bucket");
  const std::int64_t t0 = 1'700'000'000'000;
  for (int i = 0; i < 3; ++i)
    CHECK(b.subject().token_bucket_take(k, 5, 3, t0).value().allowed);
  auto empty = b.subject().token_bucket_take(k, 5, 3, t0).value();
  CHECK_FALSE(empty.allowed);
  CHECK(empty.wait_ms == 200);
  auto almost = b.subject().token_bucket_take(k, 5, 3, t0 + 199).value();
  CHECK_FALSE(almost.allowed);
  CHECK(almost.wait_ms == 1);
  CHECK(b.subject().token_bucket_take(k, 5, 3, t0 + 200).value().allowed);
  // A clock behind the bucket's (another node's skew) refills nothing.
  CHECK_FALSE(b.subject().token_bucket_take(k, 5, 3, t0 - 5000).value().allowed);
  CHECK_FALSE(b.subject().token_bucket_take(k, 5, 3, t0 + 200).value().allowed);
  CHECK(b.subject().token_bucket_take(k, 5, 3, t0 + 400).value().allowed);
  // A long idle time refills no more than the burst.
  for (int i = 0; i < 3; ++i)
    CHECK(b.subject().token_bucket_take(k, 5, 3, t0 + 60'000).value().allowed);
  CHECK_FALSE(b.subject().token_bucket_take(k, 5, 3, t0 + 60'000).value().allowed);
}

TEMPLATE_TEST_CASE("a token bucket never allows more than burst plus rate in "
                   "any window",
                   "[cache]", memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("lastfm");
  const double rate = 5;
  const std::int64_t burst = 5;
  const std::int64_t t0 = 1'700'000'000'000;
  std::vector<std::int64_t> allowed;
  // Greedy callers every 7 ms for 10 s, three attempts each time, silent
  // from 3 s to 6 s (the bucket refills meanwhile, up to its burst).
  for (std::int64_t t = t0; t < t0 + 10'000; t += 7)
    for (int i = 0; i < 3 && (t < t0 + 3000 || t >= t0 + 6000); ++i)
      if (b.subject().token_bucket_take(k, rate, burst, t).value().allowed)
        allowed.push_back(t);
  for (auto first = allowed.begin(); first != allowed.end(); ++first) {
    auto last = std::lower_bound(first, allowed.end(), *first + 1000);
    REQUIRE(last - first <= burst + static_cast<std::int64_t>(rate));
  }
  // ...and the limit is not just a wall: the rate is actually delivered
  // (5 + 15 in the first 3 s, 5 + 20 in the last 4 s, give or take a step).
  CHECK(allowed.size() >= 42);
  CHECK(allowed.size() <= 45);
}

TEMPLATE_TEST_CASE("bad token bucket parameters are refused", "[cache]",
                   memory_backend, redis_backend, tiered_backend) {
  TestType b;
  auto k = b.key("bucket");
  auto no_rate = b.subject().token_bucket_take(k, 0, 5, 1000);
  REQUIRE_FALSE(no_rate);
  CHECK(no_rate.error().code == cache_errc::other);
  CHECK_FALSE(b.subject().token_bucket_take(k, 5, 0, 1000));
}

TEMPLATE_TEST_CASE("a batch runs its calls in order, each as it would run alone",
                   "[cache]", memory_backend, redis_backend, tiered_backend) {
  TestType b;
  using op = cache_call::op;
  auto k = b.key("k");
  auto n = b.key("n");
  auto lease = b.key("lease");
  std::vector<cache_call> calls{
    {op::get, k, {}, 0},          {op::set, k, "v1", 60},        {op::get, k, {}, 0},
    {op::increment, n, {}, 60},   {op::increment, n, {}, 60},    {op::set_if_absent, lease, "a", 30},
    {op::set_if_absent, lease, "b", 30}, {op::set, k, "v2", 0},  {op::erase, k, {}, 0},
    {op::erase, k, {}, 0},        {op::get, k, {}, 0},           {op::get, lease, {}, 0},
  };
  auto out = b.subject().run(calls);
  REQUIRE(out.size() == calls.size());
  CHECK_FALSE(out[0].error);
  CHECK_FALSE(out[0].value);
  CHECK_FALSE(out[1].error);
  CHECK(out[2].value == std::optional<std::string>{"v1"});
  CHECK(out[3].count == 1);
  CHECK(out[4].count == 2);
  CHECK(out[5].flag);
  CHECK_FALSE(out[6].flag);
  // A ttl that is not positive is refused, and only that call.
  REQUIRE(out[7].error);
  CHECK(out[7].error->code == cache_errc::other);
  CHECK(out[8].flag);
  CHECK_FALSE(out[9].flag);
  CHECK_FALSE(out[10].error);
  CHECK_FALSE(out[10].value);
  CHECK(out[11].value == std::optional<std::string>{"a"});
  for (std::size_t i = 0; i < out.size(); ++i)
    if (i != 7)
      CHECK_FALSE(out[i].error);
  CHECK(b.subject().run({}).empty());
}

// -- memory cache -------------------------------------------------------------------

TEST_CASE("the least recently used entry is evicted first", "[cache]") {
  fake_clock clock;
  auto per_entry = 1 + 10 + memory_cache::entry_overhead;
  memory_cache c{3 * per_entry, clock.fn()};
  for (auto k : {"a", "b", "c"})
    REQUIRE(c.set(k, "0123456789", 60));
  REQUIRE(c.get("a").value()); // a is now more recent than b
  REQUIRE(c.set("d", "0123456789", 60));
  CHECK_FALSE(c.get("b").value().has_value());
  CHECK(c.get("a").value());
  CHECK(c.get("c").value());
  CHECK(c.get("d").value());
  auto s = c.stats();
  CHECK(s.evictions == 1);
  CHECK(s.entries == 3);
  CHECK(s.bytes == 3 * per_entry);
}

TEST_CASE("the memory bound holds under many writes of mixed sizes", "[cache]") {
  fake_clock clock;
  memory_cache c{20'000, clock.fn()};
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(c.set("key-" + std::to_string(i), std::string(i % 700, 'x'), 60));
    REQUIRE(c.stats().bytes <= 20'000);
  }
  // The accounted bytes are exactly those of the entries still readable.
  size_t bytes = 0;
  size_t entries = 0;
  for (int i = 0; i < 2000; ++i) {
    auto key = "key-" + std::to_string(i);
    if (auto v = c.get(key).value()) {
      bytes += key.size() + v->size() + memory_cache::entry_overhead;
      ++entries;
    }
  }
  auto s = c.stats();
  CHECK(s.bytes == bytes);
  CHECK(s.entries == entries);
  CHECK(s.evictions == 2000 - entries);
  // The newest entry always survives.
  CHECK(c.get("key-1999").value());
}

TEST_CASE("an entry larger than the bound is refused and evicts nothing",
          "[cache]") {
  memory_cache c{1000};
  REQUIRE(c.set("small", "v", 60));
  auto big = c.set("big", std::string(1000, 'x'), 60);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == cache_errc::other);
  CHECK(c.get("small").value());
  CHECK(c.stats().evictions == 0);
}

TEST_CASE("expired entries make room before live ones are evicted", "[cache]") {
  fake_clock clock;
  auto per_entry = 1 + 1 + memory_cache::entry_overhead;
  memory_cache c{3 * per_entry, clock.fn()};
  REQUIRE(c.set("a", "1", 10));
  REQUIRE(c.set("b", "2", 10));
  REQUIRE(c.set("c", "3", 100));
  clock.now += 10s;
  REQUIRE(c.set("d", "4", 100));
  REQUIRE(c.set("e", "5", 100));
  auto s = c.stats();
  CHECK(s.evictions == 0);
  CHECK(s.expirations == 2);
  CHECK(c.get("c").value());
  CHECK(c.get("d").value());
  CHECK(c.get("e").value());
}

TEST_CASE("memory cache stats count hits and misses", "[cache]") {
  memory_cache c{1 << 16};
  REQUIRE(c.set("k", "v", 60));
  REQUIRE(c.get("k"));
  REQUIRE(c.get("k"));
  REQUIRE(c.get("nope"));
  auto s = c.stats();
  CHECK(s.hits == 2);
  CHECK(s.misses == 1);
  CHECK(s.max_bytes == 1 << 16);
  c.clear();
  CHECK(c.stats().entries == 0);
  CHECK(c.stats().bytes == 0);
}

TEST_CASE("the memory cache stays consistent under concurrent use", "[cache]") {
  memory_cache c{64 * 1024};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&c, t] {
      for (int i = 0; i < 5000; ++i) {
        auto key = "k" + std::to_string((i * 7 + t) % 300);
        if (i % 3 == 0)
          (void) c.set(key, std::string(static_cast<size_t>(i % 200), 'v'), 60);
        else
          (void) c.get(key);
        (void) c.increment("shared-counter", 60);
      }
    });
  for (auto& th : threads)
    th.join();
  CHECK(c.get("shared-counter").value() == std::optional<std::string>{"20000"});
  CHECK(c.stats().bytes <= 64 * 1024);
}

// -- redis client ---------------------------------------------------------------------

TEST_CASE("redis URLs parse in their documented forms", "[cache]") {
  auto plain = parse_redis_url("redis://cache.internal:6380/2");
  REQUIRE(plain);
  CHECK(plain->host == "cache.internal");
  CHECK(plain->port == 6380);
  CHECK(plain->db == 2);
  CHECK(plain->password.empty());
  auto secret = parse_redis_url("redis://:p%40ss:w@127.0.0.1");
  REQUIRE(secret);
  CHECK(secret->password == "p@ss:w");
  CHECK(secret->port == 6379);
  CHECK(secret->db == 0);
  auto acl = parse_redis_url("redis://bot:pw@[::1]:7000/");
  REQUIRE(acl);
  CHECK(acl->username == "bot");
  CHECK(acl->host == "::1");
  CHECK(acl->port == 7000);
  for (auto bad : {"", "http://h:1", "redis://", "redis://h:0", "redis://h:99999",
                   "redis://h:", "redis://h/x", "redis://user@h", "redis://:@h",
                   "rediss://h", "redis://[::1", "redis://:%zz@h"})
    CHECK_FALSE(parse_redis_url(bad));
}

TEST_CASE("a redis endpoint is described without its password", "[cache]") {
  auto ep = parse_redis_url("redis://:hunter2@10.0.0.5:6400/3");
  REQUIRE(ep);
  CHECK(describe(*ep) == "redis://10.0.0.5:6400/3");
  redis_client lazy{*ep, {}};
  CHECK(lazy.describe().find("hunter2") == std::string::npos);
}

TEST_CASE("connecting to a port nobody listens on fails fast", "[cache]") {
  auto port = free_port();
  // A connect timeout longer than any test: "unavailable" can only come from
  // the refusal itself (waiting for the timeout would say "timeout", after
  // a minute).
  auto result = redis_client::connect(redis_url(port), 60000);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == cache_errc::unavailable);
  auto malformed = redis_client::connect("redis://h:notaport");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code == cache_errc::other);
}

TEST_CASE("a server that never answers times out within the timeout",
          "[cache]") {
  // A listening socket nobody accepts from: the kernel completes the
  // handshake, then the command waits forever.
  auto [fd, port] = listening_socket();
  redis_options options;
  options.timeout = 200ms;
  redis_client client{endpoint_for(port), options};
  cache_result<std::optional<std::string>> result{cache_error{}};
  auto took = time_of([&] { result = client.get("k"); });
  ::close(fd);
  REQUIRE_FALSE(result);
  // Nothing else ever answers: a timeout code is the timeout firing (a
  // client without one would hang here), and not before it was due.
  CHECK(result.error().code == cache_errc::timeout);
  CHECK(took >= 150ms);
  CHECK_FALSE(client.healthy());
}

TEST_CASE("a broken redis client reconnects at most once per backoff interval",
          "[cache]") {
  fake_clock clock;
  redis_options options;
  options.reconnect_backoff = 1000ms;
  options.clock = clock.fn();
  auto port = free_port();
  redis_client client{endpoint_for(port), options};
  for (int i = 0; i < 50; ++i) {
    auto r = client.get("k");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == cache_errc::unavailable);
  }
  CHECK(client.stats().connect_attempts == 1);
  clock.now += 999ms;
  CHECK_FALSE(client.ping());
  CHECK(client.stats().connect_attempts == 1);
  clock.now += 1ms;
  CHECK_FALSE(client.ping());
  CHECK(client.stats().connect_attempts == 2);
  CHECK_FALSE(client.healthy());

  redis_server server{port};
  CHECK_FALSE(client.ping()); // still within the backoff
  clock.now += 1000ms;
  CHECK(client.ping());
  CHECK(client.healthy());
  CHECK(client.stats().connect_attempts == 3);
}

TEST_CASE("writing to a server that went away fails instead of raising "
          "SIGPIPE",
          "[cache]") {
  redis_server server{free_port()};
  auto client = redis_client::connect(redis_url(server.port()));
  REQUIRE(client);
  REQUIRE((*client)->ping());
  server.shutdown();
  // Larger than the socket buffers, so hiredis writes again after the peer's
  // reset: without the guard that write kills the process.
  auto result = (*client)->set("big", std::string(8 << 20, 'x'), 60);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == cache_errc::unavailable);
  CHECK_FALSE((*client)->healthy());
  // The signal that write raised was consumed, not left pending.
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  CHECK(sigismember(&pending, SIGPIPE) == 0);
}

TEST_CASE("a redis batch is one pipeline: every command is written before the first "
          "reply is read",
          "[cache]") {
  // A server that answers nothing until it has received all three GETs: a
  // client that waited for each reply before writing the next command would
  // time out here instead.
  auto listening = listening_socket();
  int fd = listening.first;
  int port = listening.second;
  // accept and recv give up after 5 s, so a client that never comes cannot
  // hang the test.
  timeval bound{5, 0};
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound)) == 0);
  std::atomic<int> seen_before_reply{0};
  std::thread server{[&] {
    int conn = ::accept(fd, nullptr, nullptr);
    if (conn < 0)
      return;
    ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
    std::string got;
    char buf[4096];
    auto count = [&] {
      int n = 0;
      for (std::size_t at = got.find("GET"); at != std::string::npos; at = got.find("GET", at + 1))
        ++n;
      return n;
    };
    while (count() < 3) {
      auto r = ::recv(conn, buf, sizeof(buf), 0);
      if (r <= 0)
        break;
      got.append(buf, static_cast<std::size_t>(r));
    }
    seen_before_reply = count();
    std::string replies = "$1\r\na\r\n$-1\r\n$1\r\nc\r\n";
    (void) ::send(conn, replies.data(), replies.size(), MSG_NOSIGNAL);
    ::close(conn);
  }};
  redis_options options;
  options.timeout = 2000ms;
  redis_client client{endpoint_for(port), options};
  using op = cache_call::op;
  auto out = client.run({{op::get, "a", {}, 0}, {op::get, "b", {}, 0}, {op::get, "c", {}, 0}});
  server.join();
  ::close(fd);
  CHECK(seen_before_reply == 3);
  REQUIRE(out.size() == 3);
  CHECK_FALSE(out[0].error);
  CHECK(out[0].value == std::optional<std::string>{"a"});
  CHECK_FALSE(out[1].error);
  CHECK_FALSE(out[1].value);
  CHECK(out[2].value == std::optional<std::string>{"c"});
}

TEST_CASE("a batch whose connection breaks fails the rest of its calls", "[cache]") {
  redis_server server{free_port()};
  auto client = redis_client::connect(redis_url(server.port()));
  REQUIRE(client);
  server.shutdown();
  using op = cache_call::op;
  auto out = (*client)->run({{op::get, "a", {}, 0}, {op::set, "b", "v", 60},
                             {op::increment, "c", {}, 60}});
  REQUIRE(out.size() == 3);
  for (auto& o : out) {
    REQUIRE(o.error);
    CHECK(is_outage(o.error->code));
  }
  CHECK_FALSE((*client)->healthy());
}

TEST_CASE("scripts still run after the server forgets them", "[cache]") {
  redis_backend b;
  auto k = b.key("counter");
  CHECK(b.client->increment(k, 60).value() == 1);
  b.raw.command({"SCRIPT", "FLUSH"});
  CHECK(b.client->increment(k, 60).value() == 2);
  // In a batch too, in order.
  b.raw.command({"SCRIPT", "FLUSH"});
  auto out = b.client->run({{cache_call::op::increment, k, {}, 60},
                            {cache_call::op::get, k, {}, 0}});
  CHECK_FALSE(out[0].error);
  CHECK(out[0].count == 3);
  CHECK(out[1].value == std::optional<std::string>{"3"});
  CHECK(b.client->token_bucket_take(b.key("bucket"), 1, 1, 1000).value().allowed);
}

TEST_CASE("nodes sharing one redis share one token bucket", "[cache]") {
  redis_backend b;
  auto other = redis_client::connect(redis_url(b.port));
  REQUIRE(other);
  std::vector<cache*> nodes{b.client.get(), other->get()};
  auto k = b.key("lastfm-key");
  const std::int64_t t0 = 1'700'000'000'000;
  int allowed = 0;
  for (std::int64_t t = t0; t < t0 + 2000; t += 10)
    for (auto* node : nodes)
      allowed += node->token_bucket_take(k, 5, 5, t).value().allowed ? 1 : 0;
  // 5 at the start plus 5 per second, whichever node asks.
  CHECK(allowed >= 14);
  CHECK(allowed <= 15);
}

TEST_CASE("a password and database in the URL are used", "[cache]") {
  redis_server server{free_port(), {"--requirepass", "s3cr:et"}};
  auto base = "127.0.0.1:" + std::to_string(server.port());
  auto client = redis_client::connect("redis://:s3cr%3Aet@" + base + "/3");
  REQUIRE(client);
  REQUIRE((*client)->set("k", "in-db-3", 60));
  raw_redis raw{server.port(), server.hello()};
  raw.command({"SELECT", "3"});
  CHECK(raw.get("k") == std::optional<std::string>{"in-db-3"});
  auto wrong = redis_client::connect("redis://:nope@" + base);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == cache_errc::unavailable);
  CHECK(wrong.error().message.find("nope") == std::string::npos);
}

// -- tiered cache -----------------------------------------------------------------------

namespace {

struct outage_rig {
  redis_server server{free_port()};
  std::vector<std::pair<bool, std::string>> events;
  tiered_cache tiered{std::make_shared<memory_cache>(1 << 20),
                      std::make_unique<redis_client>(endpoint_for(server.port()),
                                                     options()),
                      [this](bool up, std::string why) {
                        events.emplace_back(up, std::move(why));
                      },
                      tiered_options{100ms, 4096, {}}};

  static redis_options options() {
    redis_options result;
    result.timeout = 200ms;
    result.reconnect_backoff = 100ms;
    return result;
  }

  // Waits (real time: the server is real) until the cache recovers alone.
  bool recovered() {
    return eventually([this] {
      (void) tiered.get("probe");
      return tiered.redis_up();
    });
  }
};

} // namespace

TEST_CASE("the tiered cache serves from memory while redis is down and "
          "recovers by itself",
          "[cache]") {
  outage_rig rig;
  auto& tiered = rig.tiered;
  REQUIRE(tiered.set("k", "before", 60));
  CHECK(raw_redis{rig.server.port()}.get("k") == std::optional<std::string>{"before"});

  rig.server.shutdown();
  auto served_before = tiered.stats().fallback_calls;
  for (int i = 0; i < 20; ++i) {
    CHECK(tiered.get("k").value() == std::optional<std::string>{"before"});
    CHECK(tiered.set("during", std::to_string(i), 60));
    CHECK(tiered.get("during").value() == std::optional<std::string>{std::to_string(i)});
    CHECK(tiered.increment("hits", 60).value() == i + 1);
    CHECK(tiered.set_if_absent("lease", "me", 60).value() == (i == 0));
    // Pacing, not waiting for an outcome: the loop spans several probe
    // intervals (100 ms) so that probes of the dead server happen meanwhile.
    std::this_thread::sleep_for(20ms);
  }
  // Every read was served by memory, none waited on Redis.
  CHECK(tiered.stats().fallback_calls - served_before >= 40);
  REQUIRE(rig.events.size() == 1);
  CHECK_FALSE(rig.events[0].first);
  CHECK(tiered.stats().outages == 1);
  CHECK_FALSE(tiered.redis_up());

  rig.server.start();
  REQUIRE(rig.recovered());
  REQUIRE(rig.events.size() == 2);
  CHECK(rig.events[1].first);
  REQUIRE(tiered.set("after", "reaches redis", 60));
  CHECK(raw_redis{rig.server.port()}.get("after")
        == std::optional<std::string>{"reaches redis"});
  CHECK(tiered.stats().outages == 1);
  CHECK(rig.events.size() == 2);
}

TEST_CASE("a batch in an outage is served from memory, writes remembered for "
          "recovery",
          "[cache]") {
  outage_rig rig;
  auto& tiered = rig.tiered;
  using op = cache_call::op;
  auto first = tiered.run({{op::set, "k", "before", 60}, {op::get, "k", {}, 0}});
  CHECK(first[1].value == std::optional<std::string>{"before"});
  CHECK(raw_redis{rig.server.port()}.get("k") == std::optional<std::string>{"before"});
  rig.server.shutdown();
  auto served_before = tiered.stats().fallback_calls;
  auto out = tiered.run({{op::set, "k", "during", 60}, {op::get, "k", {}, 0},
                         {op::increment, "hits", {}, 60}, {op::increment, "hits", {}, 60}});
  REQUIRE(out.size() == 4);
  for (auto& o : out)
    CHECK_FALSE(o.error);
  CHECK(out[1].value == std::optional<std::string>{"during"});
  CHECK(out[3].count == 2);
  CHECK(tiered.stats().fallback_calls - served_before == 4);
  CHECK(tiered.stats().pending_invalidations == 1);
  REQUIRE(rig.events.size() == 1);
  CHECK_FALSE(rig.events[0].first);
  rig.server.start();
  REQUIRE(rig.recovered());
  // Redis's "before" was deleted on recovery rather than served.
  CHECK(raw_redis{rig.server.port()}.get("k") == std::nullopt);
  CHECK(tiered.stats().pending_invalidations == 0);
}

TEST_CASE("a redis that stops answering trips the timeout, and values written "
          "meanwhile are invalidated on recovery",
          "[cache]") {
  outage_rig rig;
  auto& tiered = rig.tiered;
  REQUIRE(tiered.set("profile", "old", 60));
  {
    raw_redis raw{rig.server.port()};
    REQUIRE(raw.command({"CLIENT", "PAUSE", "1500", "ALL"}).type == REDIS_REPLY_STATUS);
  }
  // The read is answered from memory once the 200 ms timeout trips, not
  // when the pause ends: the outage is reported as a timeout.
  CHECK(tiered.get("profile").value() == std::optional<std::string>{"old"});
  REQUIRE(rig.events.size() == 1);
  CHECK_FALSE(rig.events[0].first);
  CHECK(rig.events[0].second.find("timeout") != std::string::npos);
  // Meanwhile writes and reads go to memory only, remembered for recovery.
  auto served_before = tiered.stats().fallback_calls;
  REQUIRE(tiered.set("profile", "new", 60));
  CHECK(tiered.get("profile").value() == std::optional<std::string>{"new"});
  CHECK(tiered.stats().fallback_calls > served_before);
  CHECK(tiered.stats().pending_invalidations == 1);

  REQUIRE(rig.recovered());
  REQUIRE(rig.events.size() == 2);
  CHECK(rig.events[1].first);
  // Redis still had "old": recovery deleted it rather than let it be served.
  CHECK(raw_redis{rig.server.port()}.get("profile") == std::nullopt);
  CHECK_FALSE(tiered.get("profile").value().has_value());
  CHECK(tiered.stats().pending_invalidations == 0);
}

TEST_CASE("the tiered cache reports a redis that is down at boot once",
          "[cache]") {
  std::vector<bool> events;
  tiered_options options{60'000ms, 16, {}};
  tiered_cache tiered{std::make_shared<memory_cache>(1 << 16),
                      std::make_unique<redis_client>(endpoint_for(free_port()),
                                                     redis_options{}),
                      [&](bool up, std::string) { events.push_back(up); },
                      options};
  for (int i = 0; i < 10; ++i)
    REQUIRE(tiered.set("k" + std::to_string(i), "v", 60));
  CHECK(events == std::vector<bool>{false});
  CHECK(tiered.get("k3").value() == std::optional<std::string>{"v"});
  auto s = tiered.stats();
  CHECK(s.outages == 1);
  CHECK(s.pending_invalidations == 10);
  CHECK(s.fallback_calls == 11);
}

TEST_CASE("tiered caches come from settings", "[cache]") {
  lastgram::cache_settings settings;
  auto local = tiered_cache::from_settings(settings);
  REQUIRE(local);
  CHECK_FALSE((*local)->stats().redis_configured);
  REQUIRE((*local)->set("k", "v", 60));
  CHECK((*local)->memory()->get("k").value() == std::optional<std::string>{"v"});
  settings.redis_url = "redis://:pw@";
  CHECK_FALSE(tiered_cache::from_settings(settings));
  settings.redis_url = redis_url(shared_redis_port());
  auto shared = tiered_cache::from_settings(settings);
  REQUIRE(shared);
  CHECK((*shared)->stats().redis_configured);
  auto key = unique_prefix() + "from-settings";
  REQUIRE((*shared)->set(key, "in redis", 60));
  raw_redis raw{shared_redis_port()};
  CHECK(raw.get(key) == std::optional<std::string>{"in redis"});
  CHECK(raw.integer({"DEL", key}) == 1);
  CHECK((*shared)->poll());
}
