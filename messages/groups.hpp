#pragma once

/// The group side of the database engine's vocabulary: who-knows runs (with
/// the crown rule applied in the same transaction), a user's crowns, a
/// group's crown board, crown history and unclaimed entities. Plain structs
/// with an `inspect`; this header pulls only CAF's tiny meta header.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/db.hpp"
#include "messages/model.hpp"

namespace lastgram {

/// One who-knows run. `group_id` is the platform's group id; empty asks the
/// global list (every registered user, private users masked, botted
/// accounts left out, no crowns).
struct who_knows_request {
  platform_kind platform = platform_kind::console;
  std::string group_id;
  entity_kind kind = entity_kind::artist;
  std::string name;
  /// The artist of an album or a track; ignored for artists.
  std::string artist;
  /// The invoker's platform id.
  std::string invoker_id;
  /// The invoker's fresh play count from Last.fm (getInfo with their
  /// username), stored before the list is read; negative when unknown.
  std::int64_t invoker_plays = -1;
  /// Rows skipped (the page) and rows returned.
  std::int64_t offset = 0;
  std::int64_t limit = 15;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, who_knows_request& x) {
  return f(caf::meta::type_name("who_knows_request"), x.platform, x.group_id, x.kind, x.name,
           x.artist, x.invoker_id, x.invoker_plays, x.offset, x.limit);
}

/// One listener in a who-knows list.
struct who_knows_entry {
  /// 1-based place in the whole list.
  std::int64_t rank = 0;
  std::int64_t user_id = 0;
  std::string display_name;
  std::string fm_username;
  std::int64_t playcount = 0;
  /// Global lists only: the user chose privacy (shown as "private user").
  bool is_private = false;
  /// Holds the group's crown for the entity.
  bool holder = false;
  /// The person who asked.
  bool invoker = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, who_knows_entry& x) {
  return f(caf::meta::type_name("who_knows_entry"), x.rank, x.user_id, x.display_name,
           x.fm_username, x.playcount, x.is_private, x.holder, x.invoker);
}

/// What a who-knows run did to the crown.
enum class crown_change : std::uint8_t {
  none,     ///< nobody holds it, or crowns are off for the kind
  kept,     ///< the holder stays (ties keep the holder)
  claimed,  ///< a first holder, past the threshold
  stolen,   ///< a new holder with more plays
  released, ///< the holder lost it (crown-banned, banned, left) and nobody qualifies
};

/// The answer of a who-knows run.
struct who_knows_answer {
  /// The stored spelling of the entity (the first one seen).
  std::string name;
  std::string artist;
  std::vector<who_knows_entry> rows;
  /// Listeners and plays over the whole list.
  std::int64_t listeners = 0;
  std::int64_t plays = 0;
  /// The invoker's place (0 when not a listener) and plays.
  std::int64_t invoker_rank = 0;
  std::int64_t invoker_plays = 0;
  /// Whether crowns apply to this kind in this group, and from how many plays.
  bool crowns_on = false;
  std::int64_t threshold = 30;
  crown_change change = crown_change::none;
  /// The holder after the run ("" when none) and their plays.
  std::string holder_name;
  std::int64_t holder_plays = 0;
  /// For a steal: who lost it.
  std::string previous_holder;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, who_knows_answer& x) {
  return f(caf::meta::type_name("who_knows_answer"), x.name, x.artist, x.rows, x.listeners,
           x.plays, x.invoker_rank, x.invoker_plays, x.crowns_on, x.threshold, x.change,
           x.holder_name, x.holder_plays, x.previous_holder);
}

/// One crown (an entity in a group) with its current holder or, in a
/// history, one holding.
struct crown_entry {
  entity_kind kind = entity_kind::artist;
  std::string name;
  std::string artist;
  std::string holder_name;
  std::int64_t playcount = 0;
  /// Unix seconds; `until` 0 while held.
  std::int64_t since = 0;
  std::int64_t until = 0;
  std::int64_t switches = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crown_entry& x) {
  return f(caf::meta::type_name("crown_entry"), x.kind, x.name, x.artist, x.holder_name,
           x.playcount, x.since, x.until, x.switches);
}

/// A user's crowns in a group, newest first (one page), with totals.
struct user_crowns {
  std::vector<crown_entry> rows;
  std::int64_t total = 0;
  /// The plays behind all of them (/crownworth).
  std::int64_t plays = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_crowns& x) {
  return f(caf::meta::type_name("user_crowns"), x.rows, x.total, x.plays);
}

/// A holder on the crown board: name and how many crowns.
struct crown_count {
  std::string name;
  std::int64_t crowns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crown_count& x) {
  return f(caf::meta::type_name("crown_count"), x.name, x.crowns);
}

/// A group's crown board (/crownsinfo).
struct crowns_board {
  std::int64_t crowns = 0;
  std::int64_t holders = 0;
  std::vector<crown_count> top_holders;
  std::vector<crown_entry> most_switched;
  std::vector<crown_entry> most_plays;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crowns_board& x) {
  return f(caf::meta::type_name("crowns_board"), x.crowns, x.holders, x.top_holders,
           x.most_switched, x.most_plays);
}

/// What a group crown query is about.
enum class crown_query : std::uint8_t {
  user_crowns, ///< (platform, group, user, "", "", offset, limit) -> crown_answer.crowns
  board,       ///< (platform, group, "", ...) -> crown_answer.board
  history,     ///< (platform, group, "", name, artist) -> crown_answer.history (artists)
  unclaimed,   ///< (platform, group, user, ..., limit) -> crown_answer.history
               ///< rows with the user's plays of artists nobody holds
};

/// One crown query.
struct crown_request {
  crown_query what = crown_query::board;
  platform_kind platform = platform_kind::console;
  std::string group_id;
  std::string user_id;
  std::string name;
  std::int64_t offset = 0;
  std::int64_t limit = 10;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crown_request& x) {
  return f(caf::meta::type_name("crown_request"), x.what, x.platform, x.group_id, x.user_id,
           x.name, x.offset, x.limit);
}

/// The answer of a crown query: the part its kind fills.
struct crown_answer {
  user_crowns crowns;
  crowns_board board;
  std::vector<crown_entry> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crown_answer& x) {
  return f(caf::meta::type_name("crown_answer"), x.crowns, x.board, x.entries);
}

/// A change of who is in a group.
enum class member_change : std::uint8_t {
  joined,   ///< (group, user): the user is a member
  left,     ///< (group, user): the user left or was removed
  migrated, ///< (old group, new group id): a supergroup migration
};

/// A group's own settings (/grouplang, /config in a group).
struct group_config {
  /// Empty: not chosen (members' own languages apply).
  std::string language;
  bool artist_crowns = true;
  bool album_crowns = false;
  bool track_crowns = false;
  /// The plays a holder needs.
  std::int64_t threshold = 30;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_config& x) {
  return f(caf::meta::type_name("group_config"), x.language, x.artist_crowns, x.album_crowns,
           x.track_crowns, x.threshold);
}

/// Which group setting a (group_config, ..., setting, value) request changes.
enum class group_setting : std::uint8_t {
  language,      ///< a catalog code, "" to clear
  artist_crowns, ///< "on" / "off"
  album_crowns,  ///< "on" / "off"
  track_crowns,  ///< "on" / "off"
  threshold,     ///< a whole number of plays (at least 1)
};

} // namespace lastgram
