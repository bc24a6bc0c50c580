#pragma once

/// The synchronous core of the database engine: one connection (SQLite by
/// default, PostgreSQL when a URL is configured) and every query the bot runs.
/// Every call blocks, so a store belongs to exactly one detached actor (or one
/// thread); it is not thread-safe. Errors are values (`db_error`), never
/// exceptions; SOCI stays inside the store's sources (store_impl.hpp,
/// store.cpp for the connection, store_<table family>.cpp for the queries).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "actors/database/migrations.hpp"
#include "i18n/name_fold.hpp"
#include "messages/db.hpp"
#include "messages/expected.hpp"
#include "messages/groups.hpp"
#include "messages/library.hpp"
#include "messages/model.hpp"
#include "messages/settings.hpp"

namespace lastgram::database {

/// A value or a `db_error`.
template <class T>
using result = expected<T, db_error>;

/// The key under which entity names are deduplicated: `i18n::fold_name`
/// (Unicode case folding, whitespace trimmed and collapsed).
inline std::string normalize_name(std::string_view name) {
  return i18n::fold_name(name);
}

/// PostgreSQL's connection string for `cfg.url`: a connect timeout added
/// unless the operator chose one.
std::string pg_conninfo(const database_settings& cfg);

/// The statements each PostgreSQL connection runs first (encoding, notices,
/// the statement timeout).
std::vector<std::string> pg_session_setup(const database_settings& cfg);

/// One blocking database connection with the bot's queries.
///
/// Errors: `unavailable` when the server refuses or drops the connection (the
/// caller may `reconnect()` and retry), `timeout` when the statement timeout
/// (PostgreSQL) or busy timeout (SQLite) fires, `constraint` for a refused
/// write, `not_found` where documented below. Messages are for operators and
/// never contain bound values (session keys stay out of logs).
///
/// A moved-from store may only be destroyed or assigned to.
class store {
public:
  /// Connects to PostgreSQL when `cfg.url` is non-empty, else opens the SQLite
  /// file `cfg.path` (creating its directory; ":memory:" for a private
  /// in-memory database). Sets the busy timeout (SQLite) or statement timeout
  /// (PostgreSQL) from `cfg.statement_timeout_ms`; a PostgreSQL URL without a
  /// `connect_timeout` gets one of the same length (at least 1 s). Does not
  /// migrate. Fails with `unavailable` when the server or file is unreachable.
  static result<store> open(const database_settings& cfg);

  store(store&&) noexcept;
  store& operator=(store&&) noexcept;
  ~store();

  /// The dialect of this connection.
  backend_kind backend() const noexcept;

  /// Drops the connection and opens it again with the same settings (after
  /// an `unavailable` error, e.g. a PostgreSQL restart). For ":memory:" this
  /// means a new, empty database.
  result<void> reconnect();

  /// A trivial round trip; `unavailable` when the connection is gone.
  result<void> ping();

  // -- schema -----------------------------------------------------------------

  /// Applies the built-in migrations that are not applied yet; returns how
  /// many ran (0 when the schema is current).
  result<int> migrate();

  /// Applies the migrations of `list` (ids strictly increasing) missing from
  /// `schema_version`, each in its own transaction. The first failing one is
  /// rolled back and reported as `migration_failed` naming its id and name;
  /// the ones before it stay applied.
  result<int> migrate(const std::vector<migration>& list);

  /// The highest applied migration id, 0 for an empty database.
  result<std::int64_t> schema_version();

  // -- users ------------------------------------------------------------------

  /// The user, or an empty optional when unknown.
  result<std::optional<user_record>> get_user(platform_kind platform,
                                              std::string_view platform_id);

  /// Links a Last.fm account: inserts the user or updates its username and
  /// display name (other settings are kept).
  result<user_record> register_user(platform_kind platform,
                                    std::string_view platform_id,
                                    std::string_view fm_username,
                                    std::string_view display_name);

  /// Removes the user and, by cascade, its plays, memberships and crowns.
  /// `not_found` when unknown.
  result<void> unregister_user(platform_kind platform,
                               std::string_view platform_id);

  /// Inserts the user if needed and sets its display name (called on every
  /// message, as names change).
  result<void> upsert_display_name(platform_kind platform,
                                   std::string_view platform_id,
                                   std::string_view display_name);

  /// Inserts the user if needed and sets its language ('' = platform hint).
  result<void> upsert_user_language(platform_kind platform,
                                    std::string_view platform_id,
                                    std::string_view language);

  /// Stores the Last.fm session key of a known user (`not_found` otherwise).
  result<void> set_session_key(platform_kind platform,
                               std::string_view platform_id,
                               std::string_view session_key);

  /// The Last.fm session key of a known user ('' when none; `not_found` for
  /// an unknown user). A secret: never log it.
  result<std::string> get_session_key(platform_kind platform,
                                      std::string_view platform_id);

  /// Forgets the session key of a known user (`not_found` otherwise).
  result<void> clear_session_key(platform_kind platform,
                                 std::string_view platform_id);

  /// Per-user settings; each inserts the user if needed.
  result<void> set_show_tags(platform_kind platform,
                             std::string_view platform_id, bool value);
  result<void> set_cover_as_link(platform_kind platform,
                                 std::string_view platform_id, bool value);
  result<void> set_loved_emoji(platform_kind platform,
                               std::string_view platform_id,
                               std::string_view emoji);
  /// `zone` is an IANA id already checked against ICU's list; "" for UTC.
  result<void> set_time_zone(platform_kind platform, std::string_view platform_id,
                             std::string_view zone);
  result<void> set_banned(platform_kind platform, std::string_view platform_id,
                          bool value);
  result<void> set_crown_banned(platform_kind platform,
                                std::string_view platform_id, bool value);

  // -- groups -----------------------------------------------------------------

  /// Inserts the group or updates its title; returns the stored row.
  result<group_record> upsert_group(platform_kind platform,
                                    std::string_view platform_id,
                                    std::string_view title);

  /// The group, or an empty optional when unknown.
  result<std::optional<group_record>> get_group(platform_kind platform,
                                                std::string_view platform_id);

  /// `not_found` when the group is unknown.
  result<void> set_group_active(platform_kind platform,
                                std::string_view platform_id, bool active);

  /// `not_found` when the group is unknown.
  result<void> set_group_language(platform_kind platform,
                                  std::string_view platform_id,
                                  std::string_view language);

  /// Idempotent; `constraint` when the group or user id does not exist.
  result<void> add_group_member(std::int64_t group_id, std::int64_t user_id);

  /// Idempotent.
  result<void> remove_group_member(std::int64_t group_id,
                                   std::int64_t user_id);

  // -- entities and plays -----------------------------------------------------

  /// The id of the entity, inserting it when no entity of that kind has the
  /// same `normalize_name` of name and artist. `artist` is ignored for
  /// artists. The first spelling inserted is the one kept.
  result<std::int64_t> upsert_entity(entity_kind kind, std::string_view name,
                                     std::string_view artist = {});

  /// Records how many times a user played an entity (replacing the old
  /// count). `constraint` when the user or entity id does not exist.
  result<void> set_user_plays(std::int64_t user_id, std::int64_t entity_id,
                              std::int64_t playcount);

  /// The group's members who played the entity, most plays first (ties by
  /// user id), at most `limit` rows. Skips banned users, users without a
  /// linked Last.fm account and zero counts.
  result<std::vector<who_knows_row>>
  who_knows(std::int64_t group_id, std::int64_t entity_id, std::int64_t limit);

  /// Like `who_knows` over every user, plus the number of such listeners.
  result<global_who_knows_result>
  global_who_knows(std::int64_t entity_id, std::int64_t limit);

  /// How many of the bot's users listen to the entity named `name` (by
  /// `artist` for albums and tracks; names compared normalized): linked,
  /// not banned, with plays in their indexed library. 0 when unknown.
  result<std::int64_t> count_listeners(entity_kind kind, std::string_view name,
                                       std::string_view artist);

  // -- crowns -----------------------------------------------------------------

  /// The current holder of the crown for the entity in the group, or an
  /// empty optional when nobody holds it.
  result<std::optional<crown_holder_record>>
  current_crown_holder(std::int64_t group_id, std::int64_t entity_id);

  /// Makes `user_id` the current holder of the crown for the entity in the
  /// group, creating the crown (claimed) if needed. The same holder only gets
  /// its playcount refreshed; a new holder closes the previous holding
  /// (`until` = now) and counts a switch. Policy (crown bans, minimum plays)
  /// is the caller's. `constraint` when an id does not exist.
  result<crown_holder_record> set_crown_holder(std::int64_t group_id,
                                               std::int64_t entity_id,
                                               std::int64_t user_id,
                                               std::int64_t playcount);

  // -- group side (store_whoknows.cpp, store_crowns.cpp) -----------------------

  /// One who-knows run in one transaction: upserts the entity, stores the
  /// invoker's fresh count (when known and the invoker is registered), reads
  /// the page of listeners, the totals and the invoker's rank, and, in a
  /// group with crowns on for the kind, applies the crown rule: the top
  /// eligible listener (linked, not banned, not crown-banned, a member) past
  /// the group's threshold claims, or steals with strictly more plays than
  /// the holder (ties keep the holder); a holder who is no longer eligible
  /// loses the crown to the next eligible one, or it is released. An empty
  /// `group_id` asks the global list: private users masked, no crowns, and
  /// accounts averaging more than 650 scrobbles a day since their Last.fm
  /// registration left out (when the indexer has stored both numbers).
  result<who_knows_answer> run_who_knows(const who_knows_request& req);

  /// A crown query (see crown_query); an unknown group answers empty.
  result<crown_answer> query_crowns(const crown_request& req);

  /// Records a registered user as a member of a group (creating the group
  /// row when unknown). An unknown or unlinked user is not recorded.
  result<void> record_member(platform_kind platform, std::string_view group_id,
                             std::string_view user_id);

  /// Removes a member (a `left_chat_member`); unknown ids are no error.
  result<void> forget_member(platform_kind platform, std::string_view group_id,
                             std::string_view user_id);

  /// A supergroup migration: members, crowns (with their history), the
  /// language and the crown settings move from `from` to `to` (created when
  /// needed; crowns `to` already has are kept), and `from` becomes inactive.
  result<void> migrate_group(platform_kind platform, std::string_view from,
                             std::string_view to);

  /// Crown settings of a group (`not_found` when the group is unknown).
  result<void> set_group_crowns(platform_kind platform, std::string_view group_id,
                                entity_kind kind, bool on);
  result<void> set_crown_threshold(platform_kind platform, std::string_view group_id,
                                   std::int64_t plays);

  // -- moderation and group settings (store_moderation.cpp) --------------------

  /// Takes every crown `user_id` holds in the group from them: each passes
  /// to the next eligible listener past the group's threshold (a member,
  /// linked, not banned, not crown-banned, not `user_id`) or becomes
  /// unclaimed. The history is kept. Returns how many crowns the user held
  /// (0 for an unknown group or user).
  result<std::int64_t> clear_user_crowns(platform_kind platform, std::string_view group_id,
                                         std::string_view user_id);

  /// The group's settings; defaults for an unknown group.
  result<group_config> get_group_config(platform_kind platform, std::string_view group_id);

  /// Changes one setting (creating the group row when needed) and returns
  /// the settings after it; a value that does not fit the setting ("on" /
  /// "off", a number of at least 1) is `other`.
  result<group_config> change_group_config(platform_kind platform, std::string_view group_id,
                                           group_setting which, std::string_view value);

  /// Hides (or shows) a user on global lists; inserts the user if needed.
  result<void> set_private_mode(platform_kind platform, std::string_view platform_id,
                                bool value);

  /// The Last.fm facts the botted-account rule reads (the indexer's to
  /// write): scrobble total and Last.fm registration (Unix seconds).
  result<void> set_fm_profile(std::int64_t user_id, std::int64_t scrobbles,
                              std::int64_t registered_at);

  // -- platform state ---------------------------------------------------------

  /// The value stored under `name`, "" when none.
  result<std::string> get_state(std::string_view name);

  /// Stores `value` under `name` (insert or replace).
  result<void> put_state(std::string_view name, std::string_view value);

  /// Whether the bot can still write to a chat: a group row is created if
  /// needed and its `active` flag set; a private chat's user (when known) gets
  /// `reachable` set. Unknown private users are not an error.
  result<void> set_chat_reachable(platform_kind platform,
                                  std::string_view chat_id, chat_kind kind,
                                  bool reachable);

  // -- durable inbox (store_inbox.cpp) ------------------------------------------

  /// Stores an update before it is acknowledged, claimed by `claimer` at
  /// `now` (Unix seconds). True when new; false when (platform, update id)
  /// was stored before (a re-delivery: the row is left as it is).
  result<bool> inbox_add(const inbox_entry& entry, std::string_view claimer, std::int64_t now);

  /// Stores a batch of updates as inbox_add does, in one transaction, and
  /// returns the ids of those that were new (in the batch's order).
  result<std::vector<std::string>> inbox_add(const std::vector<inbox_entry>& entries,
                                             std::string_view claimer, std::int64_t now);

  /// Renews the lease of `claimer` on its unfinished rows, then claims, for
  /// `claimer`, up to `limit` unfinished rows of `platform` whose lease ran
  /// out (claimed at or before now - lease_seconds), oldest first, and
  /// returns them. A row is claimed by one caller only, even when several
  /// processes claim at once (compare-and-set on the old claim).
  result<std::vector<inbox_entry>> inbox_claim(platform_kind platform, std::string_view claimer,
                                               std::int64_t now, std::int64_t lease_seconds,
                                               std::int64_t limit);

  /// Marks a row replied (its first answer went out) or done (at `now`).
  /// `not_found` when there is no such row.
  result<void> inbox_mark(platform_kind platform, std::string_view update_id,
                          lastgram::inbox_mark which, std::int64_t now);

  /// Marks the `replied` rows replied, then the `done` rows done, in one
  /// transaction; returns how many rows changed (ids with no row are
  /// skipped).
  result<std::int64_t> inbox_mark(platform_kind platform, const std::vector<std::string>& replied,
                                  const std::vector<std::string>& done, std::int64_t now);

  /// Who holds a row: after an `inbox_add` whose outcome is unknown (it
  /// timed out, and the row may have been written), the caller asks instead
  /// of handling the update a second time. nullopt when there is no row.
  result<std::optional<inbox_holder>> inbox_owner(platform_kind platform,
                                                  std::string_view update_id);

  /// Deletes the rows done at or before `done_before`; returns how many.
  result<std::int64_t> inbox_prune(std::int64_t done_before);

  /// How many rows of `platform` are not done.
  result<std::int64_t> inbox_pending(platform_kind platform);

  /// The rows of `platform` that are not done, oldest first, with their
  /// replied flag (what a process taking them over would find).
  result<std::vector<inbox_entry>> inbox_unfinished(platform_kind platform);

  // -- indexed libraries (store_library.cpp) ----------------------------------

  /// Stores one page of a full index of `kind` for the user: upserts the
  /// entities (names folded; entries whose folded names collide count
  /// together) and adds their counts to the user's staging rows, all in one
  /// transaction that also saves `state` (its `page` names this page), so a
  /// resumed index never stages a page twice. Page 1 first clears the
  /// staging rows of an earlier, abandoned index of that kind. Returns how
  /// many distinct entities the page held. `constraint` for an unknown user.
  result<std::int64_t> stage_library_page(std::int64_t user_id, entity_kind kind,
                                          const std::vector<library_item>& items,
                                          const index_state& state);

  /// Switches the staged rows of `kind` into the user's plays in one
  /// transaction (plays of that kind not staged are removed), clears the
  /// staging rows and saves `state`. Returns how many plays the user now has
  /// of that kind.
  result<std::int64_t> commit_library(std::int64_t user_id, entity_kind kind,
                                      const index_state& state);

  /// Adds new scrobbles to the user's plays (an incremental update between
  /// full indexes), in one transaction that also saves `state`.
  result<void> add_library_plays(std::int64_t user_id, entity_kind kind,
                                 const std::vector<library_item>& items,
                                 const index_state& state);

  /// The user's index state; `status` none (and user_id set) when the user
  /// was never indexed.
  result<index_state> get_index_state(std::int64_t user_id);

  /// Stores the user's index state (insert or replace).
  result<void> put_index_state(const index_state& state);

  /// Linked users whose library is due at `now` (never indexed,
  /// `next_due_at` <= now, or active in groups as `soon` says), those never
  /// indexed first, then the longest overdue; at most `limit`.
  result<std::vector<due_library>> due_libraries(std::int64_t now, std::int64_t limit,
                                                 const due_soon& soon = {});

  /// How many libraries are due at `now`, and the oldest due time among them
  /// (0 when none or when only never-indexed ones are due).
  result<std::pair<std::int64_t, std::int64_t>> due_summary(std::int64_t now,
                                                            const due_soon& soon = {});

  /// How many plays the user has of `kind` (for tests and progress).
  result<std::int64_t> count_user_plays(std::int64_t user_id, entity_kind kind);

  /// The user's indexed play count of one entity: its `user_plays` row; 0
  /// when there is none but the index holds the user's whole list of that
  /// kind (every artist, or fewer rows than `depth`); -1 when the index
  /// cannot tell (the entity may sit below the depth). Plus the scrobbles in
  /// `q.since` the row does not count yet (after its updated_at).
  result<std::int64_t> indexed_playcount(const indexed_plays_query& q);

  /// Names from the indexed library of the user (`platform`, `platform_id`)
  /// for suggestions (store_suggest.cpp): entities of `kind` whose folded
  /// name starts with the folded `prefix` (for albums and tracks also those
  /// whose artist, or "artist - name", starts with it), most played first,
  /// at most `limit` (25 when larger). Spelled as the commands take them:
  /// the artist's name, or "Artist - Name" for albums and tracks. Empty for
  /// an unknown user.
  result<std::vector<std::string>> library_names(platform_kind platform,
                                                 std::string_view platform_id, entity_kind kind,
                                                 std::string_view prefix, std::int64_t limit = 25);

  // -- artist names and Last.fm facts (store_names.cpp) -----------------------

  /// The known corrections of `names` (any spelling), keyed by their
  /// `normalize_name`: the name Last.fm files each artist under (the name
  /// itself when Last.fm has none). Names never looked up are missing.
  result<std::unordered_map<std::string, std::string>>
  artist_corrections(const std::vector<std::string>& names);

  /// Records that Last.fm files `name` under `canonical` (pass `name` itself
  /// when it has no correction), checked at `now`. When the names differ and
  /// an artist is stored under the old one, it joins the canonical artist in
  /// the same transaction: each user's plays of the two add up (the later
  /// refresh mark kept), a group's two crowns become one (the holding with
  /// more plays stays, ties to the canonical one; the other is closed and
  /// kept in the history) and the old artist goes. With no canonical artist
  /// stored yet, the old one is renamed. Albums and tracks are keyed by
  /// their artist's name and are not merged.
  result<void> put_artist_correction(std::string_view name, std::string_view canonical,
                                     std::int64_t now);

  /// The user's scrobbles in the 8 days before `at` (Unix seconds), for the
  /// botted-account rule's "more than 6 days of listening in 8 days".
  result<void> set_fm_recent(std::int64_t user_id, std::int64_t scrobbles, std::int64_t at);

private:
  struct impl;

  explicit store(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace lastgram::database
