#include "actors/image/render.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include <pango/pangocairo.h>
#include <vips/vips8>

#include "actors/image/tiles.hpp"

namespace lastgram::image {

using vips::VImage;

namespace {

std::once_flag vips_started;

} // namespace

void init_vips(const vips_limits& limits) {
  std::call_once(vips_started, [] {
    if (VIPS_INIT("lastgram") != 0)
      throw std::runtime_error("libvips did not start: " + std::string(vips_error_buffer()));
  });
  vips_cache_set_max_mem(static_cast<std::size_t>(limits.cache_mb) << 20);
  // Operations, not bytes, are what the cache counts first: with no memory
  // budget it keeps none at all.
  vips_cache_set_max(limits.cache_mb > 0 ? 200 : 0);
  if (limits.threads > 0)
    vips_concurrency_set(static_cast<int>(limits.threads));
}

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

int missing_glyphs(const std::string& text) {
  // The same fontconfig fallback libvips' text rendering goes through. One
  // font map for the process, as libvips keeps its own: a font map that is
  // dropped leaves fontconfig's patterns behind.
  static PangoFontMap* map = pango_cairo_font_map_new();
  static std::mutex map_mtx;
  std::lock_guard<std::mutex> guard{map_mtx};
  PangoContext* ctx = pango_font_map_create_context(map);
  PangoLayout* layout = pango_layout_new(ctx);
  PangoFontDescription* desc
    = pango_font_description_from_string((std::string(label_fonts()) + " 20").c_str());
  pango_layout_set_font_description(layout, desc);
  pango_layout_set_text(layout, text.c_str(), -1);
  int unknown = pango_layout_get_unknown_glyphs_count(layout);
  pango_font_description_free(desc);
  g_object_unref(layout);
  g_object_unref(ctx);
  return unknown;
}

namespace {

/// Lowers the quality until the picture fits the platforms' photo limit.
std::string encode(const VImage& canvas, const render_options& opts) {
  std::string out;
  for (int q = std::clamp(opts.jpeg_quality, 10, 100);; q = std::max(10, q - 15)) {
    out = jpeg_bytes(canvas, q);
    if (out.size() <= opts.max_bytes || q == 10)
      return out;
  }
}

} // namespace

rendered render_collage(const collage_request& req, const std::vector<std::string>& covers,
                        const render_options& opts) {
  if (req.tiles.empty())
    throw std::invalid_argument("a collage needs at least one tile");
  auto places = layout_of(req);
  int width = 0, height = 0;
  for (const auto& p : places) {
    width = std::max(width, p.x + p.size);
    height = std::max(height, p.y + p.size);
  }
  VImage canvas = blank_canvas(width, height);
  rendered out;
  auto n = std::min(places.size(), req.tiles.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto& t = req.tiles[i];
    auto size = places[i].size;
    static const std::string none;
    const auto& cover = i < covers.size() ? covers[i] : none;
    auto tile = decode_cover(cover, size);
    if (!tile) {
      tile = placeholder_tile(t, size);
      ++out.placeholders;
    }
    if (req.labels)
      *tile = with_label(*tile, t, size);
    canvas.draw_image(*tile, places[i].x, places[i].y);
  }
  out.jpeg = encode(canvas, opts);
  out.width = width;
  out.height = height;
  return out;
}

} // namespace lastgram::image

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer's hook: fontconfig's font patterns that Pango caches (for
// libvips' text and for missing_glyphs) are never freed by design, and the
// frames inside fontconfig carry no symbols to suppress them more narrowly.
// Nothing of ours is hidden: the suppression names fontconfig's library only.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
#endif
