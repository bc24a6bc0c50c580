#pragma once

/// The database engine's vocabulary: what the store returns (users, groups,
/// who-knows rows, crown holders) and its error codes. Plain structs with an
/// `inspect`, so they print in logs and can cross nodes; this header pulls only
/// CAF's tiny meta header, never caf/all.hpp, and no SOCI type.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/model.hpp"

namespace lastgram {

/// Why a database operation failed.
enum class db_errc : std::uint8_t {
  unavailable,      ///< cannot reach the database (refused, server gone, no file)
  constraint,       ///< a unique / foreign-key / check constraint refused the write
  not_found,        ///< the row the operation needs does not exist
  migration_failed, ///< a schema migration failed and was rolled back
  timeout,          ///< statement timeout (PostgreSQL) or busy timeout (SQLite)
  other             ///< anything else (bad SQL, bad settings, ...)
};

/// The stable name of an error code, for logs and metrics labels.
inline std::string_view to_string(db_errc x) noexcept {
  switch (x) {
    case db_errc::unavailable:
      return "unavailable";
    case db_errc::constraint:
      return "constraint";
    case db_errc::not_found:
      return "not_found";
    case db_errc::migration_failed:
      return "migration_failed";
    case db_errc::timeout:
      return "timeout";
    case db_errc::other:
      return "other";
  }
  return "other";
}

/// An error with the operator-facing detail (never shown to users: it may
/// contain SQL or server messages).
struct db_error {
  db_errc code = db_errc::other;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, db_error& x) {
  return f(caf::meta::type_name("db_error"), x.code, x.message);
}

/// What a Last.fm entity is.
enum class entity_kind : std::uint8_t { artist, album, track };

/// The name stored in the `entities.kind` column.
inline std::string_view to_string(entity_kind x) noexcept {
  switch (x) {
    case entity_kind::artist:
      return "artist";
    case entity_kind::album:
      return "album";
    case entity_kind::track:
      return "track";
  }
  return "artist";
}

/// A person known to the bot on one platform. Empty strings stand for "not
/// set" (no Last.fm account linked, no language chosen). The Last.fm session
/// key is a secret and is not part of the record (records get logged); ask
/// the store for it with `get_session_key` when a signed call needs it.
struct user_record {
  std::int64_t id = 0;
  platform_kind platform = platform_kind::console;
  std::string platform_id;
  std::string fm_username;
  bool has_session_key = false;
  std::string language;
  bool show_tags = true;
  bool cover_as_link = false;
  std::string loved_emoji;
  bool banned = false;
  bool crown_banned = false;
  std::string display_name;
  /// Unix seconds.
  std::int64_t created_at = 0;
  /// IANA time zone as ICU spells it (e.g. "Europe/Lisbon"); "" means UTC.
  std::string time_zone;
  /// The newest scrobble the user's finished library index counts (Unix
  /// seconds, `index_state.last_scrobble_at`); 0 while not indexed. Read
  /// with the user, so /ln knows at once whether the index can give counts.
  std::int64_t indexed_through = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_record& x) {
  return f(caf::meta::type_name("user_record"), x.id, x.platform,
           x.platform_id, x.fm_username, x.has_session_key, x.language,
           x.show_tags, x.cover_as_link, x.loved_emoji, x.banned,
           x.crown_banned, x.display_name, x.created_at, x.time_zone,
           x.indexed_through);
}

/// A group chat (Telegram group, Discord guild) the bot is in.
struct group_record {
  std::int64_t id = 0;
  platform_kind platform = platform_kind::console;
  std::string platform_id;
  std::string title;
  /// Empty: not chosen (members' own languages apply).
  std::string language;
  bool active = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_record& x) {
  return f(caf::meta::type_name("group_record"), x.id, x.platform,
           x.platform_id, x.title, x.language, x.active);
}

/// One listener of an entity, as shown by who-knows.
struct who_knows_row {
  std::int64_t user_id = 0;
  std::string display_name;
  std::string fm_username;
  std::int64_t playcount = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, who_knows_row& x) {
  return f(caf::meta::type_name("who_knows_row"), x.user_id, x.display_name,
           x.fm_username, x.playcount);
}

/// The top listeners of an entity across every user, plus how many listen.
struct global_who_knows_result {
  std::vector<who_knows_row> rows;
  std::int64_t total_listeners = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, global_who_knows_result& x) {
  return f(caf::meta::type_name("global_who_knows_result"), x.rows,
           x.total_listeners);
}

/// Who holds a crown (an entity in a group) and since when.
struct crown_holder_record {
  std::int64_t crown_id = 0;
  std::int64_t user_id = 0;
  std::int64_t playcount = 0;
  /// Unix seconds.
  std::int64_t since = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crown_holder_record& x) {
  return f(caf::meta::type_name("crown_holder_record"), x.crown_id, x.user_id,
           x.playcount, x.since);
}

/// One update in the durable inbox (database table `update_inbox`): what a
/// platform pushed to us, kept until it was handled. Platform-neutral: the
/// update id is text and the payload the platform's own body.
struct inbox_entry {
  platform_kind platform = platform_kind::telegram;
  std::string update_id;
  std::string payload;
  /// Unix seconds.
  std::int64_t received_at = 0;
  /// Its first answer was confirmed sent: a process taking it over marks it
  /// done instead of answering it again.
  bool replied = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_entry& x) {
  return f(caf::meta::type_name("inbox_entry"), x.platform, x.update_id, x.payload,
           x.received_at, x.replied);
}

/// Who holds an inbox row (see store::inbox_owner).
struct inbox_holder {
  std::string claimed_by;
  bool done = false;
};

/// The answer of the database's (inbox_owner, ...) for a row already done:
/// never a claimer's name (those are host/pid/random).
constexpr std::string_view inbox_owner_done = "(done)";

/// What `inbox_mark` records about an inbox entry.
enum class inbox_mark : std::uint8_t { replied, done };

} // namespace lastgram
