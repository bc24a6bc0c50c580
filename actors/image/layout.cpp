// The image engine's arithmetic that needs no libvips: where each tile of a
// collage goes, a placeholder's colour, the label fonts' names. Linked into
// the node itself and into the libvips module (actors/image/vips/).

#include "actors/image/render.hpp"

#include <algorithm>
#include <cmath>

namespace lastgram::image {

const char* label_fonts() {
  // Pango falls back through fontconfig for any script the list misses; the
  // order says which font wins where several cover a character.
  return "Noto Sans,Noto Sans CJK JP,Noto Sans Arabic,Noto Sans Hebrew,Noto Color Emoji,"
         "DejaVu Sans";
}

std::vector<tile_rect> grid_layout(int columns, int rows) {
  if (columns == 1 && rows == 1)
    return {tile_rect{0, 0, single_px}};
  std::vector<tile_rect> out;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < columns; ++c)
      out.push_back(tile_rect{c * tile_px, r * tile_px, tile_px});
  return out;
}

std::vector<tile_rect> asymmetric_layout() {
  constexpr int half = asymmetric_px / 2;
  constexpr int quarter = asymmetric_px / 4;
  constexpr int sixth = asymmetric_px / 6;
  std::vector<tile_rect> out{tile_rect{0, 0, half}};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c)
      out.push_back(tile_rect{half + c * quarter, r * quarter, quarter});
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 6; ++c)
      out.push_back(tile_rect{c * sixth, half + r * sixth, sixth});
  return out;
}

std::vector<tile_rect> layout_of(const collage_request& req) {
  auto n = static_cast<int>(req.tiles.size());
  if (req.layout == collage_layout::asymmetric)
    return asymmetric_layout();
  int columns = std::clamp(req.columns, 1, 10);
  int rows = std::clamp(req.rows, 1, 10);
  // Fewer tiles than places: the rows they fill (and one short row no wider
  // than the tiles), never empty places.
  columns = std::clamp(std::min(columns, n), 1, 10);
  rows = std::clamp(std::min(rows, (n + columns - 1) / columns), 1, 10);
  return grid_layout(columns, rows);
}

std::uint32_t placeholder_colour(const std::string& name) {
  // FNV-1a: stable across processes and platforms (std::hash is not).
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name)
    h = (h ^ c) * 16777619u;
  // A hue from the hash at a fixed, dark-enough saturation and lightness
  // that white text stays legible on every colour.
  double hue = static_cast<double>(h % 360u) / 60.0;
  double chroma = 0.45, light = 0.34;
  double x = chroma * (1 - std::fabs(std::fmod(hue, 2.0) - 1));
  double r = 0, g = 0, b = 0;
  switch (static_cast<int>(hue)) {
    case 0: r = chroma, g = x; break;
    case 1: r = x, g = chroma; break;
    case 2: g = chroma, b = x; break;
    case 3: g = x, b = chroma; break;
    case 4: r = x, b = chroma; break;
    default: r = chroma, b = x; break;
  }
  double m = light - chroma / 2;
  auto byte = [m](double v) {
    return static_cast<std::uint32_t>(std::clamp((v + m) * 255.0, 0.0, 255.0));
  };
  return byte(r) << 16 | byte(g) << 8 | byte(b);
}

} // namespace lastgram::image
