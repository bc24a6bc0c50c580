#pragma once

/// Pure formatting for the lookups (artistinfo, albuminfo, trackinfo) and the
/// comparisons: Last.fm structs and translated texts in, rich text out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/catalog.hpp"
#include "messages/fm.hpp"
#include "messages/model.hpp"

namespace lastgram::command::music {

/// What a lookup shows, gathered from one getInfo answer.
struct info_view {
  enum class kind : std::uint8_t { artist, album, track };
  kind what = kind::artist;
  /// The name as Last.fm answered it (after autocorrection).
  std::string name;
  /// The artist of an album or track.
  std::string artist;
  /// The album of a track, when Last.fm knows one.
  std::string album;
  /// What the user typed, when they typed it (the artist, and the album or
  /// track): a different name in the answer (ignoring ASCII case) was
  /// autocorrected by Last.fm.
  std::string asked_artist;
  std::string asked_name;
  std::int64_t listeners = 0;
  std::int64_t playcount = 0;
  /// The author's plays; nothing when unknown.
  std::optional<std::int64_t> user_playcount;
  /// How many of the bot's users listen; nothing when the bot has no data.
  std::optional<std::int64_t> bot_listeners;
  std::vector<std::string> tags;
  bool show_tags = true;
  /// Bio or wiki summary, plain text, without Last.fm's "Read more" link.
  std::string summary;
  std::vector<std::string> similar;
  std::int64_t track_count = 0;
  /// Seconds; 0 when unknown.
  std::int64_t duration = 0;
  std::string image;
};

info_view view_of(const fm::artist_info& a);
info_view view_of(const fm::album_info& a);
info_view view_of(const fm::track_info& t);

/// Whether Last.fm's `answered` name differs from what the user `asked`
/// for by more than case (Unicode case folding) and surrounding spaces; false when nothing
/// was asked.
bool autocorrected(std::string_view asked, std::string_view answered);

/// Whether the answer in `v` is not what the user typed.
bool autocorrected(const info_view& v);

/// "3:25" or "1:02:03".
std::string clock_duration(std::int64_t seconds);

/// The lookup layout: the name in bold (with artist and album), a note when
/// autocorrected, worldwide listeners and scrobbles, the bot's listeners,
/// the author's plays, tracks and length, #tags, a short summary and
/// similar artists; image_url is the cover.
outgoing_reply format_info(const i18n::catalog& texts, std::string_view lang,
                           const info_view& v);

} // namespace lastgram::command::music
