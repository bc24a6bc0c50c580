// whoknows, whoknowsalbum, whoknowstrack: the group's top listeners of an
// artist, album or track (named, or what the invoker is playing), with the
// crown claimed or stolen on the way (who_knows_run.cpp).

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/who_knows_run.hpp"

namespace lastgram::command {

command_spec make_whoknows() {
  return groups::who_knows_spec("whoknows", {"wk", "wka", "whoknowsartist", "coroa", "crown"},
                                entity_kind::artist, false);
}

command_spec make_whoknowsalbum() {
  return groups::who_knows_spec("whoknowsalbum", {"wkal"}, entity_kind::album, false);
}

command_spec make_whoknowstrack() {
  return groups::who_knows_spec("whoknowstrack", {"wkt"}, entity_kind::track, false);
}

} // namespace lastgram::command
