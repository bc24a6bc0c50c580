#pragma once

/// The image engine: draws collages. One event-based actor admits requests
/// (at most `render_slots` drawing plus `queue` waiting; beyond that "busy"
/// at once), fetches their covers through the disk cache and the pooled HTTP
/// client, and hands each to one of `render_slots` render actors. Those are
/// detached (libvips blocks its thread while it draws, never a CAF worker)
/// and linked: one that dies is replaced, and its collage is answered
/// "failed".

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/image/render.hpp"
#include "messages/image.hpp"
#include "messages/settings.hpp"

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::image {

/// Draws one collage from its covers (bytes, "" when missing).
using render_function
  = std::function<rendered(const collage_request&, const std::vector<std::string>& covers)>;

struct engine_options {
  image_settings settings;
  /// Where the disk cache of covers lives (<node.data-dir>/covers).
  std::string cover_dir;
  std::shared_ptr<net::http_client> http;
  /// The drawing; empty: render_collage with the configured JPEG quality.
  /// Tests put a slow or crashing one here.
  render_function render;
};

/// Render slots for `configured` (0: the number of cores).
int render_slots(std::int64_t configured);

/// Spawns the engine as a child of `parent`. libvips is loaded and started
/// (once per process, with the configured limits) by the first collage
/// drawn without `engine_options::render` (vips_module.hpp).
image_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<const engine_options> opts);

} // namespace lastgram::image
