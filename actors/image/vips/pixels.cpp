#include "actors/image/pixels.hpp"

#include <algorithm>
#include <cstdlib>

#include "actors/image/render.hpp"
#include "actors/image/tiles.hpp"

namespace lastgram::image {

using vips::VImage;

namespace {

pixels to_pixels(VImage im) {
  pixels out;
  out.width = im.width();
  out.height = im.height();
  std::size_t len = 0;
  auto* data = static_cast<std::uint8_t*>(im.write_to_memory(&len));
  out.rgb.assign(data, data + len);
  g_free(data);
  return out;
}

} // namespace

std::uint32_t pixels::at(int x, int y) const {
  auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width)
            + static_cast<std::size_t>(x))
           * 3;
  return std::uint32_t{rgb.at(i)} << 16 | std::uint32_t{rgb.at(i + 1)} << 8 | rgb.at(i + 2);
}

std::optional<pixels> decode(const std::string& bytes) {
  init_vips({});
  try {
    auto im = VImage::new_from_buffer(bytes, "");
    if (im.has_alpha())
      im = im.flatten();
    if (im.bands() != 3)
      im = im.colourspace(VIPS_INTERPRETATION_sRGB);
    return to_pixels(im.cast(VIPS_FORMAT_UCHAR));
  } catch (const vips::VError&) {
    vips_error_clear();
    return std::nullopt;
  }
}

std::string solid_image(int width, int height, std::uint32_t colour, const std::string& format) {
  init_vips({});
  auto im = VImage::black(width, height)
              .new_from_image(band_values(colour))
              .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  return encoded(im, "." + format);
}

std::string textured_image(int width, int height, std::uint32_t colour, int seed,
                           const std::string& format) {
  init_vips({});
  auto noise = [&](int k) {
    return VImage::gaussnoise(
      width, height,
      VImage::option()->set("sigma", 24.0)->set("mean", 0.0)->set("seed", seed * 3 + k));
  };
  auto bands = std::vector<VImage>{noise(0), noise(1), noise(2)};
  auto im = (VImage::bandjoin(bands) + band_values(colour))
              .cast(VIPS_FORMAT_UCHAR)
              .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  return encoded(im, "." + format);
}

pixels label_text(const std::string& text, int font_px) {
  init_vips({});
  auto im = text_image(escape_markup(text), font_px);
  return to_pixels(im.flatten().cast(VIPS_FORMAT_UCHAR));
}

int colour_distance(std::uint32_t a, std::uint32_t b) {
  int d = 0;
  for (int shift : {16, 8, 0})
    d = std::max(d, std::abs(static_cast<int>(a >> shift & 0xFF)
                             - static_cast<int>(b >> shift & 0xFF)));
  return d;
}

} // namespace lastgram::image
