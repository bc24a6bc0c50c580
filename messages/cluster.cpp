#include "messages/cluster.hpp"

namespace lastgram {

std::string to_string(member_state x) {
  switch (x) {
    case member_state::up: return "up";
    case member_state::suspect: return "suspect";
    case member_state::down: return "down";
  }
  return "unknown";
}

} // namespace lastgram
