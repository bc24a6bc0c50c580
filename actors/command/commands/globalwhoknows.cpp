// globalwhoknows (gwk), globalwhoknowsalbum (gwkal), globalwhoknowstrack
// (gwkt): the top listeners among every registered user. Users who chose
// privacy show as "private user"; botted-looking accounts (more than 650
// scrobbles a day on average, or more than 6 days of listening in 8 days)
// are left out (the rule is in the help text).

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/who_knows_run.hpp"

namespace lastgram::command {

command_spec make_globalwhoknows() {
  return groups::who_knows_spec("globalwhoknows", {"gwk"}, entity_kind::artist, true);
}

command_spec make_globalwhoknowsalbum() {
  return groups::who_knows_spec("globalwhoknowsalbum", {"gwkal"}, entity_kind::album, true);
}

command_spec make_globalwhoknowstrack() {
  return groups::who_knows_spec("globalwhoknowstrack", {"gwkt"}, entity_kind::track, true);
}

} // namespace lastgram::command
