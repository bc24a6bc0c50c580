#pragma once

/// What a lookup, a comparison or a love is about: the item the command
/// names, else someone's now playing (or last played) track. Shared by the
/// commands that take `[artist]` or `[artist - title]` and default to the
/// track being played.

#include <functional>
#include <string>

#include "actors/command/commands/music_format.hpp"
#include "actors/command/context.hpp"

namespace lastgram::command::music {

/// The item as a track: artist always; album for the album focus, name for
/// the track focus. `typed` says the user wrote it (autocorrection is then
/// worth telling).
struct music_item {
  fm::track track;
  bool typed = false;
};

using item_handler = std::function<void(context&, music_item)>;

/// Asks Last.fm for the latest track of `fm_user` and calls `then` with it.
/// Without any scrobble it answers "no scrobbles" (about `who`, or the
/// author when `who` is empty); an error is answered with the account name.
void latest_track(context run, const std::string& fm_user, const std::string& who,
                  item_handler then);

/// The item the command's text names ("artist" for the artist focus, else
/// "artist - title", see split_artist_item), or the latest track of
/// `fm_user` when the text is empty. A text without a spaced dash where one
/// is needed is answered with the "lookup.need_dash" hint. The run must be
/// deferred by the caller.
void resolve_item(context run, np_focus focus, const std::string& fm_user, item_handler then);

} // namespace lastgram::command::music
