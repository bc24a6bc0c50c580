// unlinkfm: forgets the Last.fm session key (the username stays).

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

void run_unlinkfm(context& ctx) {
  ctx.defer();
  auto run = ctx;
  auto& msg = ctx.message();
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), session_atom::value, msg.platform,
              msg.author.id, std::string{})
    .then([run](bool) mutable { run.reply_text("unlinkfm.done"); },
          [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

command_spec make_unlinkfm() {
  command_spec spec{"unlinkfm"};
  spec.aliases = {"unlinklast"};
  spec.guards = guard_registered;
  spec.run = run_unlinkfm;
  return spec;
}

} // namespace lastgram::command
