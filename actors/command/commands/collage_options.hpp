#pragma once

/// What /cllg and /acllg draw, read from their words in any order ("5x5",
/// "5", "alb", "artists", "1m", "3 months", "overall", ...), and written
/// back as the words their buttons carry. Pure: no actor, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/fm.hpp"

namespace lastgram::command::collage {

/// The largest grid side (lastgram-redlight's cap): a bigger size is
/// refused with a message, not clamped, so that nobody waits for a picture
/// other than the one asked for.
inline constexpr std::int32_t max_side = 10;
inline constexpr std::int32_t default_side = 3;

/// Tiles of an asymmetric collage: 1 large, 4 medium, 18 small, the places
/// the image engine's layout has (wt-image declares the same number as
/// lastgram::asymmetric_tiles in messages/image.hpp: use that once merged).
inline constexpr std::int32_t asymmetric_tiles = 1 + 4 + 18;

/// Marks the Last.fm user a button carries ("fm:rj"): ':' is never part of
/// a Last.fm username, so it cannot be mistaken for a keyword.
inline constexpr std::string_view user_prefix = "fm:";

/// One collage as asked.
struct options {
  std::int32_t columns = default_side;
  std::int32_t rows = default_side;
  fm::top_kind kind = fm::top_kind::albums;
  fm::period range = fm::period::seven_day;
  bool labels = true;
  /// The Last.fm user whose collage it is; empty: the command's subject.
  std::string user;
};

/// Why the words do not make a collage.
struct options_problem {
  enum class reason : std::uint8_t {
    /// A word that is no size, entity, period or switch.
    unknown_word,
    /// A size outside 1x1..max_side x max_side.
    bad_size,
  };
  reason why = reason::unknown_word;
  /// The offending word(s) as given.
  std::string value;
};

struct parsed_options {
  options opts;
  std::optional<options_problem> problem;
};

/// Reads `words` in any order. Sizes: "5x5", "4x6", "5×5", "5" (square).
/// Entities: artist(s)/art/ar, album(s)/alb/al, track(s)/tra/tr/song(s).
/// Periods: Last.fm's own (fm::period_from_string: 7day, 1month, ...,
/// overall) plus "7d", "1w", "week", "1m", "month", "3m", "6m", "12m", "1y",
/// "year", "all", "alltime", and a number with its unit as one word or two
/// ("3months", "3 months", "7 days"). Switches: "labels", "nolabels". A
/// later word of the same sort wins. With `with_size` false (the
/// asymmetric collage) a size is an unknown word.
parsed_options parse_options(const std::vector<std::string>& words, bool with_size);

/// The words that parse back to `opts` (what a button carries): the size
/// (only `with_size`), the entity, the period, the labels switch, then the
/// user when set.
std::vector<std::string> to_words(const options& opts, bool with_size);

/// "5×5".
std::string size_text(std::int32_t columns, std::int32_t rows);

} // namespace lastgram::command::collage
