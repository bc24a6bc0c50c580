// Drawing collages: covers generated here in distinct colours, the output
// decoded and read back pixel by pixel.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/image/pixels.hpp"
#include "actors/image/render.hpp"

using namespace lastgram;
using namespace lastgram::image;

namespace {

/// A distinct, saturated colour for tile `i` (0..23).
std::uint32_t colour_of(int i) {
  static const std::uint32_t palette[] = {
    0xE6194B, 0x3CB44B, 0xFFE119, 0x4363D8, 0xF58231, 0x911EB4, 0x46F0F0, 0xF032E6,
    0xBCF60C, 0xFABEBE, 0x008080, 0xE6BEFF, 0x9A6324, 0xFFFAC8, 0x800000, 0xAAFFC3,
    0x808000, 0xFFD8B1, 0x000075, 0x808080, 0xFFFFFF, 0x202020, 0x00FF00, 0xFF00FF};
  return palette[i % 24];
}

struct fixture {
  collage_request req;
  std::vector<std::string> covers;
};

/// `n` tiles with covers of distinct colours, PNG and JPEG in turn.
fixture tiles(int n, collage_layout layout, int columns, int rows, bool labels) {
  fixture f;
  f.req.layout = layout;
  f.req.columns = columns;
  f.req.rows = rows;
  f.req.labels = labels;
  for (int i = 0; i < n; ++i) {
    f.req.tiles.push_back(collage_tile{"Album " + std::to_string(i), "Artist " + std::to_string(i),
                                       1000 - i, "", ""});
    f.covers.push_back(solid_image(320, 320, colour_of(i), i % 2 ? "jpg" : "png"));
  }
  return f;
}

/// Checks that the centre of every place shows its source colour.
void check_centres(const fixture& f, const pixels& px) {
  auto places = layout_of(f.req);
  REQUIRE(places.size() >= f.req.tiles.size());
  for (std::size_t i = 0; i < f.req.tiles.size(); ++i) {
    auto cx = places[i].x + places[i].size / 2, cy = places[i].y + places[i].size / 2;
    INFO("tile " << i << " at " << cx << "," << cy);
    // JPEG (source and output) moves flat colours by a few levels.
    CHECK(colour_distance(px.at(cx, cy), colour_of(static_cast<int>(i))) <= 16);
  }
}

/// Pixels of the bottom `rows` rows of place `p` that differ between a and b.
int differing_in_band(const pixels& a, const pixels& b, const tile_rect& p, int rows) {
  int n = 0;
  for (int y = p.y + p.size - rows; y < p.y + p.size; ++y)
    for (int x = p.x; x < p.x + p.size; ++x)
      n += colour_distance(a.at(x, y), b.at(x, y)) > 48 ? 1 : 0;
  return n;
}

} // namespace

TEST_CASE("a 3x3 grid draws each cover at its place", "[image][render]") {
  auto f = tiles(9, collage_layout::grid, 3, 3, false);
  auto out = render_collage(f.req, f.covers);
  CHECK(out.width == 900);
  CHECK(out.height == 900);
  CHECK(out.placeholders == 0);
  auto px = decode(out.jpeg);
  REQUIRE(px);
  CHECK(px->width == 900);
  check_centres(f, *px);
}

TEST_CASE("the asymmetric collage fills a square in decreasing sizes", "[image][render]") {
  auto places = asymmetric_layout();
  REQUIRE(places.size() == static_cast<std::size_t>(asymmetric_tiles));
  CHECK(places[0].size > places[1].size);
  CHECK(places[1].size > places.back().size);
  long area = 0;
  for (const auto& p : places)
    area += static_cast<long>(p.size) * p.size;
  CHECK(area == static_cast<long>(asymmetric_px) * asymmetric_px);

  auto f = tiles(asymmetric_tiles, collage_layout::asymmetric, 0, 0, false);
  auto out = render_collage(f.req, f.covers);
  CHECK(out.width == asymmetric_px);
  CHECK(out.height == asymmetric_px);
  auto px = decode(out.jpeg);
  REQUIRE(px);
  check_centres(f, *px);
}

TEST_CASE("a grid shrinks to the rows its tiles fill", "[image][render]") {
  auto f = tiles(5, collage_layout::grid, 3, 3, false);
  auto out = render_collage(f.req, f.covers);
  CHECK(out.width == 900);
  CHECK(out.height == 600);
  auto one = tiles(1, collage_layout::grid, 1, 1, false);
  auto single = render_collage(one.req, one.covers);
  CHECK(single.width == single_px);
  auto px = decode(single.jpeg);
  REQUIRE(px);
  check_centres(one, *px);
}

TEST_CASE("labels draw text in a band at the bottom of each tile", "[image][render]") {
  auto plain = tiles(9, collage_layout::grid, 3, 3, false);
  auto labelled = plain;
  labelled.req.labels = true;
  auto a = decode(render_collage(plain.req, plain.covers).jpeg);
  auto b = decode(render_collage(labelled.req, labelled.covers).jpeg);
  REQUIRE(a);
  REQUIRE(b);
  auto places = layout_of(plain.req);
  for (std::size_t i = 0; i < places.size(); ++i) {
    INFO("tile " << i);
    // The band (its bottom 40 px) changed...
    CHECK(differing_in_band(*a, *b, places[i], 40) > 2000);
    // ...and the top half of the cover did not.
    auto cx = places[i].x + places[i].size / 2, cy = places[i].y + places[i].size / 4;
    CHECK(colour_distance(a->at(cx, cy), b->at(cx, cy)) <= 16);
  }
}

TEST_CASE("missing or broken covers become placeholders in the name's colour",
          "[image][render]") {
  auto f = tiles(3, collage_layout::grid, 3, 1, false);
  f.covers[0] = "";
  f.covers[2] = "\x89PNG\r\n\x1a\n this is not a picture";
  auto out = render_collage(f.req, f.covers);
  CHECK(out.placeholders == 2);
  auto px = decode(out.jpeg);
  REQUIRE(px);
  // A corner of a placeholder, away from its centred name, shows the colour
  // derived from the name.
  CHECK(colour_distance(px->at(8, 8), placeholder_colour("Album 0")) <= 16);
  CHECK(colour_distance(px->at(608, 8), placeholder_colour("Album 2")) <= 16);
  CHECK(colour_distance(px->at(450, 150), colour_of(1)) <= 16);
  // Different names, different colours; the same name, the same colour.
  CHECK(placeholder_colour("Album 0") != placeholder_colour("Album 2"));
  CHECK(placeholder_colour("Album 0") == placeholder_colour("Album 0"));
  // The name is drawn: the centre of a placeholder is not all background.
  int ink = 0;
  for (int x = 20; x < 280; ++x)
    ink += colour_distance(px->at(x, 150), placeholder_colour("Album 0")) > 64 ? 1 : 0;
  CHECK(ink > 5);
}

TEST_CASE("right-to-left and CJK names render without missing glyphs", "[image][render]") {
  const std::string hebrew = "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d";                  // שלום
  const std::string arabic = "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7";          // مرحبا
  const std::string cjk = "\xe6\x9d\xb1\xe4\xba\xac\xe4\xba\x8b\xe5\xa4\x89";     // 東京事変
  const std::string cyrillic_greek = "\xd0\x9a\xd0\xb8\xd0\xbd\xd0\xbe \xce\xb1\xce\xb2";
  const std::string emoji = "\xf0\x9f\x8e\xb5\xf0\x9f\x94\xa5";                   // 🎵🔥
  // Pango's own count of glyphs no font in the list (nor fontconfig's
  // fallback) could draw: the hex boxes.
  CHECK(missing_glyphs(hebrew) == 0);
  CHECK(missing_glyphs(arabic) == 0);
  CHECK(missing_glyphs(cjk) == 0);
  CHECK(missing_glyphs(cyrillic_greek) == 0);
  CHECK(missing_glyphs(emoji) == 0);
  // The count can fail: unassigned code points (U+0378, U+0379) and a
  // private-use one (U+10FFFD) are boxes.
  CHECK(missing_glyphs("\xcd\xb8\xcd\xb9\xf4\x8f\xbf\xbd") == 3);
  // The pixels agree: four boxes of four hex digits (U+0378..U+037B) have
  // one width; the four Hebrew letters and the four ideographs are drawn
  // with other widths than such boxes.
  auto boxes = label_text("\xcd\xb8\xcd\xb9\xcd\xba\xcd\xbb", 20);
  auto he = label_text(hebrew, 20);
  auto ja = label_text(cjk, 20);
  CHECK(boxes.width > 0);
  CHECK(he.width != boxes.width);
  CHECK(ja.width != boxes.width);
  // And a labelled tile with those names draws.
  auto f = tiles(3, collage_layout::grid, 3, 1, true);
  f.req.tiles[0].name = hebrew;
  f.req.tiles[1].name = arabic;
  f.req.tiles[2].name = cjk + " " + emoji;
  CHECK_FALSE(render_collage(f.req, f.covers).jpeg.empty());
}

TEST_CASE("the output respects the platforms' photo limits", "[image][render]") {
  auto f = tiles(100, collage_layout::grid, 10, 10, true);
  auto out = render_collage(f.req, f.covers);
  CHECK(out.width == 3000);
  CHECK(out.height == 3000);
  CHECK(out.width + out.height <= 10000);
  CHECK(out.jpeg.size() <= std::size_t{10} << 20);
  auto wide = tiles(10, collage_layout::grid, 10, 1, false);
  auto strip = render_collage(wide.req, wide.covers);
  CHECK(strip.width / strip.height <= 20);
  // A budget smaller than the picture at its quality lowers the quality.
  render_options opts;
  opts.jpeg_quality = 100;
  auto best = render_collage(f.req, f.covers, opts);
  opts.max_bytes = best.jpeg.size() / 2;
  auto smaller = render_collage(f.req, f.covers, opts);
  CHECK(smaller.jpeg.size() <= opts.max_bytes);
  CHECK(decode(smaller.jpeg).has_value());
}
