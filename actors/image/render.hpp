#pragma once

/// Drawing collages: pure functions from covers (encoded bytes) and names to
/// a JPEG, with no actors and no I/O. libvips stays inside render.cpp: no
/// other translation unit sees its headers (glib, pango, cairo).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "messages/image.hpp"

namespace lastgram::image {

/// libvips' process-wide limits.
struct vips_limits {
  /// Memory of the operation cache, in MB (0: no cache).
  std::int64_t cache_mb = 32;
  /// Worker threads per pipeline; 0: libvips' default.
  std::int64_t threads = 1;
};

/// Starts libvips once per process (later calls only apply `limits`);
/// throws std::runtime_error when libvips cannot start.
void init_vips(const vips_limits& limits);

/// One tile's place in the picture, in pixels.
struct tile_rect {
  int x = 0;
  int y = 0;
  int size = 0;
};

/// Side of a grid tile; covers are asked from the CDN at this size.
constexpr int tile_px = 300;
/// Side of a 1x1 collage: the largest size Last.fm's CDN serves (770x0).
constexpr int single_px = 770;
/// Side of the asymmetric collage's square.
constexpr int asymmetric_px = 1200;

/// Where each tile of a grid of `columns` x `rows` goes (row-major); one
/// tile of `single_px` for a 1x1.
std::vector<tile_rect> grid_layout(int columns, int rows);

/// The asymmetric collage in a square of `asymmetric_px`: one tile of half
/// the side (the top item) at the top left, a 2x2 of quarter tiles beside it,
/// then 3 rows of 6 sixth-side tiles below: 23 places in decreasing sizes.
std::vector<tile_rect> asymmetric_layout();

/// Places the request draws, after shrinking a grid to the rows its tiles
/// fill (messages/image.hpp).
std::vector<tile_rect> layout_of(const collage_request& req);

/// How to encode.
struct render_options {
  int jpeg_quality = 85;
  /// Largest JPEG accepted (Telegram's and Discord's photo limit): the
  /// quality is lowered until the picture fits.
  std::size_t max_bytes = 10u << 20;
};

/// A drawn collage.
struct rendered {
  std::string jpeg;
  int width = 0;
  int height = 0;
  /// Tiles drawn as placeholders (no cover, or one that did not decode).
  int placeholders = 0;
};

/// Draws `req` with `covers[i]` (encoded image bytes, empty when missing)
/// as the cover of `req.tiles[i]`. A cover that does not decode becomes a
/// placeholder: the name on a colour derived from it. Throws on a libvips
/// failure of the picture itself (the engine answers "failed").
rendered render_collage(const collage_request& req, const std::vector<std::string>& covers,
                        const render_options& opts = {});

/// The placeholder colour of a name (a hash of it), as 0xRRGGBB.
std::uint32_t placeholder_colour(const std::string& name);

/// Glyphs of `text` that the label fonts cannot draw (Pango's unknown
/// glyphs, drawn as hex boxes) when laid out as the labels are.
int missing_glyphs(const std::string& text);

/// The label font list (a Pango font description without its size).
const char* label_fonts();

} // namespace lastgram::image
