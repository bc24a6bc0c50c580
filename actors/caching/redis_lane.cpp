#include "actors/caching/redis_lane.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "actors/caching/redis_replies.hpp"
#include "actors/support/lane_core.hpp"

namespace lastgram::caching {

namespace asio = boost::asio;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* engine = "caching";

} // namespace

struct redis_lane::impl : std::enable_shared_from_this<redis_lane::impl> {
  /// One pipeline: its calls, their outcomes as the replies arrive.
  struct batch {
    impl* owner = nullptr;
    std::vector<cache_call> calls;
    std::vector<cache_outcome> out;
    /// The calls sent (a call refused here, a bad TTL, is not).
    std::vector<std::size_t> sent;
    std::size_t replied = 0;
    bool failed = false;
    reply done;
  };

  // A reply later than the engine's own timeout and a second means the
  // connection is gone (this is not a latency bound: a busy loop reads late).
  impl(redis_endpoint e, std::chrono::milliseconds t, asio::io_context& io)
    : endpoint(std::move(e)),
      core(io, engine, "redis pipelined connection", t + std::chrono::seconds{1},
           {[this] {
              if (connect_started || inflight.empty())
                return connect_started;
              return std::optional<clock_type::time_point>{inflight.front().second};
            },
            [this] { drop(connect_started ? "connect timed out" : "no reply within the timeout"); },
            [this] { connect(); }}) {
  }

  // Without shut() having run (the loop stopped first): the context is
  // hiredis's to free (and its socket to close).
  ~impl() {
    core.stop();
    if (ac != nullptr) {
      auto* c = ac;
      redisAsyncFree(c);
      ac = nullptr;
    }
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  void submit(std::unique_ptr<batch> b) {
    core.taken();
    core.run_on_loop([self = shared_from_this(), b = std::move(b)]() mutable {
      self->send(std::move(b));
    });
  }

  void send(std::unique_ptr<batch> b) {
    if (ac == nullptr || !core.up()) {
      b->failed = true;
      return finish(b.release());
    }
    b->owner = this;
    b->out.resize(b->calls.size());
    std::vector<std::string> ttls(b->calls.size());
    auto commands = detail::commands_of(b->calls, ttls, b->out, b->sent);
    if (commands.empty())
      return finish(b.release());
    // In flight before the first command goes: a command hiredis refuses is
    // answered at once, and the batch's last answer takes it out again.
    auto* raw = b.release();
    inflight.push_back({raw, clock_type::now()});
    for (const auto& command : commands) {
      detail::redis_argv a{command};
      // Only fails on a context hiredis is freeing: the callback then gets
      // no reply (hiredis calls every callback it took, and none it refused).
      if (redisAsyncCommandArgv(ac, &impl::on_reply, raw, a.count(), a.argv.data(),
                                a.lens.data())
          != REDIS_OK)
        on_reply(ac, nullptr, raw);
    }
    core.watch();
  }

  /// A pipeline's reply, in order (null: the connection is gone).
  static void on_reply(redisAsyncContext*, void* r, void* privdata) {
    auto* b = static_cast<batch*>(privdata);
    if (r == nullptr)
      b->failed = true;
    else {
      auto i = b->sent[b->replied];
      detail::decode(b->calls[i].what, *static_cast<redisReply*>(r), b->out[i]);
    }
    if (++b->replied == b->sent.size())
      b->owner->complete(b);
  }

  void complete(batch* b) {
    // Pipelines end in the order they were sent.
    if (!inflight.empty() && inflight.front().first == b)
      inflight.pop_front();
    finish(b);
  }

  void finish(batch* raw) {
    std::unique_ptr<batch> b{raw};
    core.finished();
    bool outage = b->failed || std::any_of(b->out.begin(), b->out.end(), [](const auto& o) {
                    return o.error && is_outage(o.error->code);
                  });
    if (outage)
      return b->done(std::nullopt);
    b->done(std::move(b->out));
  }

  // hiredis's event hooks (ev.data is this impl).
  static void add_read(void* p) {
    auto* self = static_cast<impl*>(p);
    self->want_read = true;
    self->arm(true);
  }
  static void del_read(void* p) {
    static_cast<impl*>(p)->want_read = false;
  }
  static void add_write(void* p) {
    auto* self = static_cast<impl*>(p);
    self->want_write = true;
    self->arm(false);
  }
  static void del_write(void* p) {
    static_cast<impl*>(p)->want_write = false;
  }
  static void cleanup(void* p) {
    // hiredis frees the context (and closes the socket) right after.
    static_cast<impl*>(p)->forget_socket();
  }

  void arm(bool read) {
    bool& armed = read ? reading : writing;
    if (armed || !core.watching())
      return;
    armed = true;
    core.wait(read, [self = shared_from_this(), read](const auto& ec) {
      (read ? self->reading : self->writing) = false;
      if (ec || self->ac == nullptr)
        return;
      if (read && self->want_read)
        redisAsyncHandleRead(self->ac);
      else if (!read && self->want_write)
        redisAsyncHandleWrite(self->ac);
      // The context may be gone (its callbacks dropped it), after a write
      // that raised SIGPIPE.
      if (self->ac == nullptr) {
        detail::swallow_sigpipe();
        return;
      }
      if (read ? self->want_read : self->want_write)
        self->arm(read);
    });
  }

  void forget_socket() {
    core.forget_socket();
    reading = writing = want_read = want_write = false;
  }

  void connect() {
    if (core.stopped())
      return;
    ac = redisAsyncConnect(endpoint.host.c_str(), endpoint.port);
    if (ac == nullptr)
      return core.failed("hiredis could not start a connection");
    if (ac->err != 0) {
      std::string why = ac->errstr;
      redisAsyncFree(ac);
      ac = nullptr;
      return core.failed(why);
    }
    ac->data = this;
    ac->ev.data = this;
    ac->ev.addRead = &impl::add_read;
    ac->ev.delRead = &impl::del_read;
    ac->ev.addWrite = &impl::add_write;
    ac->ev.delWrite = &impl::del_write;
    ac->ev.cleanup = &impl::cleanup;
    core.watch_socket(ac->c.fd);
    redisAsyncSetConnectCallback(ac, &impl::on_connect);
    redisAsyncSetDisconnectCallback(ac, &impl::on_disconnect);
    handshakes = 0;
    for (const auto& command : handshake_commands(endpoint)) {
      detail::redis_argv a{command};
      ++handshakes;
      redisAsyncCommandArgv(ac, &impl::on_handshake, this, a.count(), a.argv.data(),
                            a.lens.data());
    }
    // The connect completes on the first writable event.
    add_write(this);
    // Bounded like every pipeline.
    connect_started = clock_type::now();
    core.watch();
  }

  static void on_connect(const redisAsyncContext* c, int status) {
    auto* self = static_cast<impl*>(c->data);
    if (status != REDIS_OK) {
      // hiredis frees the context after this.
      std::string why = c->errstr;
      self->ac = nullptr;
      return self->core.failed(why);
    }
    if (self->handshakes == 0)
      self->ready();
  }

  static void on_handshake(redisAsyncContext* c, void* r, void*) {
    auto* self = static_cast<impl*>(c->data);
    auto* reply = static_cast<redisReply*>(r);
    if (reply == nullptr)
      return; // the connection went; on_disconnect says so
    if (reply->type != REDIS_REPLY_STATUS) {
      self->handshake_failed = to_string(detail::unexpected(*reply, "handshake"));
      // Ends the connection once the replies before it are in.
      redisAsyncDisconnect(c);
      return;
    }
    if (--self->handshakes == 0)
      self->ready();
  }

  static void on_disconnect(const redisAsyncContext* c, int) {
    auto* self = static_cast<impl*>(c->data);
    std::string why = self->handshake_failed.empty() ? std::string{c->errstr}
                                                      : self->handshake_failed;
    if (why.empty())
      why = "connection closed";
    self->handshake_failed.clear();
    self->ac = nullptr;
    self->core.failed(why);
  }

  void ready() {
    connect_started.reset();
    core.connected();
  }

  /// Drops the connection (the callbacks get no reply, on_disconnect runs
  /// for a connected context).
  void drop(const std::string& why) {
    if (ac == nullptr)
      return core.failed(why);
    handshake_failed = why;
    auto* c = ac;
    redisAsyncFree(c);
    // A context never connected gets no on_disconnect.
    if (ac != nullptr) {
      ac = nullptr;
      handshake_failed.clear();
      core.failed(why);
    }
  }

  void shut() {
    core.stop();
    drop("stopped");
  }

  redis_endpoint endpoint;
  redisAsyncContext* ac = nullptr;
  /// The pipelines sent, oldest first, with when.
  std::deque<std::pair<batch*, clock_type::time_point>> inflight;
  /// While connecting: since when (the deadline watches it as it watches a
  /// pipeline).
  std::optional<clock_type::time_point> connect_started;
  int handshakes = 0;
  std::string handshake_failed;
  bool reading = false;
  bool writing = false;
  bool want_read = false;
  bool want_write = false;
  std::atomic<bool> serving{true};
  /// Last: its hooks use the members above.
  support::lane_core core;
};

std::shared_ptr<redis_lane> redis_lane::make(const cache_settings& settings,
                                             std::shared_ptr<asio::io_context> loop) {
  if (settings.redis_url.empty() || !loop)
    return nullptr;
  auto endpoint = parse_redis_url(settings.redis_url);
  if (!endpoint)
    return nullptr;
  return std::make_shared<redis_lane>(std::move(*endpoint),
                                      std::chrono::milliseconds{settings.redis_timeout_ms},
                                      std::move(loop));
}

redis_lane::redis_lane(redis_endpoint endpoint, std::chrono::milliseconds timeout,
                       std::shared_ptr<asio::io_context> loop)
  : loop_(std::move(loop)),
    impl_(std::make_shared<impl>(std::move(endpoint), timeout, *loop_)) {
  asio::post(*loop_, [self = impl_] {
    self->core.bind();
    detail::block_sigpipe_here();
    self->connect();
  });
}

redis_lane::~redis_lane() {
  stop();
}

bool redis_lane::up() const noexcept {
  return impl_->core.up() && impl_->serving.load(std::memory_order_relaxed)
         && impl_->core.has_room();
}

void redis_lane::serving(bool yes) noexcept {
  impl_->serving.store(yes, std::memory_order_relaxed);
}

void redis_lane::run(std::vector<cache_call> calls, reply done) {
  auto b = std::make_unique<impl::batch>();
  b->calls = std::move(calls);
  b->done = std::move(done);
  impl_->submit(std::move(b));
}

void redis_lane::stop() {
  asio::post(*loop_, [self = impl_] { self->shut(); });
}

} // namespace lastgram::caching
