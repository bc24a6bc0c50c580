#include "actors/database/pg_lane.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <map>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "actors/database/direct_reads.hpp"
#include "actors/database/hot_sql.hpp"
#include "actors/database/pg_module.hpp"
#include "actors/database/pg_pipe.hpp"
#include "actors/database/store.hpp"
#include "actors/support/lane_core.hpp"
#include "actors/support/wall_clock.hpp"

namespace lastgram::database {

namespace asio = boost::asio;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* engine = "database";

/// The statements, in the order the module prepares them, each with its
/// placeholders in the order numbered_placeholders numbers them.
enum statement : int { st_user = 0, st_plays, st_inbox_add, st_replied, st_done };

struct statement_text {
  const char* sql;
  std::vector<std::string> names;
};

const std::vector<statement_text>& statement_texts() {
  static const std::vector<statement_text> all{
    {hot_sql::user_row, {"p", "id"}},
    {hot_sql::plays_row, {"u", "k", "nn", "na"}},
    {hot_sql::inbox_add, {"p", "u", "body", "now", "me"}},
    {hot_sql::inbox_replied, {"p", "u"}},
    {hot_sql::inbox_done, {"now", "p", "u"}},
  };
  return all;
}

std::int64_t to_int(const std::optional<std::string>& cell) {
  std::int64_t out = 0;
  if (cell)
    std::from_chars(cell->data(), cell->data() + cell->size(), out);
  return out;
}

/// One users row (hot_sql::user_row's columns) of `platform`.
user_lookup user_from(const pg_reply& r, platform_kind platform) {
  user_lookup out;
  constexpr int columns = 15;
  if (r.columns != columns || r.cells.size() < static_cast<std::size_t>(columns))
    return out;
  out.found = true;
  auto& c = r.cells;
  auto text = [&c](int i) { return c[static_cast<std::size_t>(i)].value_or(std::string{}); };
  auto num = [&c](int i) { return to_int(c[static_cast<std::size_t>(i)]); };
  auto& x = out.user;
  x.id = num(0);
  x.platform = platform;
  x.platform_id = text(2);
  x.fm_username = text(3);
  x.has_session_key = num(4) != 0;
  x.language = text(5);
  x.show_tags = num(6) != 0;
  x.cover_as_link = num(7) != 0;
  x.loved_emoji = text(8);
  x.banned = num(9) != 0;
  x.crown_banned = num(10) != 0;
  x.display_name = text(11);
  x.created_at = num(12);
  x.time_zone = text(13);
  x.indexed_through = num(14);
  return out;
}

bool all_ok(const std::vector<pg_reply>& replies, std::size_t expected) {
  if (replies.size() != expected)
    return false;
  return std::all_of(replies.begin(), replies.end(), [](const pg_reply& r) {
    return r.what == pg_reply::kind::rows || r.what == pg_reply::kind::command;
  });
}

} // namespace

struct pg_lane::impl : std::enable_shared_from_this<pg_lane::impl> {
  /// One operation: its statements, then a sync.
  struct op {
    std::vector<std::pair<int, std::vector<std::string>>> statements;
    /// Gets the statements' results, or null when the operation failed.
    std::function<void(const std::vector<pg_reply>*)> finish;
    std::vector<pg_reply> replies;
    clock_type::time_point sent{};
  };

  // The server gives up on a statement after statement_timeout: an answer
  // later than that and a second means the connection is gone.
  impl(const database_settings& cfg, asio::io_context& io)
    : core(io, engine, "pipelined connection",
           std::chrono::milliseconds{std::max<std::int64_t>(cfg.statement_timeout_ms, 0) + 1000},
           {[this] {
              return inflight.empty() ? std::optional<clock_type::time_point>{}
                                      : inflight.front().sent;
            },
            [this] { lost("no answer within the statement timeout"); },
            [this] { connect(); }}) {
    conninfo = pg_conninfo(cfg);
    setup = pg_session_setup(cfg);
    for (const auto& s : statement_texts()) {
      std::vector<std::string> names;
      statements.push_back(hot_sql::numbered_placeholders(s.sql, names));
      if (names != s.names)
        throw std::logic_error(std::string{"pg_lane: the placeholders of a statement changed: "}
                               + s.sql);
    }
  }

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  /// Runs `o` on the loop's thread.
  void submit(op o) {
    core.taken();
    core.run_on_loop([self = shared_from_this(), o = std::move(o)]() mutable {
      self->run(std::move(o));
    });
  }

  void finish(op& o, const std::vector<pg_reply>* replies) {
    core.finished();
    auto f = std::move(o.finish);
    f(replies);
  }

  void run(op o) {
    if (!core.up()) {
      finish(o, nullptr);
      return;
    }
    for (auto& [index, values] : o.statements)
      if (!pipe->send(index, values)) {
        finish(o, nullptr);
        return lost(pipe->error());
      }
    if (!pipe->sync()) {
      finish(o, nullptr);
      return lost(pipe->error());
    }
    o.sent = clock_type::now();
    inflight.push_back(std::move(o));
    core.watch();
    flush();
  }

  void flush() {
    int r = pipe->flush();
    if (r < 0)
      return lost(pipe->error());
    if (r == 0 || writing)
      return;
    writing = true;
    core.wait(false, [self = shared_from_this()](const auto& ec) {
      if (ec)
        return;
      self->writing = false;
      self->flush();
    });
  }

  void wait_readable() {
    core.wait(true, [self = shared_from_this()](const auto& ec) {
      if (!ec)
        self->readable();
    });
  }

  // What libpq leaves unread is not lost: each wait re-registers the
  // socket with epoll (EPOLL_CTL_MOD), which reports it at once if readable.
  void readable() {
    if (!pipe->consume())
      return lost(pipe->error());
    for (auto r = pipe->next(); r.what != pg_reply::kind::pending; r = pipe->next()) {
      if (r.what == pg_reply::kind::broken)
        return lost(r.error);
      if (inflight.empty())
        return lost("an answer nobody asked for");
      if (r.what != pg_reply::kind::sync) {
        inflight.front().replies.push_back(std::move(r));
        continue;
      }
      auto done = std::move(inflight.front());
      inflight.pop_front();
      finish(done, &done.replies);
    }
    wait_readable();
  }

  /// Watches libpq's socket, which may change while connecting.
  bool watch() {
    if (core.watch_socket(pipe->socket()))
      return true;
    writing = false;
    return false;
  }

  void forget_socket() {
    core.forget_socket();
    writing = false;
  }

  void connect() {
    if (core.stopped())
      return;
    const pg_entry_points* module = nullptr;
    try {
      module = &pg_module();
    } catch (const std::exception& e) {
      return lost(e.what());
    }
    pipe = module->open_pipe(conninfo, setup, statements);
    if (!pipe)
      return lost("libpq could not start a connection");
    // libpq: wait until writable before the first poll.
    connecting(pg_pipe::step::write);
  }

  void connecting(pg_pipe::step s) {
    if (!watch())
      return lost(pipe->error());
    core.wait(s == pg_pipe::step::read, [self = shared_from_this()](const auto& ec) {
      if (ec)
        return;
      switch (auto next = self->pipe->connect()) {
        case pg_pipe::step::ready:
          return self->ready();
        case pg_pipe::step::failed:
          return self->lost(self->pipe->error());
        default:
          return self->connecting(next);
      }
    });
  }

  void ready() {
    if (!watch())
      return lost(pipe->error());
    core.connected();
    flush();
    wait_readable();
  }

  /// The connection failed or did not open: what waits goes to the workers,
  /// and a new one is tried after the backoff.
  void lost(const std::string& why) {
    forget_socket();
    pipe.reset();
    core.failed(why);
    auto failed = std::move(inflight);
    inflight.clear();
    for (auto& o : failed)
      finish(o, nullptr);
  }

  void shut() {
    core.stop();
    lost("stopped");
  }

  std::string conninfo;
  std::vector<std::string> setup;
  std::vector<std::string> statements;
  std::unique_ptr<pg_pipe> pipe;
  std::deque<op> inflight;
  bool writing = false;
  /// Last: its hooks use the members above, and it leaves libpq's socket
  /// to the pipe when it goes first.
  support::lane_core core;
};

std::shared_ptr<pg_lane> pg_lane::make(const database_settings& cfg,
                                       std::shared_ptr<asio::io_context> loop) {
  if (cfg.url.empty() || !cfg.direct_reads || !loop)
    return nullptr;
  return std::make_shared<pg_lane>(cfg, std::move(loop));
}

pg_lane::pg_lane(const database_settings& cfg, std::shared_ptr<asio::io_context> loop)
  : loop_(std::move(loop)), impl_(std::make_shared<impl>(cfg, *loop_)) {
  asio::post(*loop_, [self = impl_] {
    self->core.bind();
    self->connect();
  });
}

pg_lane::~pg_lane() {
  stop();
}

bool pg_lane::up() const noexcept {
  return impl_->core.up() && impl_->core.has_room();
}

void pg_lane::stop() {
  asio::post(*loop_, [self = impl_] { self->shut(); });
}

void pg_lane::facts(platform_kind p, std::string author, std::string target,
                    reply<guard_users> done) {
  impl::op o;
  auto platform = std::string{to_string(p)};
  bool with_target = !target.empty();
  o.statements.push_back({st_user, {platform, std::move(author)}});
  if (with_target)
    o.statements.push_back({st_user, {platform, std::move(target)}});
  o.finish = [p, with_target, done = std::move(done)](const std::vector<pg_reply>* r) {
    if (r == nullptr || !all_ok(*r, with_target ? 2 : 1))
      return done(std::nullopt);
    guard_users out;
    out.author = user_from((*r)[0], p);
    if (with_target)
      out.target = user_from((*r)[1], p);
    count_hot(hot_op::facts, true);
    done(std::move(out));
  };
  impl_->submit(std::move(o));
}

void pg_lane::plays(indexed_plays_query q, reply<std::int64_t> done) {
  // As store::indexed_playcount: albums and tracks of depth 0 are not
  // indexed, and a missing row is told by the index's depth (left to the
  // workers, which read it).
  bool every = q.kind == entity_kind::artist && q.depth == 0;
  if (!every && q.depth <= 0) {
    count_hot(hot_op::plays, true);
    return done(std::int64_t{-1});
  }
  impl::op o;
  o.statements.push_back(
    {st_plays,
     {std::to_string(q.user_id), std::string{to_string(q.kind)}, normalize_name(q.name),
      q.kind == entity_kind::artist ? std::string{} : normalize_name(q.artist)}});
  o.finish = [every, since = std::move(q.since),
              done = std::move(done)](const std::vector<pg_reply>* r) {
    if (r == nullptr || !all_ok(*r, 1) || (*r)[0].what != pg_reply::kind::rows)
      return done(std::nullopt);
    const auto& rows = (*r)[0];
    auto later_than = [&since](std::int64_t counted_through) {
      return static_cast<std::int64_t>(std::count_if(
        since.begin(), since.end(), [&](std::int64_t t) { return t > counted_through; }));
    };
    if (rows.columns == 2 && rows.cells.size() >= 2) {
      count_hot(hot_op::plays, true);
      return done(to_int(rows.cells[0]) + later_than(to_int(rows.cells[1])));
    }
    if (!every)
      return done(std::nullopt);
    count_hot(hot_op::plays, true);
    done(later_than(0));
  };
  impl_->submit(std::move(o));
}

void pg_lane::inbox_add(std::vector<inbox_entry> entries, std::string claimer,
                        reply<std::vector<std::string>> done) {
  // One operation: a batch commits together, as the store's transaction.
  impl::op o;
  auto now = std::to_string(unix_ms_now() / 1000);
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (auto& e : entries) {
    ids.push_back(e.update_id);
    o.statements.push_back({st_inbox_add,
                            {std::string{to_string(e.platform)}, std::move(e.update_id),
                             std::move(e.payload), now, claimer}});
  }
  o.finish = [ids = std::move(ids), done = std::move(done)](const std::vector<pg_reply>* r) {
    if (r == nullptr || !all_ok(*r, ids.size()))
      return done(std::nullopt);
    std::vector<std::string> fresh;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if ((*r)[i].affected > 0)
        fresh.push_back(ids[i]);
    count_hot(hot_op::inbox_add, true);
    done(std::move(fresh));
  };
  impl_->submit(std::move(o));
}

void pg_lane::inbox_mark(platform_kind p, const std::vector<std::string>& replied,
                         const std::vector<std::string>& done_ids, reply<std::int64_t> done) {
  // As store::inbox_mark: rows in update-id order (the order a lease's
  // renewal locks them in), each replied before done, in one operation.
  std::map<std::string_view, std::pair<bool, bool>> rows;
  for (const auto& id : replied)
    rows[id].first = true;
  for (const auto& id : done_ids)
    rows[id].second = true;
  impl::op o;
  auto platform = std::string{to_string(p)};
  auto now = std::to_string(unix_ms_now() / 1000);
  for (const auto& [id, which] : rows) {
    if (which.first)
      o.statements.push_back({st_replied, {platform, std::string{id}}});
    if (which.second)
      o.statements.push_back({st_done, {now, platform, std::string{id}}});
  }
  if (o.statements.empty()) {
    count_hot(hot_op::inbox_mark, true);
    return done(std::int64_t{0});
  }
  auto n = o.statements.size();
  o.finish = [n, done = std::move(done)](const std::vector<pg_reply>* r) {
    if (r == nullptr || !all_ok(*r, n))
      return done(std::nullopt);
    std::int64_t changed = 0;
    for (const auto& x : *r)
      changed += x.affected;
    count_hot(hot_op::inbox_mark, true);
    done(changed);
  };
  impl_->submit(std::move(o));
}

} // namespace lastgram::database
