// lastgramban / lastgramunban (banuser, unbanuser): a developer bans a user
// from the bot, or lifts the ban. The user is the one replied to on
// Telegram, or the user option on Discord (which arrives as the same reply
// target). A banned user is refused by every command that needs a user
// (guard.banned) and left out of every who-knows list.

#include <string>
#include <utility>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// Sets the replied-to user's ban to `banned`, answering "already" when it
/// is so already and "not registered" for someone the bot does not know.
void set_ban(context& ctx, bool banned) {
  // Not guard_targeted: it refuses a banned target, whom unban is about.
  if (&ctx.subject() == &ctx.author())
    return ctx.reply_text("ban.usage");
  auto name = ctx.subject_name();
  auto& target = ctx.subject();
  if (!target.found)
    return ctx.reply_text("guard.target_not_registered", {{"name", name}});
  if (target.user.banned == banned)
    return ctx.reply_text(banned ? "ban.already" : "ban.not_banned", {{"name", name}});
  auto& msg = ctx.message();
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), setting_atom::value, msg.platform,
              target.user.platform_id, user_setting::banned,
              std::string{banned ? "true" : "false"})
    .then([run, banned, name](bool) mutable {
            run.reply_text(banned ? "ban.banned" : "ban.unbanned", {{"name", name}});
          },
          [run](caf::error& err) mutable { run.reply_error(err); });
}

command_spec ban_command(std::string name, std::vector<std::string> aliases, bool banned) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  // On Discord the person is a user option; on Telegram, the reply.
  spec.args = {argument::user("user")};
  spec.guards = guard_developer;
  spec.needs_user = true;
  spec.run = [banned](context& ctx) { set_ban(ctx, banned); };
  return spec;
}

} // namespace

command_spec make_lastgramban() {
  return ban_command("lastgramban", {"banuser"}, true);
}

command_spec make_lastgramunban() {
  return ban_command("lastgramunban", {"unbanuser"}, false);
}

} // namespace lastgram::command
