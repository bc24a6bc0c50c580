#pragma once

#include <string>

#include "caf/fwd.hpp"

namespace lastgram {

/// Spawns a placeholder engine that is supervised like the others but does
/// nothing yet: it answers stats_atom with a short description. Engines that
/// later work fills in (event, cluster, ...) start as these shells so the
/// node's tree already has its final shape.
caf::actor spawn_shell(caf::local_actor* parent, std::string engine);

} // namespace lastgram
