#pragma once

/// Reading and making pictures without libvips' headers: what tests and the
/// benchmark need to generate covers and to check the collages drawn.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lastgram::image {

/// A picture decoded to 8-bit sRGB, three bytes per pixel, row by row.
struct pixels {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;

  /// The colour at (x, y) as 0xRRGGBB.
  std::uint32_t at(int x, int y) const;
};

/// Decodes a JPEG, PNG, WebP, ...; nothing when it does not decode.
std::optional<pixels> decode(const std::string& bytes);

/// A `width` x `height` picture of one colour (0xRRGGBB), encoded as
/// `format` ("png" or "jpg").
std::string solid_image(int width, int height, std::uint32_t colour,
                        const std::string& format = "png");

/// A cover-like picture: `colour` with noise over it (so that it weighs and
/// decodes like a photo, 20-60 kB as a 300x300 JPEG), from `seed`.
std::string textured_image(int width, int height, std::uint32_t colour, int seed,
                           const std::string& format = "jpg");

/// Text drawn as the labels draw it, at `font_px`, in white on black.
pixels label_text(const std::string& text, int font_px);

/// Largest difference of one channel between two colours.
int colour_distance(std::uint32_t a, std::uint32_t b);

} // namespace lastgram::image
