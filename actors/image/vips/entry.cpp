// The one symbol liblastgram_vips.so exports (actors/image/vips_module.hpp):
// everything else in the module is hidden.

#include "actors/image/vips_module.hpp"

namespace {

const lastgram::image::vips_entry_points points{&lastgram::image::init_vips,
                                                &lastgram::image::render_collage};

} // namespace

extern "C" __attribute__((visibility("default"))) const lastgram::image::vips_entry_points*
lastgram_vips_entry_points() {
  return &points;
}
