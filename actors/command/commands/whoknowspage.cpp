// whoknowspage (hidden): another page of a who-knows, run by its ◀ ▶
// buttons with the scope, kind, page, artist and name the first page showed.

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/commands/who_knows_run.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

command_spec make_whoknowspage() {
  command_spec spec{groups::page_command};
  spec.hidden = true;
  spec.args = {argument::choice("scope", {"group", "global"}).required(),
               argument::choice("kind", {"artist", "album", "track"}).required(),
               argument::number("page").required(), argument::text("artist").required(),
               argument::text("name").required()};
  spec.guards = guard_registered;
  spec.run = [](context& ctx) {
    auto& words = ctx.command().words;
    bool global = words[0] == "global";
    if (!global && ctx.message().chat.kind != chat_kind::group)
      return ctx.reply_text("guard.no_dms");
    auto kind = words[1] == "album"   ? entity_kind::album
                : words[1] == "track" ? entity_kind::track
                                      : entity_kind::artist;
    auto page = paging::page_of(&words[2]);
    groups::show_who_knows_page(ctx, kind, global, page, words[3], words[4]);
  };
  return spec;
}

} // namespace lastgram::command
