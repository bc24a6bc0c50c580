// crownworth (cworth, worth): the plays behind the crowns the author (or the
// person replied to) holds in this group.

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/crown_query.hpp"
#include "actors/command/commands/group_format.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

command_spec make_crownworth() {
  command_spec spec{"crownworth"};
  spec.aliases = {"cworth", "worth"};
  spec.guards = guard_registered | guard_targetable | guard_no_dms;
  spec.run = [](context& ctx) {
    auto req = groups::crown_request_for(ctx, crown_query::user_crowns,
                                         ctx.subject().user.platform_id);
    req.limit = 0; // the totals only
    groups::ask_crowns(ctx, std::move(req), [who = ctx.subject_name()](context& run,
                                                                       crown_answer& a) {
      outgoing_reply r;
      r.text = groups::format_worth(*run.env().texts, run.language(), who, a.crowns);
      return r;
    });
  };
  return spec;
}

} // namespace lastgram::command
