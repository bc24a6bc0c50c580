#include "actors/database/migrations.hpp"
#include "actors/database/transaction.hpp"

#include <chrono>
#include <stdexcept>

#include <soci/soci.h>

namespace lastgram::database {

std::string_view to_string(backend_kind x) noexcept {
  return x == backend_kind::sqlite ? "sqlite" : "postgresql";
}

namespace {

// Booleans are INTEGER 0/1 in both dialects: SQLite has no BOOLEAN and SOCI
// reads PostgreSQL booleans as 't'/'f' text, which would need per-backend code.
// Text columns are NOT NULL with '' meaning "not set", so reads need no
// indicators. Timestamps are Unix seconds written by the store.
migration initial_schema() {
  return {
    1,
    "initial schema",
    {
      "CREATE TABLE users ("
      " id {pk},"
      " platform TEXT NOT NULL,"
      " platform_id TEXT NOT NULL,"
      " fm_username TEXT NOT NULL DEFAULT '',"
      " session_key TEXT NOT NULL DEFAULT '',"
      " language TEXT NOT NULL DEFAULT '',"
      " show_tags INTEGER NOT NULL DEFAULT 1,"
      " cover_as_link INTEGER NOT NULL DEFAULT 0,"
      // U+2764 U+FE0F (red heart), spelled as UTF-8 bytes so the source
      // encoding cannot change it.
      " loved_emoji TEXT NOT NULL DEFAULT '\xE2\x9D\xA4\xEF\xB8\x8F',"
      " banned INTEGER NOT NULL DEFAULT 0,"
      " crown_banned INTEGER NOT NULL DEFAULT 0,"
      " display_name TEXT NOT NULL DEFAULT '',"
      " created_at BIGINT NOT NULL,"
      " UNIQUE (platform, platform_id))",

      "CREATE TABLE groups ("
      " id {pk},"
      " platform TEXT NOT NULL,"
      " platform_id TEXT NOT NULL,"
      " title TEXT NOT NULL DEFAULT '',"
      " language TEXT NOT NULL DEFAULT '',"
      " active INTEGER NOT NULL DEFAULT 1,"
      " created_at BIGINT NOT NULL,"
      " UNIQUE (platform, platform_id))",

      "CREATE TABLE group_members ("
      " group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
      " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " PRIMARY KEY (group_id, user_id))",
      "CREATE INDEX group_members_by_user ON group_members (user_id)",

      // normalized_artist is '' for artists so the unique key never holds a
      // NULL (NULLs never collide in a UNIQUE constraint).
      "CREATE TABLE entities ("
      " id {pk},"
      " kind TEXT NOT NULL CHECK (kind IN ('artist', 'album', 'track')),"
      " name TEXT NOT NULL,"
      " artist_name TEXT NOT NULL DEFAULT '',"
      " normalized_name TEXT NOT NULL,"
      " normalized_artist TEXT NOT NULL DEFAULT '',"
      " UNIQUE (kind, normalized_name, normalized_artist))",

      "CREATE TABLE user_plays ("
      " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " entity_id BIGINT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
      " playcount BIGINT NOT NULL,"
      " updated_at BIGINT NOT NULL,"
      " PRIMARY KEY (user_id, entity_id))",
      // who-knows: the listeners of one entity, biggest first.
      "CREATE INDEX user_plays_by_entity ON user_plays (entity_id, playcount DESC)",

      // UNIQUE (group_id, entity_id) doubles as the "crowns of a group" index.
      "CREATE TABLE crowns ("
      " id {pk},"
      " group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
      " entity_id BIGINT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
      " claimed INTEGER NOT NULL DEFAULT 0,"
      " switched_times INTEGER NOT NULL DEFAULT 0,"
      " UNIQUE (group_id, entity_id))",

      "CREATE TABLE crown_holders ("
      " id {pk},"
      " crown_id BIGINT NOT NULL REFERENCES crowns (id) ON DELETE CASCADE,"
      " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " playcount BIGINT NOT NULL,"
      " is_current INTEGER NOT NULL DEFAULT 1,"
      " since BIGINT NOT NULL,"
      " until BIGINT)",
      // At most one current holder per crown, enforced by the database.
      "CREATE UNIQUE INDEX crown_holders_current ON crown_holders (crown_id)"
      " WHERE is_current = 1",
      "CREATE INDEX crown_holders_by_user ON crown_holders (user_id, is_current)",
    },
  };
}

/// Platform state that must survive a restart (e.g. Telegram's polling
/// offset), and whether a private chat still accepts messages (a user who
/// blocked the bot answers 403).
migration platform_state() {
  return {
    2,
    "platform state and reachable users",
    {
      "CREATE TABLE platform_state ("
      " name TEXT PRIMARY KEY,"
      " value TEXT NOT NULL,"
      " updated_at BIGINT NOT NULL)",
      "ALTER TABLE users ADD COLUMN reachable INTEGER NOT NULL DEFAULT 1",
    },
  };
}

/// The durable inbox: every update a platform pushed to us (a Telegram
/// webhook POST, later a Discord gateway interaction) is stored before it is
/// acknowledged, then handled and marked done. `claimed_by`/`claimed_at` are
/// the lease of the process handling it (renewed while it works); a row whose
/// lease ran out is taken over by another process (or the restarted one).
/// `replied` is set once its first answer was confirmed sent, so a takeover
/// never answers it again. `done_at` 0 means unfinished. Update ids are text
/// so that every platform's ids fit.
migration update_inbox() {
  return {
    3,
    "durable update inbox",
    {
      "CREATE TABLE update_inbox ("
      " id {pk},"
      " platform TEXT NOT NULL,"
      " update_id TEXT NOT NULL,"
      " payload TEXT NOT NULL,"
      " received_at BIGINT NOT NULL,"
      " claimed_by TEXT NOT NULL DEFAULT '',"
      " claimed_at BIGINT NOT NULL DEFAULT 0,"
      " replied INTEGER NOT NULL DEFAULT 0,"
      " done_at BIGINT NOT NULL DEFAULT 0,"
      " UNIQUE (platform, update_id))",
      // Recovery scans the unfinished rows; pruning the finished ones.
      "CREATE INDEX update_inbox_by_done ON update_inbox (done_at, claimed_at)",
    },
  };
}

/// Each user's time zone (an IANA id as ICU spells it; '' means UTC), read
/// by /recent, /peak, /streak and /pace.
migration user_time_zone() {
  return {
    4,
    "user time zone",
    {
      "ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT ''",
    },
  };
}

/// Group settings for crowns (on or off per entity kind, artists on by
/// default; the plays a holder needs, default 30), a user's privacy on
/// global lists, and the two Last.fm facts the "botted account" rule of
/// /globalwhoknows reads (the scrobble total and the Last.fm registration
/// date, Unix seconds; 0 = not known yet, written by the library indexer).
migration group_settings() {
  return {
    5,
    "group crown settings and user privacy",
    {
      "ALTER TABLE groups ADD COLUMN crowns_artists INTEGER NOT NULL DEFAULT 1",
      "ALTER TABLE groups ADD COLUMN crowns_albums INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE groups ADD COLUMN crowns_tracks INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE groups ADD COLUMN crown_threshold BIGINT NOT NULL DEFAULT 30",
      "ALTER TABLE users ADD COLUMN private_mode INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE users ADD COLUMN fm_scrobbles BIGINT NOT NULL DEFAULT 0",
      "ALTER TABLE users ADD COLUMN fm_registered_at BIGINT NOT NULL DEFAULT 0",
      // /crownsinfo and /unclaimed read a group's crowns by holder.
      "CREATE INDEX crowns_by_group ON crowns (group_id, claimed)",
    },
  };
}

/// The indexed libraries: each user's index state (so a half-done index
/// resumes from the page where it stopped) and the staging rows of an index
/// under way. A full index of one kind is written page by page into
/// `index_staging` (each page in one transaction with the state that names
/// it) and switched into `user_plays` in one transaction at the end, so a
/// reader of `user_plays` never sees half a library. `kind` and `status`
/// are the names of messages/library.hpp's enums.
migration indexed_libraries() {
  return {
    6,
    "indexed libraries",
    {
      "CREATE TABLE index_state ("
      " user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,"
      " status TEXT NOT NULL DEFAULT 'none',"
      " kind TEXT NOT NULL DEFAULT 'artist',"
      " page INTEGER NOT NULL DEFAULT 0,"
      " total_pages INTEGER NOT NULL DEFAULT 0,"
      " items_done BIGINT NOT NULL DEFAULT 0,"
      " items_total BIGINT NOT NULL DEFAULT 0,"
      " artists_total BIGINT NOT NULL DEFAULT 0,"
      " scrobbles BIGINT NOT NULL DEFAULT 0,"
      " last_full_at BIGINT NOT NULL DEFAULT 0,"
      " last_scrobble_at BIGINT NOT NULL DEFAULT 0,"
      " next_due_at BIGINT NOT NULL DEFAULT 0,"
      " requested_at BIGINT NOT NULL DEFAULT 0)",
      // The scheduler's scan: the libraries due first.
      "CREATE INDEX index_state_by_due ON index_state (next_due_at)",
      "CREATE TABLE index_staging ("
      " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " kind TEXT NOT NULL,"
      " entity_id BIGINT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
      " playcount BIGINT NOT NULL,"
      " PRIMARY KEY (user_id, kind, entity_id))",
    },
  };
}

/// Issue 11's library data. `artist_corrections`: the name Last.fm files an
/// artist under (artist.getCorrection or autocorrect), keyed by the folded
/// name asked; canonical_name is the asked name itself when Last.fm has no
/// correction, so each name is looked up once. The indexer lands plays and
/// who-knows looks names up under the canonical name. `fm_recent_scrobbles`:
/// the user's scrobbles in the 8 days before `fm_recent_at` (the second half
/// of the botted-account rule). `group_active_at`: when the user last ran a
/// command in a group (their library falls due sooner).
migration library_names() {
  return {
    7,
    "artist corrections and library activity",
    {
      "CREATE TABLE artist_corrections ("
      " normalized_name TEXT PRIMARY KEY,"
      " canonical_name TEXT NOT NULL,"
      " checked_at BIGINT NOT NULL)",
      "ALTER TABLE users ADD COLUMN fm_recent_scrobbles BIGINT NOT NULL DEFAULT 0",
      "ALTER TABLE users ADD COLUMN fm_recent_at BIGINT NOT NULL DEFAULT 0",
      "ALTER TABLE users ADD COLUMN group_active_at BIGINT NOT NULL DEFAULT 0",
    },
  };
}

/// Who-knows at scale (issue 11's benchmark, bench/groups_scale): the
/// listeners of one entity are read from the index alone. With user_id in
/// the index, the list, the totals and the rank of a popular artist (10,000
/// listeners) read one contiguous index range instead of one table row per
/// listener scattered over a 30 M-row table (PostgreSQL: index-only scans).
migration who_knows_covering_index() {
  return {
    8,
    "who-knows reads plays from the entity index alone",
    {
      "CREATE INDEX user_plays_by_entity_user ON user_plays (entity_id, playcount DESC, user_id)",
      "DROP INDEX user_plays_by_entity",
    },
  };
}

/// How many albums and tracks each library's last full index holds (-1:
/// indexed before this migration, so /ln counts the rows instead). When a
/// track is missing from a user's index, /ln must know whether the index
/// holds their whole list (then they never played it) or stops at the depth:
/// one primary-key read rather than a count over the user's thousands of
/// rows. Rows added since (incremental plays, who-knows refreshes) do not
/// make the indexed list any longer.
migration indexed_list_sizes() {
  return {
    10,
    "index_state knows how long each indexed list is",
    {
      "ALTER TABLE index_state ADD COLUMN albums_indexed BIGINT NOT NULL DEFAULT -1",
      "ALTER TABLE index_state ADD COLUMN tracks_indexed BIGINT NOT NULL DEFAULT -1",
    },
  };
}

} // namespace

std::vector<migration> all_migrations() {
  return {initial_schema(), platform_state(), update_inbox(), user_time_zone(),
          group_settings(),
          indexed_libraries(), library_names(), who_knows_covering_index(),
          crown_counters(), indexed_list_sizes()};
}

std::string render_sql(std::string_view statement, backend_kind backend) {
  static constexpr std::string_view only_sqlite = "{sqlite}";
  static constexpr std::string_view only_pg = "{postgresql}";
  static constexpr std::string_view pk_token = "{pk}";
  if (statement.substr(0, only_sqlite.size()) == only_sqlite) {
    if (backend != backend_kind::sqlite)
      return {};
    statement.remove_prefix(only_sqlite.size());
  } else if (statement.substr(0, only_pg.size()) == only_pg) {
    if (backend != backend_kind::postgresql)
      return {};
    statement.remove_prefix(only_pg.size());
  }
  const std::string_view pk = backend == backend_kind::sqlite
                                ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                : "BIGSERIAL PRIMARY KEY";
  std::string out;
  out.reserve(statement.size() + 32);
  for (;;) {
    auto pos = statement.find(pk_token);
    if (pos == std::string_view::npos) {
      out.append(statement);
      return out;
    }
    out.append(statement.substr(0, pos));
    out.append(pk);
    statement.remove_prefix(pos + pk_token.size());
  }
}

namespace {

constexpr std::string_view schema_version_ddl
  = "CREATE TABLE IF NOT EXISTS schema_version ("
    " id BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// Serializes migrations of one PostgreSQL database across nodes; released at
// the end of each transaction.
constexpr std::string_view pg_lock = "SELECT pg_advisory_xact_lock(7243151)";

// A migration's transaction (see write_transaction: two connections
// migrating at once wait for each other), which on PostgreSQL also takes the
// migration lock.
class txn : public detail::write_transaction {
public:
  txn(soci::session& sql, backend_kind backend) : write_transaction(sql, backend) {
    if (backend == backend_kind::postgresql)
      sql << std::string{pg_lock};
  }
};

bool is_applied(soci::session& sql, std::int64_t id) {
  long long lid = id;
  int count = 0;
  sql << "SELECT COUNT(*) FROM schema_version WHERE id = :id",
    soci::into(count), soci::use(lid, "id");
  return count > 0;
}

void apply_one(soci::session& sql, backend_kind backend, const migration& m) {
  for (const auto& stmt : m.statements)
    if (auto text = render_sql(stmt, backend); !text.empty())
      sql << text;
  long long id = m.id;
  long long now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string name = m.name;
  sql << "INSERT INTO schema_version (id, name, applied_at)"
         " VALUES (:id, :name, :now)",
    soci::use(id, "id"), soci::use(name, "name"), soci::use(now, "now");
}

} // namespace

int apply_migrations(soci::session& sql, backend_kind backend,
                     const std::vector<migration>& list,
                     const migration** failed) {
  for (size_t i = 1; i < list.size(); ++i)
    if (list[i].id <= list[i - 1].id)
      throw std::invalid_argument("migration ids must increase, got "
                                  + std::to_string(list[i].id) + " after "
                                  + std::to_string(list[i - 1].id));
  {
    txn t{sql, backend};
    sql << std::string{schema_version_ddl};
    t.commit();
  }
  int count = 0;
  for (const auto& m : list) {
    *failed = &m;
    txn t{sql, backend};
    // Re-checked inside the locked transaction: another connection may have
    // applied it since we looked.
    if (is_applied(sql, m.id))
      continue; // t rolls back an empty transaction
    apply_one(sql, backend, m);
    t.commit();
    ++count;
  }
  *failed = nullptr;
  return count;
}

} // namespace lastgram::database
