#pragma once

/// The indexed library's vocabulary: one entry of a user's library as the
/// indexer writes it, and the per-user index state that lets a half-done
/// index resume from the page where it stopped. Shared by the store
/// (actors/database/store_library.cpp) and the indexer's door
/// (messages/indexer.hpp); plain structs with an `inspect`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/db.hpp"

namespace lastgram {

/// One entity of a user's library with the user's play count. `artist` is
/// empty for artists. Names are stored as Last.fm spells them; the store
/// folds them (`i18n::fold_name`) to find the entity.
struct library_item {
  std::string name;
  std::string artist;
  std::int64_t playcount = 0;
  /// For counts made from recent scrobbles (an incremental index): the time
  /// of each scrobble counted, so a row a who-knows refresh already counted
  /// through a later time gets only the scrobbles after it. Empty for the
  /// counts of top lists.
  std::vector<std::int64_t> played_at = {};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, library_item& x) {
  return f(caf::meta::type_name("library_item"), x.name, x.artist, x.playcount, x.played_at);
}

/// Where a user's index stands.
enum class index_status : std::uint8_t {
  /// Never indexed.
  none,
  /// A full index is under way (`kind` and `page` say how far).
  running,
  /// The last full index finished (`last_full_at`).
  done,
};

inline std::string_view to_string(index_status x) noexcept {
  switch (x) {
    case index_status::running:
      return "running";
    case index_status::done:
      return "done";
    default:
      return "none";
  }
}

/// The index state of one user (table `index_state`). Times are Unix
/// seconds, 0 for "never".
struct index_state {
  std::int64_t user_id = 0;
  index_status status = index_status::none;
  /// The kind being indexed while `running`.
  entity_kind kind = entity_kind::artist;
  /// The last page of `kind` that is stored (staged); 0 before the first.
  std::int32_t page = 0;
  /// Last.fm's page count for `kind` (0 before the first page).
  std::int32_t total_pages = 0;
  /// Entries of `kind` staged so far, and how many Last.fm lists in total.
  std::int64_t items_done = 0;
  std::int64_t items_total = 0;
  /// How many artists the last full index (or the running one) found.
  std::int64_t artists_total = 0;
  /// The user's scrobble total at the last index or update.
  std::int64_t scrobbles = 0;
  std::int64_t last_full_at = 0;
  /// The newest scrobble counted: the `from` of the next incremental update.
  std::int64_t last_scrobble_at = 0;
  /// When the next full index is due.
  std::int64_t next_due_at = 0;
  /// When the user last asked for an index (/index), for its hourly limit.
  std::int64_t requested_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, index_state& x) {
  return f(caf::meta::type_name("index_state"), x.user_id, x.status, x.kind, x.page,
           x.total_pages, x.items_done, x.items_total, x.artists_total, x.scrobbles,
           x.last_full_at, x.last_scrobble_at, x.next_due_at, x.requested_at);
}

/// A library due for a full index: the user and their Last.fm name.
struct due_library {
  std::int64_t user_id = 0;
  std::string fm_username;
  /// 0 when never indexed.
  std::int64_t next_due_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, due_library& x) {
  return f(caf::meta::type_name("due_library"), x.user_id, x.fm_username, x.next_due_at);
}

/// A user's indexed play count of one entity (`user_plays`), for /ln.
struct indexed_plays_query {
  std::int64_t user_id = 0;
  entity_kind kind = entity_kind::track;
  std::string name;
  /// The artist of an album or a track; ignored for artists.
  std::string artist;
  /// How deep the index goes for `kind` (indexer.track-depth or
  /// album-depth); 0 means every artist, and no album or track at all.
  std::int64_t depth = 0;
  /// When the user scrobbled the entity since the index (Unix seconds, from
  /// the page of recent tracks asked from the index time). The store adds
  /// those its row does not count yet: all of them for a row the indexer
  /// wrote, only the later ones for a row a who-knows refreshed.
  std::vector<std::int64_t> since;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indexed_plays_query& x) {
  return f(caf::meta::type_name("indexed_plays_query"), x.user_id, x.kind, x.name, x.artist,
           x.depth, x.since);
}

/// The "sooner for users active in groups" half of when a library falls
/// due (store::due_libraries): users who ran a command in a group at or
/// after `active_since` are due once their last full index finished at or
/// before `full_before`. Both 0 (the default) turn it off.
struct due_soon {
  std::int64_t active_since = 0;
  std::int64_t full_before = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, due_soon& x) {
  return f(caf::meta::type_name("due_soon"), x.active_since, x.full_before);
}

} // namespace lastgram
