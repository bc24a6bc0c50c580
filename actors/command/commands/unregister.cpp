// unregister: forgets the author's registration.

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

void run_unregister(context& ctx) {
  ctx.defer();
  auto run = ctx;
  auto& msg = ctx.message();
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), unregister_atom::value, msg.platform,
              msg.author.id)
    .then(
      [run](bool removed) mutable {
        run.reply_text(removed ? "unregister.done" : "unregister.not_registered");
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

command_spec make_unregister() {
  command_spec spec{"unregister"};
  spec.guards = guard_none;
  spec.run = run_unregister;
  return spec;
}

} // namespace lastgram::command
