// The connection side of `store`: opening, reconnecting, classifying errors
// and the schema. The queries live in store_<table family>.cpp.

#include "actors/database/store_impl.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "actors/database/pg_module.hpp"

namespace lastgram::database {

// libpq accepts both URIs and "key=value" strings; add a connect timeout
// unless the operator chose one, so an unreachable server fails fast. This
// also keeps URIs working: SOCI 4.0 splits the string into key=value pairs
// and glues them back, which turns a URI without any '=' into garbage
// ("…/db" becomes "…/db="). Quoted values with spaces do not survive that
// either; percent-encode them in a URI.
std::string pg_conninfo(const database_settings& cfg) {
  std::string out = cfg.url;
  if (out.find("connect_timeout=") != std::string::npos)
    return out;
  auto secs = std::max<std::int64_t>(1, (cfg.statement_timeout_ms + 999) / 1000);
  bool uri = out.rfind("postgresql://", 0) == 0 || out.rfind("postgres://", 0) == 0;
  if (!uri)
    return out + " connect_timeout=" + std::to_string(secs);
  out += out.find('?') == std::string::npos ? '?' : '&';
  return out + "connect_timeout=" + std::to_string(secs);
}

std::vector<std::string> pg_session_setup(const database_settings& cfg) {
  return {"SET client_encoding = 'UTF8'",
          // libpq prints notices ("relation already exists, skipping") to stderr.
          "SET client_min_messages = warning",
          "SET statement_timeout = "
            + std::to_string(std::max<std::int64_t>(0, cfg.statement_timeout_ms))};
}

db_errc classify(const soci::soci_error& e, soci::session& sql) {
  if (auto lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    switch (lite->result() & 0xff) { // the primary code of an extended code
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return db_errc::timeout;
      case SQLITE_CONSTRAINT:
        return db_errc::constraint;
      case SQLITE_CANTOPEN:
      case SQLITE_IOERR:
      case SQLITE_NOTADB:
      case SQLITE_READONLY:
        return db_errc::unavailable;
      default:
        break;
    }
  } else if (auto pg = pg_module_if_loaded()) {
    // A PostgreSQL error can only come from a session the module opened.
    if (auto code = pg->classify(e))
      return *code;
  }
  switch (e.get_error_category()) {
    case soci::soci_error::connection_error:
      return db_errc::unavailable;
    case soci::soci_error::constraint_violation:
      return db_errc::constraint;
    default:
      break;
  }
  // A server that vanished mid-query yields no usable SQLSTATE; libpq then
  // marks the connection bad, which is what is_connected reports.
  if (!sql.is_connected())
    return db_errc::unavailable;
  return db_errc::other;
}

result<void> store::impl::connect() {
  // Closing is a no-op on a fresh session and always needed on a broken one
  // (is_connected is false, yet SOCI still holds the backend). Statements
  // prepared on the old connection go first.
  forget_statements();
  sql.close();
  try {
    if (backend == backend_kind::postgresql) {
      const soci::backend_factory* factory = nullptr;
      try {
        factory = pg_module().factory;
      } catch (const std::runtime_error& e) {
        return db_error{db_errc::other, e.what()};
      }
      sql.open(*factory, pg_conninfo(cfg));
    } else {
      if (cfg.path.empty())
        return db_error{db_errc::other, "database.path is empty"};
      // SOCI reads a string with '=' as "key=value" options.
      if (cfg.path.find('=') != std::string::npos)
        return db_error{db_errc::other, "database.path must not contain '='"};
      if (cfg.path != ":memory:") {
        auto dir = std::filesystem::path{cfg.path}.parent_path();
        std::error_code ec;
        if (!dir.empty())
          std::filesystem::create_directories(dir, ec);
        if (ec)
          return db_error{db_errc::unavailable,
                          "cannot create " + dir.string() + ": " + ec.message()};
      }
      sql.open(soci::sqlite3, cfg.path);
    }
  } catch (const soci::soci_error& e) {
    // Every failure to open (refused, unknown host, bad file) means the
    // database cannot be used right now.
    return db_error{db_errc::unavailable,
                    std::string{"connect: "} + e.get_error_message()};
  }
  return guard("configure", [&]() -> result<void> {
    configure();
    return {};
  });
}

void store::impl::configure() {
  if (backend == backend_kind::postgresql) {
    for (const auto& set : pg_session_setup(cfg))
      sql << set;
    return;
  }
  auto timeout_ms
    = std::to_string(std::max<std::int64_t>(0, cfg.statement_timeout_ms));
  sql << "PRAGMA foreign_keys = ON";
  sql << "PRAGMA busy_timeout = " + timeout_ms;
  if (cfg.path != ":memory:") {
    // WAL lets the pool's readers run while one connection writes.
    std::string mode;
    sql << "PRAGMA journal_mode = WAL", soci::into(mode);
    sql << "PRAGMA synchronous = NORMAL";
  }
}

store::store(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

store::store(store&&) noexcept = default;
store& store::operator=(store&&) noexcept = default;
store::~store() = default;

result<store> store::open(const database_settings& cfg) {
  auto ptr = std::make_unique<impl>(cfg);
  if (auto res = ptr->connect(); !res)
    return res.error();
  return store{std::move(ptr)};
}

backend_kind store::backend() const noexcept {
  return impl_->backend;
}

result<void> store::reconnect() {
  return impl_->connect();
}

result<void> store::ping() {
  return impl_->guard("ping", [&]() -> result<void> {
    int one = 0;
    impl_->sql << "SELECT 1", soci::into(one);
    return {};
  });
}

result<int> store::migrate() {
  return migrate(all_migrations());
}

result<int> store::migrate(const std::vector<migration>& list) {
  const migration* failed = nullptr;
  try {
    return apply_migrations(impl_->sql, impl_->backend, list, &failed);
  } catch (const soci::soci_error& e) {
    auto code = classify(e, impl_->sql);
    std::string what = failed == nullptr
                         ? std::string{"migrate"}
                         : "migration " + std::to_string(failed->id) + " ("
                             + failed->name + ")";
    // A lost connection stays `unavailable` so the caller knows to retry.
    if (code != db_errc::unavailable)
      code = db_errc::migration_failed;
    return db_error{code, what + " failed: " + e.get_error_message()};
  } catch (const std::exception& e) {
    return db_error{db_errc::other, std::string{"migrate: "} + e.what()};
  }
}

result<std::int64_t> store::schema_version() {
  return impl_->guard("schema_version", [&]() -> result<std::int64_t> {
    auto& sql = impl_->sql;
    int exists = 0;
    if (impl_->backend == backend_kind::sqlite)
      sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
             " AND name = 'schema_version'",
        soci::into(exists);
    else
      sql << "SELECT CASE WHEN to_regclass('schema_version') IS NULL"
             " THEN 0 ELSE 1 END",
        soci::into(exists);
    if (exists == 0)
      return std::int64_t{0};
    long long version = 0;
    sql << "SELECT COALESCE(MAX(id), 0) FROM schema_version", soci::into(version);
    return static_cast<std::int64_t>(version);
  });
}

} // namespace lastgram::database
