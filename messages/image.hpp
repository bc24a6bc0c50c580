#pragma once

/// The image engine's typed interface: collages drawn in the node (libvips,
/// actors/image/). A command hands it the tiles (names, play counts, cover
/// URLs from Last.fm's top lists); the engine fetches the covers (bounded,
/// with a deadline, through a disk cache), draws the picture and answers a
/// JPEG. A failure is a value in the answer (`image_status`), never a
/// caf::error: "busy" and "could not draw" are answers a user is told.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace lastgram {

/// One tile of a collage: an album, artist or track of a top list.
struct collage_tile {
  /// The entity's name (album, artist or track).
  std::string name;
  /// The artist of an album or track; empty for an artist tile.
  std::string artist;
  std::int64_t playcount = 0;
  /// The cover as Last.fm lists it (any size segment; the engine asks the
  /// CDN for the size it needs). Empty: no cover, a drawn placeholder.
  std::string image_url;
  /// The play count as the user reads it, localized by the command (e.g.
  /// "1 234 plays"); empty: the bare number.
  std::string playcount_text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, collage_tile& x) {
  return f(caf::meta::type_name("collage_tile"), x.name, x.artist, x.playcount, x.image_url,
           x.playcount_text);
}

enum class collage_layout : std::uint8_t {
  /// `columns` x `rows` tiles of one size, in rank order.
  grid,
  /// One large tile for the top item, then smaller tiles in decreasing
  /// sizes, filling a square (`columns`/`rows` are ignored).
  asymmetric,
};

/// What to draw.
struct collage_request {
  collage_layout layout = collage_layout::grid;
  /// 1..10 each for a grid.
  std::int32_t columns = 3;
  std::int32_t rows = 3;
  /// Draw each tile's name and play count.
  bool labels = true;
  /// Tiles in rank order. With fewer than columns x rows, the grid shrinks
  /// to the rows the tiles fill (a user with 5 albums gets no empty tiles).
  std::vector<collage_tile> tiles;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, collage_request& x) {
  return f(caf::meta::type_name("collage_request"), x.layout, x.columns, x.rows, x.labels,
           x.tiles);
}

enum class image_status : std::uint8_t {
  ok,
  /// Every render slot is taken and the queue behind them is full: the user
  /// is told to try again in a minute.
  busy,
  /// The render failed (or its actor crashed and was restarted).
  failed,
};

/// The engine's answer.
struct collage_image {
  image_status status = image_status::failed;
  /// The JPEG (status ok).
  std::string jpeg;
  std::int32_t width = 0;
  std::int32_t height = 0;
  /// Tiles drawn as placeholders (no cover, a 404, a cover past its deadline).
  std::int32_t placeholders = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, collage_image& x) {
  return f(caf::meta::type_name("collage_image"), x.status, x.jpeg, x.width, x.height,
           x.placeholders);
}

/// Places of the asymmetric collage (1 + 4 + 18 tiles): a command asks its top
/// list for this many items.
constexpr std::int32_t asymmetric_tiles = 23;

/// The image engine.
/// - collage_request -> collage_image: always answered (busy and failures
///   are statuses).
using image_actor = caf::typed_actor<caf::replies_to<collage_request>::with<collage_image>>;

} // namespace lastgram
