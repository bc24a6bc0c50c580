#pragma once

/// The hot path's statements, one text each for the store's prepared SOCI
/// statements (store_users.cpp, store_plays.cpp, store_inbox.cpp) and for
/// PostgreSQL's pipelined lane (pg_lane.cpp), which numbers the `:name`
/// placeholders in the order they first appear (numbered_placeholders).

#include <string>
#include <string_view>
#include <vector>

namespace lastgram::database::hot_sql {

/// One user by platform and id (the guards' read); the columns are read in
/// this order by the store and by the lane.
inline constexpr const char* user_row
  = "SELECT id, platform, platform_id, fm_username,"
    // 0/1 rather than a comparison: PostgreSQL would return a boolean.
    " CASE WHEN session_key = '' THEN 0 ELSE 1 END, language, show_tags,"
    " cover_as_link, loved_emoji, banned, crown_banned, display_name, created_at,"
    " time_zone,"
    // A subquery rather than a join: one row per user whatever index_state holds.
    " COALESCE((SELECT s.last_scrobble_at FROM index_state s"
    " WHERE s.user_id = users.id AND s.status = 'done'), 0)"
    " FROM users WHERE platform = :p AND platform_id = :id";

/// One user's indexed count of one entity (/ln): playcount, updated_at.
inline constexpr const char* plays_row
  = "SELECT p.playcount, p.updated_at FROM entities e"
    " JOIN user_plays p ON p.entity_id = e.id AND p.user_id = :u"
    " WHERE e.kind = :k AND e.normalized_name = :nn AND e.normalized_artist = :na";

/// Stores one update, claimed by its receiver; no row when it was there.
inline constexpr const char* inbox_add
  = "INSERT INTO update_inbox (platform, update_id, payload, received_at, claimed_by,"
    " claimed_at) VALUES (:p, :u, :body, :now, :me, :now)"
    " ON CONFLICT (platform, update_id) DO NOTHING";

/// An update's first answer was sent.
inline constexpr const char* inbox_replied
  = "UPDATE update_inbox SET replied = 1 WHERE platform = :p AND update_id = :u";

/// An update is done; a row done once keeps its first done_at (pruning
/// counts from it).
inline constexpr const char* inbox_done
  = "UPDATE update_inbox SET done_at = CASE WHEN done_at = 0 THEN :now ELSE done_at END"
    " WHERE platform = :p AND update_id = :u";

/// `sql` with each `:name` replaced by `$n`, n counting distinct names in the
/// order they first appear (a name used twice gets one number); `names`
/// receives them in that order. Quoted text and `::` casts are left alone.
std::string numbered_placeholders(std::string_view sql, std::vector<std::string>& names);

} // namespace lastgram::database::hot_sql
