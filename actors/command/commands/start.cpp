// start: the greeting a new chat gets (hidden from /help and the menus).

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

namespace {

void run_start(context& ctx) {
  ctx.reply(text_builder{}.plain(ctx.text("start.greeting", {{"name", author_name(ctx)}})).take());
}

} // namespace

command_spec make_start() {
  command_spec spec{"start"};
  spec.guards = guard_none;
  spec.hidden = true;
  spec.run = run_start;
  return spec;
}

} // namespace lastgram::command
