#include "actors/database/direct_reads.hpp"

#include <array>
#include <chrono>
#include <mutex>
#include <utility>

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/wall_clock.hpp"

namespace lastgram::database {

result<user_lookup> lookup(result<std::optional<user_record>> res) {
  if (!res)
    return res.error();
  user_lookup out;
  out.found = res->has_value();
  if (out.found)
    out.user = std::move(**res);
  return out;
}

result<guard_users> read_facts(store& db, platform_kind p, const std::string& author,
                               const std::string& target, const std::string& group) {
  guard_users out;
  auto a = lookup(db.get_user(p, author));
  if (!a)
    return a.error();
  out.author = std::move(a).value();
  if (!group.empty()) {
    // Whoever runs a command in a group is one of its members (for
    // who-knows), recorded in this same round trip.
    if (out.author.found && !out.author.user.fm_username.empty())
      if (auto m = db.record_member(p, group, author); !m)
        return m.error();
    auto g = db.get_group(p, group);
    if (!g)
      return g.error();
    if (*g)
      out.group_language = (*g)->language;
  }
  if (target.empty())
    return out;
  auto t = lookup(db.get_user(p, target));
  if (!t)
    return t.error();
  out.target = std::move(t).value();
  return out;
}

namespace {

using clock_type = std::chrono::steady_clock;

/// How long a reader waits for a SQLite lock before handing the read back
/// (WAL readers take one only in rare moments, e.g. a checkpoint's reset).
constexpr std::int64_t busy_timeout_ms = 5;
/// After a failed open, the engine serves for this long before a retry.
constexpr auto reopen_after = std::chrono::seconds{1};

struct counters {
  std::array<metrics::counter, 4> served;
  std::array<metrics::counter, 4> engine;
};

const counters& direct_counters() {
  static const counters c = [] {
    counters out;
    constexpr const char* name = "lastgram_database_direct_reads_total";
    constexpr const char* help
      = "Hot-path reads and inbox writes served off the database engine's workers (served: "
        "SQLite on the caller's thread, PostgreSQL's pipelined lane) or handed to them "
        "(engine), by op.";
    const std::array<const char*, 4> ops{"facts", "plays", "inbox_add", "inbox_mark"};
    for (std::size_t i = 0; i < ops.size(); ++i) {
      out.served[i] = metrics::get_counter(name, help, {{"op", ops[i]}, {"outcome", "served"}});
      out.engine[i] = metrics::get_counter(name, help, {{"op", ops[i]}, {"outcome", "engine"}});
    }
    return out;
  }();
  return c;
}

} // namespace

void count_hot(hot_op op, bool served) {
  const auto& c = direct_counters();
  (served ? c.served : c.engine)[static_cast<std::size_t>(op)].inc();
}

struct direct_reads::slot {
  std::mutex mtx;
  std::optional<store> db;
  clock_type::time_point next_open{};
};

std::shared_ptr<direct_reads> direct_reads::make(const database_settings& cfg, std::size_t slots) {
  if (!cfg.url.empty() || cfg.path.empty() || cfg.path == ":memory:" || slots == 0)
    return nullptr;
  return std::make_shared<direct_reads>(cfg, slots);
}

direct_reads::direct_reads(const database_settings& cfg, std::size_t slots) : cfg_(cfg) {
  cfg_.statement_timeout_ms = busy_timeout_ms;
  slots_.reserve(slots);
  for (std::size_t i = 0; i < slots; ++i)
    slots_.push_back(std::make_unique<slot>());
  direct_counters();
}

direct_reads::~direct_reads() = default;

template <class T, class Call>
std::optional<T> direct_reads::run(hot_op op, Call&& call) {
  for (auto& s : slots_) {
    std::unique_lock<std::mutex> guard{s->mtx, std::try_to_lock};
    if (!guard.owns_lock())
      continue;
    if (!s->db) {
      auto now = clock_type::now();
      if (now < s->next_open)
        break;
      auto opened = store::open(cfg_);
      if (!opened) {
        s->next_open = now + reopen_after;
        log::debug("database", "direct read connection not opened",
                   {{"error", opened.error().message}});
        break;
      }
      s->db.emplace(std::move(opened).value());
    }
    auto res = call(*s->db);
    if (!res) {
      // The engine answers it, with its own logs and error counts; a lost
      // connection is opened again on a later read.
      if (res.error().code == db_errc::unavailable)
        s->db.reset();
      break;
    }
    count_hot(op, true);
    return std::optional<T>{std::move(res).value()};
  }
  count_hot(op, false);
  return std::nullopt;
}

std::optional<guard_users> direct_reads::facts(platform_kind p, const std::string& author,
                                               const std::string& target) {
  static const std::string no_group;
  return run<guard_users>(hot_op::facts, [&](store& db) {
    return read_facts(db, p, author, target, no_group);
  });
}

std::optional<std::int64_t> direct_reads::indexed_playcount(const indexed_plays_query& q) {
  return run<std::int64_t>(hot_op::plays, [&](store& db) { return db.indexed_playcount(q); });
}

std::optional<std::vector<std::string>> direct_reads::inbox_add(
  const std::vector<inbox_entry>& entries, const std::string& claimer) {
  return run<std::vector<std::string>>(
    hot_op::inbox_add, [&](store& db) { return db.inbox_add(entries, claimer, unix_ms_now() / 1000); });
}

std::optional<std::int64_t> direct_reads::inbox_mark(platform_kind p,
                                                     const std::vector<std::string>& replied,
                                                     const std::vector<std::string>& done) {
  return run<std::int64_t>(
    hot_op::inbox_mark, [&](store& db) { return db.inbox_mark(p, replied, done, unix_ms_now() / 1000); });
}

} // namespace lastgram::database
