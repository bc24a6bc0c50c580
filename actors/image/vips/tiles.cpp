#include "actors/image/tiles.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "actors/image/render.hpp"

namespace lastgram::image {

using vips::VImage;

namespace {

/// Frees a libvips blob when the scope ends.
struct blob_ref {
  VipsBlob* blob;
  ~blob_ref() {
    if (blob)
      vips_area_unref(VIPS_AREA(blob));
  }
};

/// 8-bit sRGB, three bands, whatever the cover was (grey, CMYK, 16-bit,
/// with alpha).
VImage to_rgb(VImage im) {
  if (im.has_alpha())
    im = im.flatten(VImage::option()->set("background", std::vector<double>{0, 0, 0}));
  if (im.interpretation() != VIPS_INTERPRETATION_sRGB || im.bands() != 3)
    im = im.colourspace(VIPS_INTERPRETATION_sRGB);
  if (im.format() != VIPS_FORMAT_UCHAR)
    im = im.cast(VIPS_FORMAT_UCHAR);
  if (im.bands() != 3)
    throw vips::VError("cover is not RGB after conversion");
  return im;
}

/// Decodes one UTF-8 code point at `i`, advancing it; 0xFFFD when malformed.
char32_t next_code_point(const std::string& s, std::size_t& i) {
  auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i++);
  int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
  if (extra < 0)
    return 0xFFFD;
  char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (byte(i) & 0xC0) != 0x80)
      return 0xFFFD;
    cp = cp << 6 | (byte(i++) & 0x3F);
  }
  return cp;
}

/// Font size and padding of a tile of `size` px (sized for a 300 px tile).
int font_px_for(int size) { return std::max(10, size * 17 / 300); }
int pad_for(int size) { return std::max(4, size / 40); }

} // namespace

std::optional<VImage> decode_cover(const std::string& bytes, int size) {
  if (bytes.empty())
    return std::nullopt;
  try {
    // A copy the blob owns: libvips' operation cache may keep the blob
    // after this call returns.
    blob_ref blob{vips_blob_copy(bytes.data(), bytes.size())};
    auto im = VImage::thumbnail_buffer(blob.blob, size,
                                       VImage::option()
                                         ->set("height", size)
                                         ->set("crop", VIPS_INTERESTING_CENTRE)
                                         ->set("size", VIPS_SIZE_BOTH)
                                         ->set("fail_on", VIPS_FAIL_ON_TRUNCATED));
    im = to_rgb(im);
    // Decoding happens here, inside the try: a broken file fails now, not
    // later while the canvas is drawn.
    im = im.copy_memory();
    if (im.width() != size || im.height() != size)
      im = im.resize(static_cast<double>(size) / im.width(),
                     VImage::option()->set("vscale", static_cast<double>(size) / im.height()))
             .copy_memory();
    return im;
  } catch (const vips::VError&) {
    vips_error_clear();
    return std::nullopt;
  }
}

std::string escape_markup(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

bool starts_right_to_left(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    auto cp = next_code_point(text, i);
    bool rtl = (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF)
               || (cp >= 0xFE70 && cp <= 0xFEFF);
    if (rtl)
      return true;
    bool strong_ltr = (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')
                      || (cp >= 0x00C0 && cp < 0x0590) || (cp >= 0x0900 && cp < 0x1F000);
    if (strong_ltr)
      return false;
  }
  return false;
}

VImage text_image(const std::string& markup, int font_px, int wrap_width) {
  auto font = std::string(label_fonts()) + " " + std::to_string(font_px);
  auto white = "<span foreground=\"#ffffff\">" + markup + "</span>";
  auto* opts = VImage::option()->set("font", font.c_str())->set("rgba", true)->set("dpi", 72);
  if (wrap_width > 0)
    opts->set("width", wrap_width)
      ->set("align", VIPS_ALIGN_CENTRE)
      ->set("wrap", VIPS_TEXT_WRAP_WORD_CHAR);
  return VImage::text(white.c_str(), opts);
}

VImage placeholder_tile(const collage_tile& tile, int size) {
  const auto& name = tile.name.empty() ? tile.artist : tile.name;
  VImage bg = VImage::black(size, size)
                .new_from_image(band_values(placeholder_colour(name)))
                .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  if (name.empty())
    return bg.copy_memory();
  int pad = pad_for(size) * 2;
  auto text = text_image("<b>" + escape_markup(name) + "</b>", font_px_for(size) * 3 / 2,
                         size - 2 * pad);
  int w = std::min(text.width(), size - 2 * pad), h = std::min(text.height(), size - 2 * pad);
  text = text.extract_area(0, 0, w, h);
  auto out = bg.composite2(text, VIPS_BLEND_MODE_OVER,
                           VImage::option()->set("x", (size - w) / 2)->set("y", (size - h) / 2));
  return out.extract_band(0, VImage::option()->set("n", 3)).cast(VIPS_FORMAT_UCHAR).copy_memory();
}

VImage with_label(const VImage& tile, const collage_tile& about, int size) {
  auto plays = about.playcount_text.empty() ? std::to_string(about.playcount)
                                            : about.playcount_text;
  auto second = about.artist.empty() || about.name.empty() ? plays
                                                           : about.artist + " · " + plays;
  const auto& first = about.name.empty() ? about.artist : about.name;
  auto markup = "<b>" + escape_markup(first) + "</b>\n<span size=\"smaller\">"
                + escape_markup(second) + "</span>";
  int pad = pad_for(size);
  auto text = text_image(markup, font_px_for(size));
  int avail = size - 2 * pad;
  bool rtl = starts_right_to_left(first);
  int w = std::min(text.width(), avail), h = std::min(text.height(), size - 2 * pad);
  // Too wide: keep the start of the text, which is on the right for a
  // right-to-left name.
  text = text.extract_area(rtl ? text.width() - w : 0, 0, w, h);
  int band_h = h + 2 * pad, y0 = size - band_h;
  // A band of 40 % of the cover's brightness behind white text is legible on
  // any cover, a white one included.
  auto band = (tile.extract_area(0, y0, size, band_h) * 0.4).cast(VIPS_FORMAT_UCHAR);
  auto out = tile.insert(band, 0, y0).composite2(
    text, VIPS_BLEND_MODE_OVER,
    VImage::option()->set("x", rtl ? size - pad - w : pad)->set("y", y0 + pad));
  return out.extract_band(0, VImage::option()->set("n", 3)).cast(VIPS_FORMAT_UCHAR);
}

VImage blank_canvas(int width, int height) {
  return VImage::black(width, height, VImage::option()->set("bands", 3))
    .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB))
    .copy_memory();
}

std::vector<double> band_values(std::uint32_t rgb) {
  return {static_cast<double>(rgb >> 16 & 0xFF), static_cast<double>(rgb >> 8 & 0xFF),
          static_cast<double>(rgb & 0xFF)};
}

std::string encoded(const VImage& image, const std::string& suffix) {
  void* buf = nullptr;
  std::size_t len = 0;
  image.write_to_buffer(suffix.c_str(), &buf, &len);
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

std::string jpeg_bytes(const VImage& image, int q) {
  blob_ref blob{image.jpegsave_buffer(
    VImage::option()->set("Q", q)->set("strip", true)->set("optimize_coding", true))};
  std::size_t len = 0;
  const void* data = vips_blob_get(blob.blob, &len);
  return std::string(static_cast<const char*>(data), len);
}

} // namespace lastgram::image
