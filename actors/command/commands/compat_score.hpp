#pragma once

/// How alike two people's listening is, from their top artists. Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/fm.hpp"

namespace lastgram::command::music {

/// An artist both people play, with each one's play count.
struct shared_artist {
  std::string name;
  std::int64_t mine = 0;
  std::int64_t theirs = 0;
  /// min(my share, their share): how much of the score this artist makes.
  double weight = 0;
};

struct compat_result {
  /// 0 to 100.
  double percent = 0;
  /// Shared artists, the biggest contribution to the score first.
  std::vector<shared_artist> shared;
};

/// The weighted overlap of two top-artist lists (the histogram intersection
/// of play shares): each person's plays of an artist are divided by their
/// plays over the whole list, so every list sums to 1, and the score is the
/// sum over shared artists of the smaller of the two shares, times 100.
/// Identical listening gives 100, nothing in common 0; someone who plays
/// 10x more than the other weighs the same (shares, not counts), and an
/// artist only counts as much as the lighter listener of the two plays it,
/// so one huge shared favourite cannot make up for everything else.
/// Names are matched ignoring ASCII case.
compat_result compare_tastes(const std::vector<fm::top_item>& mine,
                             const std::vector<fm::top_item>& theirs);

/// The message key of the tier of `percent`, from "compat.tier.soulmates"
/// (60 and up) through very_high (40), high (25), medium (12), low (4) to
/// "compat.tier.very_low".
std::string_view tier_key(double percent);

} // namespace lastgram::command::music
