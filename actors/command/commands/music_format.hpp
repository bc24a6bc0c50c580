#pragma once

/// Pure formatting for the music commands: Last.fm structs and translated
/// texts in, rich text out. No actor, no I/O, so every layout is tested
/// without an engine. Values go into spans verbatim: escaping is the
/// renderer's job.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/catalog.hpp"
#include "messages/fm.hpp"
#include "messages/model.hpp"

namespace lastgram::command::music {

/// The Last.fm username in `input`: a bare name or a profile URL
/// (`https://www.last.fm/user/NAME`, `last.fm/user/NAME`, with or without
/// scheme, `www.` and a trailing path). Nothing when no valid name is there.
std::optional<std::string> extract_fm_username(std::string_view input);

/// Whether `name` can be a Last.fm username: 2 to 15 characters, ASCII
/// letters, digits, `_` and `-`, starting with a letter.
bool valid_fm_username(std::string_view name);

/// What a now-playing command shows.
enum class np_focus : std::uint8_t { track, album, artist };

/// Everything one now-playing reply needs, gathered by the command.
struct now_playing_view {
  np_focus focus = np_focus::track;
  /// The subject's display name.
  std::string who;
  /// The most recent track (now playing or last played).
  fm::track track;
  /// The subject's plays of the focused entity; nothing when the info call
  /// failed (the line is omitted).
  std::optional<std::int64_t> user_playcount;
  /// Tags of the focused entity (shown when show_tags).
  std::vector<std::string> tags;
  bool show_tags = true;
  bool loved = false;
  /// The subject's emoji for loved tracks; empty means the default ❤️.
  std::string loved_emoji;
  /// The user's "cover as link" setting: the cover as a link preview.
  bool cover_as_link = false;
  /// A better cover than the track's, from the info call; may be empty.
  std::string image;
  /// During a Last.fm outage, the age in seconds of the cached answer shown
  /// (0: a fresh answer).
  std::int64_t cached_age_seconds = 0;
};

/// The now-playing layout: "**Name** is/was listening to:", the focused
/// line in bold (track with the loved marker, 💽 album, 🧑‍🎤 artist), the
/// others plain, 📊 the play count, #tags; image_url is the cover.
outgoing_reply format_now_playing(const i18n::catalog& texts, std::string_view lang,
                                  const now_playing_view& v);

/// A tag as a hashtag: lower-cased ASCII, spaces and '-' turned into '_'.
std::string hashtag(std::string_view tag);

/// Everything /last shows; missing parts are left out of the reply.
struct user_info_view {
  fm::user_info user;
  std::optional<fm::top_item> top_artist;
  std::optional<fm::top_item> top_album;
  std::optional<fm::top_item> top_track;
  /// Nothing when the recent tracks call failed.
  std::optional<std::vector<fm::track>> recent;
  /// Unix seconds "now", for the account age.
  std::int64_t now = 0;
};

/// The /last layout: title, scrobbles with a per-day average, registration
/// date and age in days, country, top artist/album/track, recent tracks;
/// image_url is the avatar.
outgoing_reply format_user_info(const i18n::catalog& texts, std::string_view lang,
                                const user_info_view& v);

/// "https://www.last.fm/api/auth/?api_key=KEY&token=TOKEN".
std::string auth_url(std::string_view api_key, std::string_view token);

} // namespace lastgram::command::music
