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
