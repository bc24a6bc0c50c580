#include "actors/database/store.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
// SOCI's PostgreSQL header needs libpq-fe.h on the include path (Debian keeps
// it in /usr/include/postgresql). Without it, errors are classified by SOCI's
// category and the server's message instead of the exact SQLSTATE.
#if __has_include(<libpq-fe.h>)
#  include <soci/postgresql/soci-postgresql.h>
#  define LASTGRAM_HAVE_PG_SQLSTATE 1
#else
namespace soci {
// The backend's C entry point, exported for dynamic loading; declared here
// because its header cannot be included.
extern "C" backend_factory const* factory_postgresql();
} // namespace soci
#endif
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace lastgram::database {

namespace {

#ifdef LASTGRAM_HAVE_PG_SQLSTATE
std::optional<db_errc> classify_pg(const soci::soci_error& e) {
  auto pg = dynamic_cast<const soci::postgresql_soci_error*>(&e);
  if (pg == nullptr)
    return std::nullopt;
  auto state = pg->sqlstate();
  if (state == "57014" || state == "55P03") // statement / lock timeout
    return db_errc::timeout;
  // 08: connection exception; 57P01..03: the server is shutting down or not
  // accepting connections yet.
  if (state.compare(0, 2, "08") == 0 || state.compare(0, 3, "57P") == 0)
    return db_errc::unavailable;
  return std::nullopt;
}
#else
std::optional<db_errc> classify_pg(const soci::soci_error& e) {
  // The English server text; other server locales fall through to `other`.
  auto msg = e.get_error_message();
  if (msg.find("statement timeout") != std::string::npos
      || msg.find("lock timeout") != std::string::npos)
    return db_errc::timeout;
  return std::nullopt;
}
#endif

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
  } else if (auto code = classify_pg(e)) {
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

bool valid_utf8(std::string_view s) {
  int32_t i = 0;
  auto len = static_cast<int32_t>(s.size());
  while (i < len) {
    UChar32 c = 0;
    U8_NEXT(s.data(), i, len, c);
    if (c < 0)
      return false;
  }
  return true;
}

// The fallback for bytes ICU cannot read: ASCII case and whitespace only.
std::string normalize_bytes(std::string_view name) {
  std::string out;
  bool pending_space = false;
  for (char ch : name) {
    if (ch == ' ' || (ch >= '\t' && ch <= '\r')) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out += ' ';
    pending_space = false;
    out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  return out;
}

std::int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

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

constexpr const char* user_columns
  = "id, platform, platform_id, fm_username,"
    // 0/1 rather than a comparison: PostgreSQL would return a boolean.
    " CASE WHEN session_key = '' THEN 0 ELSE 1 END, language, show_tags,"
    " cover_as_link, loved_emoji, banned, crown_banned, display_name, created_at";

constexpr const char* group_columns
  = "id, platform, platform_id, title, language, active";

platform_kind platform_from(const std::string& name) {
  for (auto p : {platform_kind::console, platform_kind::telegram,
                 platform_kind::discord})
    if (to_string(p) == name)
      return p;
  throw std::runtime_error("unknown platform in database: " + name);
}

std::optional<user_record> fetch_user(soci::session& sql,
                                      platform_kind platform,
                                      std::string_view platform_id) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  user_record x;
  long long id = 0;
  long long created_at = 0;
  std::string stored_platform;
  int has_session_key = 0;
  int show_tags = 0;
  int cover_as_link = 0;
  int banned = 0;
  int crown_banned = 0;
  sql << "SELECT " << user_columns
      << " FROM users WHERE platform = :p AND platform_id = :id",
    soci::into(id), soci::into(stored_platform), soci::into(x.platform_id),
    soci::into(x.fm_username), soci::into(has_session_key),
    soci::into(x.language), soci::into(show_tags), soci::into(cover_as_link),
    soci::into(x.loved_emoji), soci::into(banned), soci::into(crown_banned),
    soci::into(x.display_name), soci::into(created_at),
    soci::use(key_platform, "p"), soci::use(key_id, "id");
  if (!sql.got_data())
    return std::nullopt;
  x.id = id;
  x.platform = platform_from(stored_platform);
  x.has_session_key = has_session_key != 0;
  x.show_tags = show_tags != 0;
  x.cover_as_link = cover_as_link != 0;
  x.banned = banned != 0;
  x.crown_banned = crown_banned != 0;
  x.created_at = created_at;
  return x;
}

std::optional<group_record> fetch_group(soci::session& sql,
                                        platform_kind platform,
                                        std::string_view platform_id) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  group_record x;
  long long id = 0;
  std::string stored_platform;
  int active = 0;
  sql << "SELECT " << group_columns
      << " FROM groups WHERE platform = :p AND platform_id = :id",
    soci::into(id), soci::into(stored_platform), soci::into(x.platform_id),
    soci::into(x.title), soci::into(x.language), soci::into(active),
    soci::use(key_platform, "p"), soci::use(key_id, "id");
  if (!sql.got_data())
    return std::nullopt;
  x.id = id;
  x.platform = platform_from(stored_platform);
  x.active = active != 0;
  return x;
}

// Inserts the user if needed and sets one column. `column` is always one of
// our literals, never input.
template <class T>
void upsert_user_column(soci::session& sql, platform_kind platform,
                        std::string_view platform_id, const char* column,
                        T value) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  long long now = unix_now();
  sql << "INSERT INTO users (platform, platform_id, " << column
      << ", created_at) VALUES (:p, :id, :v, :now)"
         " ON CONFLICT (platform, platform_id) DO UPDATE SET "
      << column << " = excluded." << column,
    soci::use(key_platform, "p"), soci::use(key_id, "id"),
    soci::use(value, "v"), soci::use(now, "now");
}

// Runs a write and returns how many rows it touched.
template <class... Uses>
long long execute_counting(soci::session& sql, const std::string& query,
                           Uses&&... uses) {
  soci::statement st = ((sql.prepare << query), ..., std::forward<Uses>(uses));
  st.execute(true);
  return st.get_affected_rows();
}

db_error not_found(const char* what) {
  return db_error{db_errc::not_found, what};
}

template <class... Uses>
std::vector<who_knows_row> fetch_listeners(soci::session& sql,
                                           const std::string& query,
                                           Uses&&... uses) {
  std::vector<who_knows_row> rows;
  long long user_id = 0;
  long long playcount = 0;
  std::string display_name;
  std::string fm_username;
  soci::statement st = ((sql.prepare << query, soci::into(user_id),
                         soci::into(display_name), soci::into(fm_username),
                         soci::into(playcount)),
                        ..., std::forward<Uses>(uses));
  st.execute();
  while (st.fetch())
    rows.push_back(who_knows_row{user_id, display_name, fm_username, playcount});
  return rows;
}

} // namespace

std::string normalize_name(std::string_view name) {
  if (!valid_utf8(name))
    return normalize_bytes(name);
  auto text = icu::UnicodeString::fromUTF8(
    icu::StringPiece{name.data(), static_cast<int32_t>(name.size())});
  text.foldCase(U_FOLD_CASE_DEFAULT);
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < text.length();) {
    UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space)
      out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(c);
  }
  std::string result;
  out.toUTF8String(result);
  return result;
}

struct store::impl {
  database_settings cfg;
  backend_kind backend = backend_kind::sqlite;
  soci::session sql;

  explicit impl(database_settings settings) : cfg(std::move(settings)) {
    backend = cfg.url.empty() ? backend_kind::sqlite : backend_kind::postgresql;
  }

  // Runs `f` (which returns a result<T>) and turns SOCI and standard
  // exceptions into error values.
  template <class F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    using R = decltype(f());
    try {
      return f();
    } catch (const soci::soci_error& e) {
      // get_error_message, not what(): SOCI's context in what() lists the
      // bound values, session keys included, which must not reach logs.
      return R{db_error{classify(e, sql),
                        std::string{what} + ": " + e.get_error_message()}};
    } catch (const std::exception& e) {
      return R{db_error{db_errc::other, std::string{what} + ": " + e.what()}};
    }
  }

  result<void> connect();
  void configure();
};

result<void> store::impl::connect() {
  // Closing is a no-op on a fresh session and always needed on a broken one
  // (is_connected is false, yet SOCI still holds the backend).
  sql.close();
  try {
    if (backend == backend_kind::postgresql) {
      sql.open(*soci::factory_postgresql(), pg_conninfo(cfg));
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
  auto timeout_ms
    = std::to_string(std::max<std::int64_t>(0, cfg.statement_timeout_ms));
  if (backend == backend_kind::postgresql) {
    sql << "SET client_encoding = 'UTF8'";
    // libpq prints notices ("relation already exists, skipping") to stderr.
    sql << "SET client_min_messages = warning";
    sql << "SET statement_timeout = " + timeout_ms;
    return;
  }
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

// -- users --------------------------------------------------------------------

result<std::optional<user_record>>
store::get_user(platform_kind platform, std::string_view platform_id) {
  return impl_->guard("get_user", [&]() -> result<std::optional<user_record>> {
    return fetch_user(impl_->sql, platform, platform_id);
  });
}

result<user_record> store::register_user(platform_kind platform,
                                         std::string_view platform_id,
                                         std::string_view fm_username,
                                         std::string_view display_name) {
  return impl_->guard("register_user", [&]() -> result<user_record> {
    if (fm_username.empty())
      return db_error{db_errc::other, "register_user: empty fm_username"};
    auto& sql = impl_->sql;
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string fm{fm_username};
    std::string name{display_name};
    long long now = unix_now();
    // A session key belongs to one Last.fm account: linking another account
    // forgets it. An empty display name keeps the known one.
    sql << "INSERT INTO users (platform, platform_id, fm_username, display_name,"
           " created_at) VALUES (:p, :id, :fm, :name, :now)"
           " ON CONFLICT (platform, platform_id) DO UPDATE SET"
           " session_key = CASE WHEN users.fm_username = excluded.fm_username"
           " THEN users.session_key ELSE '' END,"
           " fm_username = excluded.fm_username,"
           " display_name = CASE WHEN excluded.display_name = ''"
           " THEN users.display_name ELSE excluded.display_name END",
      soci::use(key_platform, "p"), soci::use(key_id, "id"),
      soci::use(fm, "fm"), soci::use(name, "name"), soci::use(now, "now");
    auto user = fetch_user(sql, platform, platform_id);
    if (!user)
      return not_found("register_user: row vanished");
    return std::move(*user);
  });
}

result<void> store::unregister_user(platform_kind platform,
                                    std::string_view platform_id) {
  return impl_->guard("unregister_user", [&]() -> result<void> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    auto n = execute_counting(impl_->sql,
                              "DELETE FROM users WHERE platform = :p"
                              " AND platform_id = :id",
                              soci::use(key_platform, "p"),
                              soci::use(key_id, "id"));
    if (n == 0)
      return not_found("unregister_user: unknown user");
    return {};
  });
}

result<void> store::upsert_display_name(platform_kind platform,
                                        std::string_view platform_id,
                                        std::string_view display_name) {
  return impl_->guard("upsert_display_name", [&]() -> result<void> {
    upsert_user_column(impl_->sql, platform, platform_id, "display_name",
                       std::string{display_name});
    return {};
  });
}

result<void> store::upsert_user_language(platform_kind platform,
                                         std::string_view platform_id,
                                         std::string_view language) {
  return impl_->guard("upsert_user_language", [&]() -> result<void> {
    upsert_user_column(impl_->sql, platform, platform_id, "language",
                       std::string{language});
    return {};
  });
}

namespace {

result<void> update_session_key(soci::session& sql, platform_kind platform,
                                std::string_view platform_id,
                                std::string key) {
  std::string key_platform{to_string(platform)};
  std::string key_id{platform_id};
  auto n = execute_counting(sql,
                            "UPDATE users SET session_key = :k"
                            " WHERE platform = :p AND platform_id = :id",
                            soci::use(key, "k"), soci::use(key_platform, "p"),
                            soci::use(key_id, "id"));
  if (n == 0)
    return not_found("session key: unknown user");
  return {};
}

} // namespace

result<void> store::set_session_key(platform_kind platform,
                                    std::string_view platform_id,
                                    std::string_view session_key) {
  return impl_->guard("set_session_key", [&] {
    return update_session_key(impl_->sql, platform, platform_id,
                              std::string{session_key});
  });
}

result<std::string> store::get_session_key(platform_kind platform,
                                           std::string_view platform_id) {
  return impl_->guard("get_session_key", [&]() -> result<std::string> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string key;
    impl_->sql << "SELECT session_key FROM users"
                  " WHERE platform = :p AND platform_id = :id",
      soci::into(key), soci::use(key_platform, "p"), soci::use(key_id, "id");
    if (!impl_->sql.got_data())
      return not_found("get_session_key: unknown user");
    return key;
  });
}

result<void> store::clear_session_key(platform_kind platform,
                                      std::string_view platform_id) {
  return impl_->guard("clear_session_key", [&] {
    return update_session_key(impl_->sql, platform, platform_id, {});
  });
}

#define LASTGRAM_USER_SETTER(fn, column, type, expr)                           \
  result<void> store::fn(platform_kind platform, std::string_view platform_id, \
                         type value) {                                         \
    return impl_->guard(#fn, [&]() -> result<void> {                           \
      upsert_user_column(impl_->sql, platform, platform_id, column, expr);     \
      return {};                                                               \
    });                                                                        \
  }

LASTGRAM_USER_SETTER(set_show_tags, "show_tags", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_cover_as_link, "cover_as_link", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_loved_emoji, "loved_emoji", std::string_view,
                     std::string{value})
LASTGRAM_USER_SETTER(set_banned, "banned", bool, value ? 1 : 0)
LASTGRAM_USER_SETTER(set_crown_banned, "crown_banned", bool, value ? 1 : 0)

#undef LASTGRAM_USER_SETTER

// -- groups -------------------------------------------------------------------

result<group_record> store::upsert_group(platform_kind platform,
                                         std::string_view platform_id,
                                         std::string_view title) {
  return impl_->guard("upsert_group", [&]() -> result<group_record> {
    auto& sql = impl_->sql;
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string text{title};
    long long now = unix_now();
    sql << "INSERT INTO groups (platform, platform_id, title, created_at)"
           " VALUES (:p, :id, :t, :now) ON CONFLICT (platform, platform_id)"
           " DO UPDATE SET title = excluded.title",
      soci::use(key_platform, "p"), soci::use(key_id, "id"),
      soci::use(text, "t"), soci::use(now, "now");
    auto group = fetch_group(sql, platform, platform_id);
    if (!group)
      return not_found("upsert_group: row vanished");
    return std::move(*group);
  });
}

result<std::optional<group_record>>
store::get_group(platform_kind platform, std::string_view platform_id) {
  return impl_->guard("get_group", [&]() -> result<std::optional<group_record>> {
    return fetch_group(impl_->sql, platform, platform_id);
  });
}

result<void> store::set_group_active(platform_kind platform,
                                     std::string_view platform_id,
                                     bool active) {
  return impl_->guard("set_group_active", [&]() -> result<void> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    int value = active ? 1 : 0;
    auto n = execute_counting(impl_->sql,
                              "UPDATE groups SET active = :v"
                              " WHERE platform = :p AND platform_id = :id",
                              soci::use(value, "v"),
                              soci::use(key_platform, "p"),
                              soci::use(key_id, "id"));
    if (n == 0)
      return not_found("set_group_active: unknown group");
    return {};
  });
}

result<void> store::set_group_language(platform_kind platform,
                                       std::string_view platform_id,
                                       std::string_view language) {
  return impl_->guard("set_group_language", [&]() -> result<void> {
    std::string key_platform{to_string(platform)};
    std::string key_id{platform_id};
    std::string value{language};
    auto n = execute_counting(impl_->sql,
                              "UPDATE groups SET language = :v"
                              " WHERE platform = :p AND platform_id = :id",
                              soci::use(value, "v"),
                              soci::use(key_platform, "p"),
                              soci::use(key_id, "id"));
    if (n == 0)
      return not_found("set_group_language: unknown group");
    return {};
  });
}

result<void> store::add_group_member(std::int64_t group_id,
                                     std::int64_t user_id) {
  return impl_->guard("add_group_member", [&]() -> result<void> {
    long long g = group_id;
    long long u = user_id;
    impl_->sql << "INSERT INTO group_members (group_id, user_id)"
                  " VALUES (:g, :u) ON CONFLICT DO NOTHING",
      soci::use(g, "g"), soci::use(u, "u");
    return {};
  });
}

result<void> store::remove_group_member(std::int64_t group_id,
                                        std::int64_t user_id) {
  return impl_->guard("remove_group_member", [&]() -> result<void> {
    long long g = group_id;
    long long u = user_id;
    impl_->sql << "DELETE FROM group_members WHERE group_id = :g"
                  " AND user_id = :u",
      soci::use(g, "g"), soci::use(u, "u");
    return {};
  });
}

// -- entities and plays -------------------------------------------------------

result<std::int64_t> store::upsert_entity(entity_kind kind,
                                          std::string_view name,
                                          std::string_view artist) {
  return impl_->guard("upsert_entity", [&]() -> result<std::int64_t> {
    std::string k{to_string(kind)};
    std::string n{name};
    std::string a{kind == entity_kind::artist ? std::string_view{} : artist};
    std::string nn = normalize_name(n);
    std::string na = normalize_name(a);
    if (nn.empty())
      return db_error{db_errc::other, "upsert_entity: empty name"};
    long long id = 0;
    // The no-op DO UPDATE (instead of DO NOTHING) makes RETURNING yield the
    // existing row's id on a conflict, in both dialects.
    impl_->sql << "INSERT INTO entities (kind, name, artist_name,"
                  " normalized_name, normalized_artist)"
                  " VALUES (:k, :n, :a, :nn, :na)"
                  " ON CONFLICT (kind, normalized_name, normalized_artist)"
                  " DO UPDATE SET name = entities.name RETURNING id",
      soci::into(id), soci::use(k, "k"), soci::use(n, "n"), soci::use(a, "a"),
      soci::use(nn, "nn"), soci::use(na, "na");
    return static_cast<std::int64_t>(id);
  });
}

result<void> store::set_user_plays(std::int64_t user_id,
                                   std::int64_t entity_id,
                                   std::int64_t playcount) {
  return impl_->guard("set_user_plays", [&]() -> result<void> {
    if (playcount < 0)
      return db_error{db_errc::other, "set_user_plays: negative playcount"};
    long long u = user_id;
    long long e = entity_id;
    long long pc = playcount;
    long long now = unix_now();
    impl_->sql << "INSERT INTO user_plays (user_id, entity_id, playcount,"
                  " updated_at) VALUES (:u, :e, :pc, :now)"
                  " ON CONFLICT (user_id, entity_id) DO UPDATE SET"
                  " playcount = excluded.playcount,"
                  " updated_at = excluded.updated_at",
      soci::use(u, "u"), soci::use(e, "e"), soci::use(pc, "pc"),
      soci::use(now, "now");
    return {};
  });
}

namespace {

// Who counts as a listener: linked, not banned, at least one play.
constexpr const char* listener_filter
  = " p.playcount > 0 AND u.banned = 0 AND u.fm_username <> ''";

} // namespace

result<std::vector<who_knows_row>>
store::who_knows(std::int64_t group_id, std::int64_t entity_id,
                 std::int64_t limit) {
  return impl_->guard("who_knows", [&]() -> result<std::vector<who_knows_row>> {
    if (limit <= 0)
      return std::vector<who_knows_row>{};
    long long g = group_id;
    long long e = entity_id;
    long long lim = limit;
    std::string query
      = std::string{"SELECT u.id, u.display_name, u.fm_username, p.playcount"
                    " FROM group_members m"
                    " JOIN users u ON u.id = m.user_id"
                    " JOIN user_plays p ON p.user_id = m.user_id"
                    " AND p.entity_id = :e"
                    " WHERE m.group_id = :g AND"}
        + listener_filter + " ORDER BY p.playcount DESC, u.id ASC LIMIT :lim";
    return fetch_listeners(impl_->sql, query, soci::use(e, "e"),
                           soci::use(g, "g"), soci::use(lim, "lim"));
  });
}

result<global_who_knows_result>
store::global_who_knows(std::int64_t entity_id, std::int64_t limit) {
  return impl_->guard("global_who_knows", [&]() -> result<global_who_knows_result> {
    global_who_knows_result out;
    long long e = entity_id;
    long long lim = std::max<std::int64_t>(0, limit);
    std::string from = std::string{" FROM user_plays p"
                                   " JOIN users u ON u.id = p.user_id"
                                   " WHERE p.entity_id = :e AND"}
                       + listener_filter;
    out.rows = fetch_listeners(impl_->sql,
                               "SELECT u.id, u.display_name, u.fm_username,"
                               " p.playcount"
                                 + from
                                 + " ORDER BY p.playcount DESC, u.id ASC"
                                   " LIMIT :lim",
                               soci::use(e, "e"), soci::use(lim, "lim"));
    long long total = 0;
    impl_->sql << "SELECT COUNT(*)" + from, soci::into(total),
      soci::use(e, "e");
    out.total_listeners = total;
    return out;
  });
}

// -- crowns -------------------------------------------------------------------

result<std::optional<crown_holder_record>>
store::current_crown_holder(std::int64_t group_id, std::int64_t entity_id) {
  using res = result<std::optional<crown_holder_record>>;
  return impl_->guard("current_crown_holder", [&]() -> res {
    long long g = group_id;
    long long e = entity_id;
    long long crown = 0;
    long long user = 0;
    long long playcount = 0;
    long long since = 0;
    impl_->sql << "SELECT h.crown_id, h.user_id, h.playcount, h.since"
                  " FROM crowns c JOIN crown_holders h ON h.crown_id = c.id"
                  " AND h.is_current = 1"
                  " WHERE c.group_id = :g AND c.entity_id = :e",
      soci::into(crown), soci::into(user), soci::into(playcount),
      soci::into(since), soci::use(g, "g"), soci::use(e, "e");
    if (!impl_->sql.got_data())
      return std::optional<crown_holder_record>{};
    return std::optional<crown_holder_record>{
      crown_holder_record{crown, user, playcount, since}};
  });
}

result<crown_holder_record> store::set_crown_holder(std::int64_t group_id,
                                                    std::int64_t entity_id,
                                                    std::int64_t user_id,
                                                    std::int64_t playcount) {
  return impl_->guard("set_crown_holder", [&]() -> result<crown_holder_record> {
    auto& sql = impl_->sql;
    long long g = group_id;
    long long e = entity_id;
    long long u = user_id;
    long long pc = playcount;
    long long now = unix_now();
    // Starts with a write, so SQLite takes its write lock (waiting up to the
    // busy timeout) before reading the current holder.
    soci::transaction tr{sql};
    long long crown = 0;
    sql << "INSERT INTO crowns (group_id, entity_id, claimed)"
           " VALUES (:g, :e, 1) ON CONFLICT (group_id, entity_id)"
           " DO UPDATE SET claimed = 1 RETURNING id",
      soci::into(crown), soci::use(g, "g"), soci::use(e, "e");
    long long holder = 0;
    long long since = now;
    sql << "SELECT user_id, since FROM crown_holders"
           " WHERE crown_id = :c AND is_current = 1",
      soci::into(holder), soci::into(since), soci::use(crown, "c");
    bool held = sql.got_data();
    if (held && holder == u) {
      sql << "UPDATE crown_holders SET playcount = :pc"
             " WHERE crown_id = :c AND is_current = 1",
        soci::use(pc, "pc"), soci::use(crown, "c");
    } else {
      if (held) {
        sql << "UPDATE crown_holders SET is_current = 0, until = :now"
               " WHERE crown_id = :c AND is_current = 1",
          soci::use(now, "now"), soci::use(crown, "c");
        sql << "UPDATE crowns SET switched_times = switched_times + 1"
               " WHERE id = :c",
          soci::use(crown, "c");
      }
      since = now;
      sql << "INSERT INTO crown_holders (crown_id, user_id, playcount,"
             " is_current, since) VALUES (:c, :u, :pc, 1, :now)",
        soci::use(crown, "c"), soci::use(u, "u"), soci::use(pc, "pc"),
        soci::use(now, "now");
    }
    tr.commit();
    return crown_holder_record{crown, u, pc, since};
  });
}

// -- platform state -------------------------------------------------------------

result<std::string> store::get_state(std::string_view name) {
  return impl_->guard("get_state", [&]() -> result<std::string> {
    std::string key{name};
    std::string value;
    soci::indicator ind = soci::i_null;
    impl_->sql << "SELECT value FROM platform_state WHERE name = :n",
      soci::use(key, "n"), soci::into(value, ind);
    if (!impl_->sql.got_data() || ind != soci::i_ok)
      return std::string{};
    return value;
  });
}

result<void> store::put_state(std::string_view name, std::string_view value) {
  return impl_->guard("put_state", [&]() -> result<void> {
    std::string key{name};
    std::string text{value};
    long long now = unix_now();
    impl_->sql << "INSERT INTO platform_state (name, value, updated_at)"
                  " VALUES (:n, :v, :now) ON CONFLICT (name)"
                  " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      soci::use(key, "n"), soci::use(text, "v"), soci::use(now, "now");
    return {};
  });
}

result<void> store::set_chat_reachable(platform_kind platform,
                                       std::string_view chat_id, chat_kind kind,
                                       bool reachable) {
  return impl_->guard("set_chat_reachable", [&]() -> result<void> {
    auto& sql = impl_->sql;
    std::string key_platform{to_string(platform)};
    std::string key_id{chat_id};
    int value = reachable ? 1 : 0;
    if (kind == chat_kind::group) {
      long long now = unix_now();
      sql << "INSERT INTO groups (platform, platform_id, active, created_at)"
             " VALUES (:p, :id, :v, :now) ON CONFLICT (platform, platform_id)"
             " DO UPDATE SET active = excluded.active",
        soci::use(key_platform, "p"), soci::use(key_id, "id"),
        soci::use(value, "v"), soci::use(now, "now");
      return {};
    }
    sql << "UPDATE users SET reachable = :v WHERE platform = :p AND platform_id = :id",
      soci::use(value, "v"), soci::use(key_platform, "p"), soci::use(key_id, "id");
    return {};
  });
}

} // namespace lastgram::database
