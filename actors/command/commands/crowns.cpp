// crowns (crws, coroas): the crowns the author (or the person replied to)
// holds in this group, newest first, paged with ◀ ▶.

#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/crown_query.hpp"
#include "actors/command/commands/group_format.hpp"
#include "actors/command/commands/list_format.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

command_spec make_crowns() {
  command_spec spec{"crowns"};
  spec.aliases = {"crws", "coroas"};
  // A button carries the page, then whose crowns (platform id and name).
  spec.args = {argument::number("page")};
  spec.guards = guard_registered | guard_targetable | guard_no_dms;
  spec.run = [](context& ctx) {
    auto page = paging::page_of(paging::word_at(ctx, 0));
    auto* id_word = paging::word_at(ctx, 1);
    auto* name_word = paging::word_at(ctx, 2);
    std::string user = id_word ? *id_word : ctx.subject().user.platform_id;
    std::string who = name_word ? *name_word : ctx.subject_name();
    auto req = groups::crown_request_for(ctx, crown_query::user_crowns, user);
    req.offset = (page - 1) * groups::page_size;
    req.limit = groups::page_size;
    groups::ask_crowns(ctx, std::move(req), [page, user, who](context& run, crown_answer& a) {
      outgoing_reply r;
      r.text = groups::format_crowns(*run.env().texts, run.language(), who, a.crowns, page);
      auto pages = lists::page_count(a.crowns.total, groups::page_size);
      auto nav = paging::nav_row(run, "crowns", page, pages, [&](std::int64_t p) {
        return std::vector<std::string>{std::to_string(p), user, who};
      });
      if (!nav.empty())
        r.buttons.push_back(std::move(nav));
      return r;
    });
  };
  return spec;
}

} // namespace lastgram::command
