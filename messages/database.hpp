#pragma once

/// The database engine's typed interface. Every request may fail with a
/// caf::error of category "db" (see messages/errors.hpp): `unavailable` while
/// the database is down (answered at once, not after a timeout), `timeout`,
/// `constraint`, `not_found`.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/db.hpp"
#include "messages/groups.hpp"
#include "messages/library.hpp"
#include "messages/model.hpp"

namespace lastgram {

using get_user_atom = caf::atom_constant<caf::atom("getuser")>;
using facts_atom = caf::atom_constant<caf::atom("facts")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using unregister_atom = caf::atom_constant<caf::atom("unregister")>;
using session_atom = caf::atom_constant<caf::atom("session")>;
using setting_atom = caf::atom_constant<caf::atom("setting")>;
using language_atom = caf::atom_constant<caf::atom("language")>;
using group_atom = caf::atom_constant<caf::atom("group")>;
using state_atom = caf::atom_constant<caf::atom("state")>;
using reachable_atom = caf::atom_constant<caf::atom("reachable")>;
using inbox_atom = caf::atom_constant<caf::atom("inbox")>;
using inbox_claim_atom = caf::atom_constant<caf::atom("inboxclaim")>;
using inbox_mark_atom = caf::atom_constant<caf::atom("inboxmark")>;
using inbox_prune_atom = caf::atom_constant<caf::atom("inboxprune")>;
using inbox_owner_atom = caf::atom_constant<caf::atom("inboxowner")>;
using who_knows_atom = caf::atom_constant<caf::atom("whoknows")>;
using crowns_atom = caf::atom_constant<caf::atom("crowns")>;
using member_atom = caf::atom_constant<caf::atom("member")>;
using plays_atom = caf::atom_constant<caf::atom("plays")>;
using crown_ban_atom = caf::atom_constant<caf::atom("crownban")>;
using crown_clear_atom = caf::atom_constant<caf::atom("crownclear")>;
using group_config_atom = caf::atom_constant<caf::atom("groupcfg")>;
using listeners_atom = caf::atom_constant<caf::atom("listeners")>;
using library_names_atom = caf::atom_constant<caf::atom("libnames")>;

/// A user looked up by platform id: `found` false when unknown.
struct user_lookup {
  bool found = false;
  user_record user;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_lookup& x) {
  return f(caf::meta::type_name("user_lookup"), x.found, x.user);
}

/// What the guards need in one round trip: the author and, for a reply, the
/// replied-to user.
struct guard_users {
  user_lookup author;
  user_lookup target;
  /// The language the group chose ("" for none, or in a private chat): the
  /// second step of the fallback chain after the user's own.
  std::string group_language;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, guard_users& x) {
  return f(caf::meta::type_name("guard_users"), x.author, x.target, x.group_language);
}

/// The per-user settings a user can change.
enum class user_setting : std::uint8_t {
  show_tags,
  cover_as_link,
  loved_emoji,
  time_zone,
  /// "true": hidden from global lists (shown as "private user").
  private_mode,
  /// "true": banned from the bot (set by a developer, not by the user).
  banned
};

/// The database engine.
/// - (get_user, platform, id) -> user_lookup
/// - (facts, platform, author id, target id or "", group id or "") ->
///   guard_users
/// - (register, platform, id, fm username, display name) -> user_record:
///   creates the user or changes its Last.fm username
/// - (unregister, platform, id) -> bool (false when there was nobody)
/// - (session, platform, id) -> the Last.fm session key, "" when none
/// - (session, platform, id, key) -> bool: stores the key ("" clears it)
/// - (setting, platform, id, which, value) -> bool: "true"/"false" for the
///   flags, the emoji text for loved_emoji, the zone id for time_zone
/// - (language, platform, id, code) -> bool
/// - (group, platform, id, title) -> group_record: creates or renames it
/// - (state, name) -> the stored platform state value, "" when none
/// - (state, name, value) -> bool: stores it (e.g. Telegram's polling offset)
/// - (reachable, platform, chat id, chat kind, bool) -> bool: whether the bot
///   may still write there (added to / removed from a group, blocked by a
///   user); a group row is created when needed
/// - (inbox, entries, claimer) -> the ids newly stored: stores updates
///   before they are acknowledged, claimed by `claimer`, in one transaction
///   (a webhook update alone, a poll's batch together); an id stored before
///   is left out
/// - (inbox, platform) -> how many updates of the platform are not done
/// - (inbox_claim, platform, claimer, lease seconds, limit) -> entries:
///   renews the claimer's leases and claims the unfinished updates whose
///   lease ran out (see store::inbox_claim)
/// - (inbox_mark, platform, replied ids, done ids) -> how many rows changed:
///   marks the first replied and the second done, in one transaction
/// - (inbox_prune, retention seconds) -> how many done updates were deleted
/// - (inbox_owner, platform, update id) -> who holds the update: its
///   claimer, `inbox_owner_done` once it is done, "" when it is not stored
///   (asked after an `inbox` request whose outcome is unknown)
///
/// Inbox marks (inbox_mark) sent with high priority go ahead of the requests
/// queued for a free connection: a mark that waits behind the queue lets a
/// lease lapse and an update be answered twice. New updates (inbox) go
/// ahead too: until stored, an update can be neither acknowledged nor told
/// "busy", so under overload the queue's reads must not hold up the door.
/// - (who_knows, request) -> who_knows_answer: in one transaction, upserts
///   the entity, stores the invoker's fresh count, reads the group's (or the
///   global) list, totals and the invoker's rank, and applies the crown rule
/// - (crowns, request) -> crown_answer: a user's crowns, the group's board,
///   a crown's history or the user's unclaimed artists
/// - (plays, query) -> the user's indexed play count of the entity: its
///   `user_plays` row, 0 when it has none but the index holds the user's
///   whole list of that kind (fewer rows than the depth), else -1 (unknown)
/// - (member, platform, joined | left, group id, user id) and
///   (member, platform, migrated, old group id, new group id) -> bool
/// - (crown_ban, platform, user id, bool) -> bool: bans (or lets again) a
///   user from crowns; false when the user is unknown
/// - (crown_clear, platform, group id, user id) -> how many crowns the user
///   held in the group: each passes to the next eligible listener or becomes
///   unclaimed, the history kept
/// - (group_config, platform, group id) -> group_config (defaults for an
///   unknown group)
/// - (group_config, platform, group id, setting, value) -> group_config after
///   the change (the group row is created when needed); a value that does not
///   fit the setting fails with `other`
/// - (listeners, kind, name, artist or "") -> int64: how many of the bot's
///   users listen to the entity (indexed plays, not banned)
/// - (library_names, platform, user id, kind, prefix) -> names from the
///   user's indexed library for suggestions (store::library_names): at most
///   25, most played first, "Artist - Name" for albums and tracks
using database_actor = caf::typed_actor<
  caf::replies_to<get_user_atom, platform_kind, std::string>::with<user_lookup>,
  caf::replies_to<facts_atom, platform_kind, std::string, std::string,
                  std::string>::with<guard_users>,
  caf::replies_to<register_atom, platform_kind, std::string, std::string,
                  std::string>::with<user_record>,
  caf::replies_to<unregister_atom, platform_kind, std::string>::with<bool>,
  caf::replies_to<session_atom, platform_kind, std::string>::with<std::string>,
  caf::replies_to<session_atom, platform_kind, std::string, std::string>::with<bool>,
  caf::replies_to<setting_atom, platform_kind, std::string, user_setting,
                  std::string>::with<bool>,
  caf::replies_to<language_atom, platform_kind, std::string, std::string>::with<bool>,
  caf::replies_to<group_atom, platform_kind, std::string, std::string>::with<group_record>,
  caf::replies_to<state_atom, std::string>::with<std::string>,
  caf::replies_to<state_atom, std::string, std::string>::with<bool>,
  caf::replies_to<reachable_atom, platform_kind, std::string, chat_kind, bool>::with<bool>,
  caf::replies_to<inbox_atom, std::vector<inbox_entry>, std::string>::with<
    std::vector<std::string>>,
  caf::replies_to<inbox_atom, platform_kind>::with<std::int64_t>,
  caf::replies_to<inbox_claim_atom, platform_kind, std::string, std::int64_t,
                  std::int64_t>::with<std::vector<inbox_entry>>,
  caf::replies_to<inbox_mark_atom, platform_kind, std::vector<std::string>,
                  std::vector<std::string>>::with<std::int64_t>,
  caf::replies_to<inbox_prune_atom, std::int64_t>::with<std::int64_t>,
  caf::replies_to<inbox_owner_atom, platform_kind, std::string>::with<std::string>,
  caf::replies_to<who_knows_atom, who_knows_request>::with<who_knows_answer>,
  caf::replies_to<crowns_atom, crown_request>::with<crown_answer>,
  caf::replies_to<member_atom, platform_kind, member_change, std::string,
                  std::string>::with<bool>,
  caf::replies_to<plays_atom, indexed_plays_query>::with<std::int64_t>,
  caf::replies_to<crown_ban_atom, platform_kind, std::string, bool>::with<bool>,
  caf::replies_to<crown_clear_atom, platform_kind, std::string,
                  std::string>::with<std::int64_t>,
  caf::replies_to<group_config_atom, platform_kind, std::string>::with<group_config>,
  caf::replies_to<group_config_atom, platform_kind, std::string, group_setting,
                  std::string>::with<group_config>,
  caf::replies_to<listeners_atom, entity_kind, std::string, std::string>::with<std::int64_t>,
  caf::replies_to<library_names_atom, platform_kind, std::string, entity_kind,
                  std::string>::with<std::vector<std::string>>>;

} // namespace lastgram
