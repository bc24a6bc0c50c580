#pragma once

/// Suggestions for Discord's autocomplete (interaction type 4) of artist,
/// album and track options: which names to offer, in which order, within
/// Discord's limits, and the callback that offers them. Pure; the Discord
/// actor (discord_autocomplete.cpp) gathers the names.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "messages/db.hpp"

namespace lastgram::multiplatform {

/// Discord's limits: choices per answer, and characters (UTF-16 units) of a
/// choice's name and of its value.
inline constexpr std::size_t max_choices = 25;
inline constexpr std::size_t max_choice_length = 100;

/// One choice: what the user sees and what the option then holds.
struct suggestion {
  std::string name;
  std::string value;
};

/// What the user's latest track suggests for an option of `kind`: the
/// artist, "Artist - Album" (nothing without an album) or "Artist - Track".
std::vector<std::string> track_names(entity_kind kind, const std::string& artist,
                                     const std::string& album, const std::string& track);

/// The choices for `typed`: the names of the latest track first (shown
/// with "▶ " before them), then the library's names in the order given
/// (most played first). A name is kept when `typed` is empty or, folded
/// (i18n::fold_name), begins the name (so also its artist) or its part
/// after the first " - ". Names that fold alike are offered once; a value longer than
/// Discord allows is left out (cut, it would name something else); a name
/// is cut with an ellipsis; at most 25 choices.
std::vector<suggestion> rank_suggestions(std::string_view typed,
                                         const std::vector<std::string>& latest,
                                         const std::vector<std::string>& library);

/// The interaction callback that offers `choices`:
/// `{"type":8,"data":{"choices":[{"name":...,"value":...}, ...]}}`.
std::string autocomplete_callback(const std::vector<suggestion>& choices);

} // namespace lastgram::multiplatform
