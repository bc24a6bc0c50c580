#pragma once

/// The libvips half of the image engine (actors/image/vips/), built as its
/// own shared module (liblastgram_vips.so) and loaded the first time a
/// collage is drawn. libvips brings about a hundred libraries (poppler,
/// librsvg, OpenEXR, ...); mapped at start they took a node's idle RSS from
/// about 29 MB to 59 MB, for a feature most nodes use now and then.

#include <string>
#include <vector>

#include "actors/image/render.hpp"

namespace lastgram::image {

/// What the module exports: `init_vips` and `render_collage`
/// (actors/image/render.hpp), run inside it.
struct vips_entry_points {
  void (*init)(const vips_limits& limits);
  rendered (*render)(const collage_request& req, const std::vector<std::string>& covers,
                     const render_options& opts);
};

/// The name of the one symbol the module exports: a function returning a
/// pointer to its vips_entry_points.
inline constexpr const char* vips_entry_symbol = "lastgram_vips_entry_points";

/// Loads the module once per process (thread-safe) and starts libvips with
/// `limits`; later calls return the same entry points. Looks in
/// $LASTGRAM_VIPS_MODULE (a file), then next to the executable, then in the
/// build tree the node was built in. Throws std::runtime_error, naming where
/// it looked and dlopen's reason, when none loads.
const vips_entry_points& vips_module(const vips_limits& limits);

} // namespace lastgram::image
