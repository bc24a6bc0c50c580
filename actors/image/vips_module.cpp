#include "actors/image/vips_module.hpp"

#include "actors/support/module.hpp"

#include <mutex>
#include <stdexcept>

#ifndef LASTGRAM_VIPS_MODULE_PATH
#define LASTGRAM_VIPS_MODULE_PATH ""
#endif

namespace lastgram::image {

namespace {

const vips_entry_points* load(std::string& why) {
  const support::module_place where{"liblastgram_vips.so", "LASTGRAM_VIPS_MODULE",
                                    LASTGRAM_VIPS_MODULE_PATH};
  // Kept loaded for the process's life: libvips cannot be shut down and
  // started again.
  return support::load_module_entry<vips_entry_points>(where, vips_entry_symbol, why);
}

} // namespace

const vips_entry_points& vips_module(const vips_limits& limits) {
  static std::once_flag once;
  static const vips_entry_points* points = nullptr;
  static std::string why;
  std::call_once(once, [&limits] {
    points = load(why);
    if (points != nullptr)
      points->init(limits);
  });
  if (points == nullptr)
    throw std::runtime_error("the libvips module did not load: " + why);
  return *points;
}

} // namespace lastgram::image
