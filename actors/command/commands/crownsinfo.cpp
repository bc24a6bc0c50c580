// crownsinfo (cinfo): the group's crown board: totals, the top 10 holders,
// the 5 most switched crowns and the 5 with the most plays.

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/crown_query.hpp"
#include "actors/command/commands/group_format.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

command_spec make_crownsinfo() {
  command_spec spec{"crownsinfo"};
  spec.aliases = {"cinfo"};
  spec.guards = guard_registered | guard_no_dms;
  spec.run = [](context& ctx) {
    groups::ask_crowns(ctx, groups::crown_request_for(ctx, crown_query::board),
                       [](context& run, crown_answer& a) {
                         outgoing_reply r;
                         r.text = groups::format_board(*run.env().texts, run.language(), a.board);
                         return r;
                       });
  };
  return spec;
}

} // namespace lastgram::command
