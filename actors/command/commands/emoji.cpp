// emoji: sets the emoji /ln shows for the author's loved tracks; it must be
// exactly one emoji (checked with ICU's emoji properties).

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "actors/support/text.hpp"
#include "i18n/emoji.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// How much of a refused value is quoted back.
constexpr std::size_t quoted_chars = 16;

void run_emoji(context& ctx) {
  auto& value = ctx.command().args;
  if (!i18n::is_single_emoji(value))
    return ctx.reply_text("emoji.invalid", {{"value", quotable(value, quoted_chars)}});
  ctx.defer();
  auto run = ctx;
  auto& msg = ctx.message();
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), setting_atom::value, msg.platform,
              msg.author.id, user_setting::loved_emoji, value)
    .then(
      [run, value](bool stored) mutable {
        if (!stored)
          return run.reply_text("errors.storage_unavailable");
        run.reply_text("emoji.set", {{"emoji", value}});
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

command_spec make_emoji() {
  command_spec spec{"emoji"};
  spec.aliases = {"em"};
  spec.args = {argument::text("emoji").required().rest()};
  spec.guards = guard_registered;
  spec.run = run_emoji;
  return spec;
}

} // namespace lastgram::command
