#pragma once

/// The commands every node serves, one `make_<name>()` per command, each
/// defined in commands/<name>.cpp (a family of one shape shares a file:
/// listening, album and artist in now_playing.cpp). all.cpp lists them once.

#include <vector>

#include "actors/command/registry.hpp"

namespace lastgram::command {

// Core: no other engine needed.
command_spec make_start();
command_spec make_help();
command_spec make_botinfo();
/// Developer-only: sleep and crash on purpose, to check supervision and
/// shutdown on a live node.
command_spec make_debug();

// Who a user is to the bot.
command_spec make_register();
command_spec make_unregister();
command_spec make_linkfm();
command_spec make_unlinkfm();
/// Asks the library indexer for a refresh now (index.cpp).
command_spec make_index();
command_spec make_lang();
/// The settings menu whose buttons (context::action_button) change
/// language, tags, cover and loved emoji.
command_spec make_config();

// Music.
command_spec make_listening();
command_spec make_album();
command_spec make_artist();
command_spec make_last();

// Lookups (info.cpp): an item named, or the author's latest track.
command_spec make_artistinfo();
command_spec make_albuminfo();
command_spec make_trackinfo();
// Comparisons with the replied-to person (compare.cpp, compat.cpp).
command_spec make_youtrack();
command_spec make_youalbum();
command_spec make_youartist();
command_spec make_metrack();
command_spec make_mealbum();
command_spec make_meartist();
command_spec make_compat();
// Writes with the author's own Last.fm session (love.cpp) and settings.
command_spec make_love();
command_spec make_unlove();
command_spec make_emoji();
/// Lyrics from lrclib, paged with buttons (lyrics.cpp).
command_spec make_lyrics();
// Lists and time (top.cpp, recent.cpp, timezone.cpp).
command_spec make_topartists();
command_spec make_topalbums();
command_spec make_toptracks();
command_spec make_recent();
command_spec make_timezone();
// Listening history (peak.cpp, milestone.cpp, streak.cpp, pace.cpp).
command_spec make_peak();
command_spec make_milestone();
command_spec make_streak();
command_spec make_pace();
// Collages drawn by the image engine, with buttons (collage.cpp).
command_spec make_cllg();
command_spec make_acllg();

/// Every command a node serves, in the order /help lists them: the one list
/// (all.cpp) that the node, the Telegram menu and the tests register from.
std::vector<command_spec> all_commands();

/// Adds all_commands() to `reg`.
void add_all_commands(registry& reg);

// Groups: who knows an artist, album or track, and crowns (whoknows.cpp,
// globalwhoknows.cpp, whoknowspage.cpp, crowns.cpp, crownsinfo.cpp,
// crownworth.cpp, unclaimed.cpp, crownhistory.cpp).
command_spec make_whoknows();
command_spec make_whoknowsalbum();
command_spec make_whoknowstrack();
command_spec make_globalwhoknows();
command_spec make_globalwhoknowsalbum();
command_spec make_globalwhoknowstrack();
/// Hidden: the page buttons of the who-knows lists.
command_spec make_whoknowspage();
command_spec make_crowns();
command_spec make_crownsinfo();
command_spec make_crownworth();
command_spec make_unclaimed();
command_spec make_crownhistory();
/// Hides the author from global lists (privacy.cpp).
command_spec make_privacy();
/// Developer-only: ban a user from the bot, or lift the ban (ban.cpp).
command_spec make_lastgramban();
command_spec make_lastgramunban();

// Moderation and group settings, for group administrators (crownban.cpp,
// grouplang.cpp; /config in a group is group_config.cpp).
command_spec make_crownban();
command_spec make_crownunban();
/// Hidden: the "clear this user's crowns" button of /crownban.
command_spec make_crownclear();
command_spec make_grouplang();

} // namespace lastgram::command
