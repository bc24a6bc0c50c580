#include "bench/groups_scale_load.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "actors/database/store.hpp"

namespace lastgram::bench {

namespace {

using clock_type = std::chrono::steady_clock;

struct field {
  bool text = false;
  std::int64_t n = 0;
  std::string_view s;
  template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  field(T x) : n(static_cast<std::int64_t>(x)) {}
  field(const char* x) : text(true), s(x) {}
  field(const std::string& x) : text(true), s(x) {}
};

/// Where the rows go: one table at a time, then statements around them.
class sink {
public:
  virtual ~sink() = default;
  virtual void exec(const std::string& sql) = 0;
  /// The secondary indexes of user_plays: name and definition.
  virtual std::vector<std::pair<std::string, std::string>> play_indexes() = 0;
  /// Drops the secondary indexes of user_plays; returns their definitions.
  std::vector<std::string> drop_play_indexes() {
    std::vector<std::string> defs;
    for (auto& [name, def] : play_indexes()) {
      exec("DROP INDEX " + name);
      defs.push_back(def);
    }
    return defs;
  }
  virtual void table(const char* name, const char* columns, int count) = 0;
  virtual void row(std::initializer_list<field> fields) = 0;
  virtual void end_table() = 0;
};

// -- SQLite --------------------------------------------------------------------

class sqlite_sink final : public sink {
public:
  explicit sqlite_sink(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
  }
  ~sqlite_sink() override {
    sqlite3_finalize(st_);
    sqlite3_close(db_);
  }
  void exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + msg);
    }
  }
  std::vector<std::pair<std::string, std::string>> play_indexes() override {
    std::vector<std::pair<std::string, std::string>> found;
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db_,
                       "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                       " AND tbl_name = 'user_plays' AND sql IS NOT NULL",
                       -1, &q, nullptr);
    while (sqlite3_step(q) == SQLITE_ROW)
      found.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)),
                         reinterpret_cast<const char*>(sqlite3_column_text(q, 1)));
    sqlite3_finalize(q);
    return found;
  }
  void table(const char* name, const char* columns, int count) override {
    std::string sql = std::string{"INSERT INTO "} + name + " (" + columns + ") VALUES (";
    for (int i = 0; i < count; ++i)
      sql += i ? ",?" : "?";
    sql += ")";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
  }
  void row(std::initializer_list<field> fields) override {
    int i = 0;
    for (const auto& f : fields) {
      ++i;
      if (f.text)
        sqlite3_bind_text(st_, i, f.s.data(), static_cast<int>(f.s.size()), SQLITE_STATIC);
      else
        sqlite3_bind_int64(st_, i, f.n);
    }
    if (sqlite3_step(st_) != SQLITE_DONE)
      throw std::runtime_error(std::string{"insert: "} + sqlite3_errmsg(db_));
    sqlite3_reset(st_);
  }
  void end_table() override {
    sqlite3_finalize(st_);
    st_ = nullptr;
  }

private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
};

// -- PostgreSQL ----------------------------------------------------------------

class pg_sink final : public sink {
public:
  explicit pg_sink(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK)
      throw std::runtime_error(std::string{"cannot connect: "} + PQerrorMessage(conn_));
  }
  ~pg_sink() override { PQfinish(conn_); }
  void exec(const std::string& sql) override { check(PQexec(conn_, sql.c_str()), sql); }
  std::vector<std::pair<std::string, std::string>> play_indexes() override {
    std::vector<std::pair<std::string, std::string>> found;
    PGresult* r = PQexec(conn_, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename ="
                                " 'user_plays' AND indexname NOT IN (SELECT conname FROM"
                                " pg_constraint)");
    for (int i = 0; i < PQntuples(r); ++i)
      found.emplace_back(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    return found;
  }
  void table(const char* name, const char* columns, int) override {
    PGresult* r = PQexec(conn_, (std::string{"COPY "} + name + " (" + columns + ") FROM STDIN")
                                  .c_str());
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok)
      throw std::runtime_error(std::string{"COPY "} + name + ": " + PQerrorMessage(conn_));
  }
  void row(std::initializer_list<field> fields) override {
    bool first = true;
    for (const auto& f : fields) {
      if (!first)
        buf_ += '\t';
      first = false;
      if (!f.text) {
        buf_ += std::to_string(f.n);
        continue;
      }
      for (char c : f.s) {
        if (c == '\\' || c == '\t' || c == '\n')
          buf_ += '\\';
        buf_ += c;
      }
    }
    buf_ += '\n';
    if (buf_.size() > (1U << 20))
      flush();
  }
  void end_table() override {
    flush();
    if (PQputCopyEnd(conn_, nullptr) != 1)
      throw std::runtime_error(std::string{"COPY end: "} + PQerrorMessage(conn_));
    while (PGresult* r = PQgetResult(conn_))
      check(r, "COPY");
  }
  std::int64_t database_size() {
    PGresult* r = PQexec(conn_, "SELECT pg_database_size(current_database())");
    std::int64_t n = PQntuples(r) == 1 ? std::stoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return n;
  }

private:
  void flush() {
    if (!buf_.empty() && PQputCopyData(conn_, buf_.data(), static_cast<int>(buf_.size())) != 1)
      throw std::runtime_error(std::string{"COPY data: "} + PQerrorMessage(conn_));
    buf_.clear();
  }
  void check(PGresult* r, const std::string& what) {
    auto s = PQresultStatus(r);
    PQclear(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
      throw std::runtime_error(what + ": " + PQerrorMessage(conn_));
  }

  PGconn* conn_;
  std::string buf_;
};

// -- the rows ------------------------------------------------------------------

void fill_users(sink& out, const scale_world& w, std::int64_t now) {
  out.table("users",
            "id, platform, platform_id, fm_username, display_name, created_at, private_mode,"
            " fm_scrobbles, fm_registered_at",
            9);
  for (int u = 1; u <= w.spec().users; ++u) {
    std::string id = std::to_string(u);
    std::string fm = "fmuser" + id;
    std::string name = "User " + id;
    std::int64_t days = 365 * (1 + u % 10);
    // About 1% of the accounts scrobble like bots (over 650 a day).
    std::int64_t scrobbles = u % 97 == 0 ? 800 * days : (20 + u % 80) * days;
    out.row({u, "telegram", id, fm, name, now, u % 20 == 0 ? 1 : 0, scrobbles,
             now - days * 86400});
  }
  out.end_table();
  out.table("groups", "id, platform, platform_id, title, created_at", 5);
  out.row({1, "telegram", group_platform_id, "Scale group", now});
  out.end_table();
  out.table("group_members", "group_id, user_id", 2);
  for (int u = 1; u <= w.spec().users; ++u)
    if (w.member(u))
      out.row({1, u});
  out.end_table();
}

void fill_entities(sink& out, const scale_world& w) {
  out.table("entities", "id, kind, name, artist_name, normalized_name, normalized_artist", 6);
  for (std::int64_t id = 1; id <= w.entity_count(); ++id) {
    auto e = w.entity(id);
    auto nn = database::normalize_name(e.name);
    auto na = database::normalize_name(e.artist);
    out.row({id, e.kind, e.name, e.artist, nn, na});
  }
  out.end_table();
}

std::int64_t fill_plays(sink& out, const scale_world& w, std::int64_t now) {
  std::int64_t n = 0;
  out.table("user_plays", "user_id, entity_id, playcount, updated_at", 4);
  for (int u = 1; u <= w.spec().users; ++u)
    for (const auto& p : w.library(u)) {
      out.row({u, p.entity, p.plays, now});
      ++n;
    }
  out.end_table();
  return n;
}

// The crowns the group holds, a quarter of them with one earlier holder.
void fill_crowns(sink& out, const scale_world& w, std::int64_t now) {
  auto crowns = w.crowns();
  out.table("crowns", "id, group_id, entity_id, claimed, switched_times", 5);
  for (std::size_t i = 0; i < crowns.size(); ++i)
    out.row({static_cast<std::int64_t>(i + 1), 1, crowns[i].entity, 1, crowns[i].entity % 4});
  out.end_table();
  out.table("crown_holders", "id, crown_id, user_id, playcount, is_current, since, until", 7);
  std::int64_t id = 0;
  for (std::size_t i = 0; i < crowns.size(); ++i) {
    const auto& c = crowns[i];
    auto crown = static_cast<std::int64_t>(i + 1);
    if (c.entity % 4 != 0)
      out.row({++id, crown, c.user == 1 ? 2 : 1, c.plays / 2, 0, now - 90 * 86400,
               now - 30 * 86400});
    out.row({++id, crown, c.user, c.plays, 1, now - 30 * 86400, 0});
  }
  out.end_table();
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Everything but the backend's own set-up and tear-down.
void fill(sink& out, const scale_world& w, load_report& rep) {
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  auto defs = out.drop_play_indexes();
  fill_users(out, w, now);
  fill_entities(out, w);
  rep.plays = fill_plays(out, w, now);
  fill_crowns(out, w, now);
  // The PostgreSQL load runs with triggers off (replica role): the crown
  // counters of migration 9 are counted once here, as its backfill does.
  for (const auto& stmt : database::crown_counter_recount())
    out.exec(stmt);
  auto t0 = clock_type::now();
  for (const auto& def : defs)
    out.exec(def);
  rep.index_seconds = seconds_since(t0);
}

} // namespace

load_report load_sqlite(const std::string& path, const scale_world& world) {
  load_report rep;
  auto t0 = clock_type::now();
  try {
    sqlite_sink out{path};
    // Load-only settings: no journal, no syncs, a big page cache.
    out.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
             " PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY;"
             " PRAGMA foreign_keys = OFF; BEGIN");
    fill(out, world, rep);
    out.exec("COMMIT");
    // Back to what the store runs with. No ANALYZE: the bot never runs it,
    // so the planner sees what it sees in production.
    out.exec("PRAGMA journal_mode = WAL");
  } catch (const std::exception& e) {
    rep.error = e.what();
    return rep;
  }
  rep.seconds = seconds_since(t0);
  std::error_code ec;
  rep.bytes = static_cast<std::int64_t>(std::filesystem::file_size(path, ec));
  rep.ok = true;
  return rep;
}

load_report load_postgres(const std::string& url, const scale_world& world) {
  load_report rep;
  auto t0 = clock_type::now();
  try {
    pg_sink out{url};
    // Load-only session settings: foreign-key triggers off (the rows are
    // consistent by construction), no commit waits, room to sort indexes.
    out.exec("SET session_replication_role = replica");
    out.exec("SET synchronous_commit = off");
    out.exec("SET maintenance_work_mem = '1GB'");
    fill(out, world, rep);
    for (const char* t : {"users", "groups", "entities", "crowns", "crown_holders"})
      out.exec(std::string{"SELECT setval(pg_get_serial_sequence('"} + t + "', 'id'), (SELECT"
               " MAX(id) FROM " + t + "))");
    // Autovacuum would vacuum and analyze the new rows within minutes in
    // production (insert-triggered vacuum, PostgreSQL 13 and later).
    out.exec("VACUUM ANALYZE");
    rep.bytes = out.database_size();
  } catch (const std::exception& e) {
    rep.error = e.what();
    return rep;
  }
  rep.seconds = seconds_since(t0);
  rep.ok = true;
  return rep;
}

} // namespace lastgram::bench
