#include "actors/support/shell.hpp"

#include "caf/all.hpp"

#include "actors/support/exceptions.hpp"
#include "messages/atoms.hpp"

namespace lastgram {

caf::actor spawn_shell(caf::local_actor* parent, std::string engine) {
  return parent->spawn([engine](caf::event_based_actor* self) -> caf::behavior {
    keep_exception_text(self);
    return {
      [engine](stats_atom) { return engine + ": idle (not yet implemented)"; },
    };
  });
}

} // namespace lastgram
