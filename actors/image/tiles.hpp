#pragma once

/// The libvips steps of a collage: one tile at a time (decode a cover, draw a
/// placeholder, lay a label on it), the canvas and the JPEG. Internal to
/// actors/image/*.cpp: this header pulls libvips (and glib) in, so no header
/// outside this folder may include it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <vips/vips8>

#include "messages/image.hpp"

namespace lastgram::image {

/// The cover scaled and centre-cropped to `size` x `size`, in 8-bit sRGB
/// without alpha and in memory; nothing when `bytes` is empty or does not
/// decode (a truncated or foreign file).
std::optional<vips::VImage> decode_cover(const std::string& bytes, int size);

/// A tile drawn from the name alone: the name (or the artist's, for a tile
/// without one) centred on a colour derived from it.
vips::VImage placeholder_tile(const collage_tile& tile, int size);

/// `tile` with a darkened band at its bottom holding the name, the artist
/// and the play count in white.
vips::VImage with_label(const vips::VImage& tile, const collage_tile& about, int size);

/// A black 8-bit sRGB canvas in memory, to draw tiles into.
vips::VImage blank_canvas(int width, int height);

/// A 0xRRGGBB colour as libvips' band values.
std::vector<double> band_values(std::uint32_t rgb);

/// `image` encoded in the format of `suffix` (".png", ".jpg", ...).
std::string encoded(const vips::VImage& image, const std::string& suffix);

/// `image` as a baseline JPEG of quality `q`, metadata stripped.
std::string jpeg_bytes(const vips::VImage& image, int q);

/// Text rendered in white with the label fonts (RGBA, colour emoji kept);
/// `markup` is Pango markup (escape user text with `escape_markup`).
/// With `wrap_width` > 0 lines wrap at that width and are centred.
vips::VImage text_image(const std::string& markup, int font_px, int wrap_width = 0);

/// `text` with Pango markup's special characters escaped.
std::string escape_markup(const std::string& text);

/// Whether `text` starts with a right-to-left letter (Hebrew, Arabic, ...).
bool starts_right_to_left(const std::string& text);

} // namespace lastgram::image
