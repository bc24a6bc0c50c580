// unclaimed (hunt): the author's most played artists (from their indexed
// library) that nobody holds a crown for in this group.

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/crown_query.hpp"
#include "actors/command/commands/group_format.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

command_spec make_unclaimed() {
  command_spec spec{"unclaimed"};
  spec.aliases = {"hunt"};
  spec.guards = guard_registered | guard_no_dms;
  spec.run = [](context& ctx) {
    auto req = groups::crown_request_for(ctx, crown_query::unclaimed,
                                         ctx.author().user.platform_id);
    req.limit = groups::page_size;
    groups::ask_crowns(ctx, std::move(req), [](context& run, crown_answer& a) {
      outgoing_reply r;
      r.text = groups::format_unclaimed(*run.env().texts, run.language(), a.entries);
      return r;
    });
  };
  return spec;
}

} // namespace lastgram::command
