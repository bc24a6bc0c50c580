// Scale benchmark of the group side of the store (issue 11, "Scale"):
// generates 10,000 users with 1,000 artists, 1,000 albums and 1,000 tracks
// each (30 M user_plays rows; names from a Zipf-like popularity over a
// vocabulary of band-like names, so popular artists are in most libraries),
// a group of 1,000 members and the crowns it would hold; bulk-loads it; then
// times the store calls the database engine makes for /whoknows (artist,
// album, track) in that group, /globalwhoknows and /crownsinfo, over a few
// hundred queries each (a third popular, a third mid-list, a third rare
// names). The time is the store call's wall time: database time plus SOCI.
// Prints markdown table rows (bench/groups_scale.sh adds the header).
//
//   groups_scale (--sqlite PATH | --postgres URL) [--users 10000]
//                [--per-kind 1000] [--members 1000] [--artists 100000]
//                [--queries 300] [--label NAME] [--header] [--no-load]
//
// PATH must not exist (it is created); the PostgreSQL database must be
// empty. --no-load measures a database an earlier run loaded with the same
// scale flags (new migrations are applied first), e.g. after a store
// change. Figures, never assertions.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench/groups_scale_data.hpp"
#include "bench/groups_scale_load.hpp"

#include "actors/database/store.hpp"

using namespace lastgram;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  bench::scale_spec spec;
  std::string sqlite, postgres, label;
  int queries = 300;
  bool header = false;
  bool load = true;
};

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has = i + 1 < argc;
    if (a == "--header")
      o.header = true;
    else if (a == "--no-load")
      o.load = false;
    else if (a == "--sqlite" && has)
      o.sqlite = argv[++i];
    else if (a == "--postgres" && has)
      o.postgres = argv[++i];
    else if (a == "--label" && has)
      o.label = argv[++i];
    else if (a == "--users" && has)
      o.spec.users = std::atoi(argv[++i]);
    else if (a == "--per-kind" && has)
      o.spec.per_kind = std::atoi(argv[++i]);
    else if (a == "--members" && has)
      o.spec.members = std::atoi(argv[++i]);
    else if (a == "--artists" && has)
      o.spec.artists = std::atoi(argv[++i]);
    else if (a == "--queries" && has)
      o.queries = std::atoi(argv[++i]);
    else
      return false;
  }
  if (o.label.empty())
    o.label = o.postgres.empty() ? "SQLite" : "PostgreSQL";
  return o.sqlite.empty() != o.postgres.empty() && o.spec.users > 0 && o.spec.members > 0
         && o.spec.per_kind > 0 && 2LL * o.spec.per_kind <= o.spec.artists && o.queries > 0;
}

/// The `i`-th query's popularity rank among `n`: a third from the top 100,
/// a third from the next 5,000 (scaled down for small vocabularies), a
/// third anywhere below.
std::int64_t rank_for(int i, std::int64_t n, std::mt19937_64& rng) {
  std::int64_t top = std::max<std::int64_t>(1, std::min<std::int64_t>(100, n / 100));
  std::int64_t mid = std::max<std::int64_t>(top + 1, std::min<std::int64_t>(5100, n / 10));
  std::int64_t lo = i % 3 == 0 ? 0 : (i % 3 == 1 ? top : mid);
  std::int64_t hi = i % 3 == 0 ? top : (i % 3 == 1 ? mid : n);
  return std::uniform_int_distribution<std::int64_t>(lo, hi - 1)(rng);
}

struct timing {
  std::string what;
  double target_ms;
  std::vector<double> ms;
  /// This thread's CPU time per call: for SQLite, the database's own work
  /// (it runs in this thread), untouched by waits for a busy CPU; for
  /// PostgreSQL only the client's share.
  std::vector<double> cpu_ms;
  int errors = 0;
};

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

/// Runs `one(i)` `n` times (after a few unmeasured warm-up runs) and keeps
/// each call's wall time.
timing measure(const std::string& what, double target_ms, int n,
               const std::function<bool(int)>& one) {
  timing t{what, target_ms, {}, {}, 0};
  for (int i = 0; i < std::min(n, 10); ++i)
    one(n + i);
  for (int i = 0; i < n; ++i) {
    auto c0 = thread_cpu_ms();
    auto t0 = clock_type::now();
    bool ok = one(i);
    t.ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    t.cpu_ms.push_back(thread_cpu_ms() - c0);
    t.errors += ok ? 0 : 1;
  }
  std::sort(t.ms.begin(), t.ms.end());
  std::sort(t.cpu_ms.begin(), t.cpu_ms.end());
  return t;
}

double pct(const std::vector<double>& v, double q) {
  auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
}

std::vector<timing> run_queries(database::store& db, const bench::scale_world& w, int n) {
  std::vector<timing> out;
  const auto& s = w.spec();
  int stride = std::max(1, s.users / s.members);
  auto who_knows = [&](entity_kind kind, bool group, std::int64_t vocab) {
    return [&db, &w, kind, group, vocab, stride, members = s.members](int i) {
      std::mt19937_64 rng{static_cast<std::uint64_t>(i) * 7919 + static_cast<int>(kind)};
      std::int64_t r = rank_for(i, vocab, rng);
      std::int64_t id = kind == entity_kind::artist  ? w.artist_id(r)
                        : kind == entity_kind::album ? w.album_id(r)
                                                     : w.track_id(r);
      auto e = w.entity(id);
      who_knows_request req;
      req.platform = platform_kind::telegram;
      req.group_id = group ? bench::group_platform_id : "";
      req.kind = kind;
      req.name = e.name;
      req.artist = e.artist;
      // A member asks, with a fresh count from Last.fm (as the command does).
      req.invoker_id = std::to_string(stride * (1 + i % members));
      req.invoker_plays = 1 + i % 300;
      return db.run_who_knows(req).has_value();
    };
  };
  std::int64_t a = s.artists;
  out.push_back(measure("/whoknows artist (group)", 20, n, who_knows(entity_kind::artist, true, a)));
  out.push_back(measure("/whoknowsalbum (group)", 20, n, who_knows(entity_kind::album, true, 3 * a)));
  out.push_back(measure("/whoknowstrack (group)", 20, n, who_knows(entity_kind::track, true, 10 * a)));
  out.push_back(measure("/globalwhoknows artist", 50, n, who_knows(entity_kind::artist, false, a)));
  out.push_back(measure("/crownsinfo", 50, n, [&db](int) {
    crown_request req;
    req.what = crown_query::board;
    req.platform = platform_kind::telegram;
    req.group_id = bench::group_platform_id;
    return db.query_crowns(req).has_value();
  }));
  return out;
}

database_settings settings_of(const options& o) {
  database_settings dbs;
  dbs.path = o.sqlite;
  dbs.url = o.postgres;
  dbs.statement_timeout_ms = 60000;
  return dbs;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: groups_scale (--sqlite PATH | --postgres URL) [--users N]"
                         " [--per-kind N] [--members N] [--artists N] [--queries N]"
                         " [--label NAME] [--header]\n");
    return 2;
  }
  if (o.load && !o.sqlite.empty() && std::filesystem::exists(o.sqlite)) {
    std::fprintf(stderr, "%s exists; give a new path\n", o.sqlite.c_str());
    return 2;
  }
  auto dbs = settings_of(o);
  {
    auto fresh = database::store::open(dbs);
    if (!fresh || !fresh->migrate()) {
      std::fprintf(stderr, "cannot open or migrate the database\n");
      return 1;
    }
  }
  bench::scale_world world{o.spec};
  bench::load_report rep;
  rep.ok = true;
  if (o.load)
    rep = o.sqlite.empty() ? bench::load_postgres(o.postgres, world)
                           : bench::load_sqlite(o.sqlite, world);
  if (!rep.ok) {
    std::fprintf(stderr, "load failed: %s\n", rep.error.c_str());
    return 1;
  }
  auto opened = database::store::open(dbs);
  if (!opened) {
    std::fprintf(stderr, "cannot reopen the database\n");
    return 1;
  }
  auto db = std::move(opened).value();
  auto results = run_queries(db, world, o.queries);
  if (o.header)
    std::printf("| backend | what | n | p50 ms | p99 ms | max ms | target p99 | met |"
                " CPU p50 / p99 ms |\n|---|---|---:|---:|---:|---:|---:|---|---:|\n");
  if (o.load)
    std::printf("| %s | bulk load: %lld plays, %d users, %d members | 1 | %.0f s total | %.0f s"
                " of it rebuilding indexes | size %.2f GB | | | |\n",
                o.label.c_str(), static_cast<long long>(rep.plays), o.spec.users, o.spec.members,
                rep.seconds, rep.index_seconds, static_cast<double>(rep.bytes) / 1e9);
  for (const auto& t : results)
    std::printf("| %s | %s%s | %zu | %.2f | %.2f | %.2f | %.0f ms | %s | %.2f / %.2f |\n",
                o.label.c_str(), t.what.c_str(), t.errors ? " (ERRORS)" : "", t.ms.size(),
                pct(t.ms, 0.5), pct(t.ms, 0.99), t.ms.back(), t.target_ms,
                pct(t.ms, 0.99) <= t.target_ms && t.errors == 0 ? "yes" : "no",
                pct(t.cpu_ms, 0.5), pct(t.cpu_ms, 0.99));
  std::fflush(stdout);
  return 0;
}
