// crownban / crownunban (aliases bancrown, unbancrown), for developers and
// the group's administrators: as a reply (or with a user option on Discord),
// bans a user from the crowns game or lets them play again. A ban offers a
// button, for the invoker alone, that clears the user's crowns in this group
// (the hidden crownclear): each passes to the next eligible listener or
// becomes unclaimed, and the history is kept.

#include <cstdint>
#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

constexpr std::uint16_t moderator_guards = guard_no_dms | guard_group_admin;

/// Bans (or unbans) the replied-to user; a ban answers with the clear button.
void set_ban(context& ctx, bool banned) {
  auto& msg = ctx.message();
  auto target = msg.reply_to_author.id;
  auto name = ctx.subject_name();
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), crown_ban_atom::value, msg.platform, target,
              banned)
    .then(
      [run, banned, target, name](bool known) mutable {
        if (!known)
          return run.reply_text("guard.target_not_registered", {{"name", name}});
        if (!banned)
          return run.reply_text("crownban.unbanned", {{"name", name}});
        outgoing_reply r;
        r.text = text_builder{}.plain(run.text("crownban.banned", {{"name", name}})).take();
        r.buttons.push_back({run.action_button(run.text("crownban.clear_button"), "crownclear",
                                               {target, name})});
        run.reply(std::move(r));
        run.finish();
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

void clear_crowns(context& ctx) {
  auto& msg = ctx.message();
  auto& words = ctx.command().words;
  auto target = words.at(0);
  auto name = words.size() > 1 ? words[1] : target;
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), crown_clear_atom::value, msg.platform,
              msg.chat.id, target)
    .then(
      [run, name](std::int64_t cleared) mutable {
        run.reply_text("crownban.cleared", {{"name", name}, {"count", cleared}});
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

/// /crownban and /crownunban differ only in their names and what they set.
command_spec ban_spec(std::string name, std::string alias, bool banned) {
  command_spec spec{std::move(name)};
  spec.aliases = {std::move(alias)};
  spec.args = {argument::user("user")};
  spec.guards = moderator_guards | guard_targeted;
  spec.run = [banned](context& ctx) { set_ban(ctx, banned); };
  return spec;
}

command_spec make_crownban() {
  return ban_spec("crownban", "bancrown", true);
}

command_spec make_crownunban() {
  return ban_spec("crownunban", "unbancrown", false);
}

command_spec make_crownclear() {
  command_spec spec{"crownclear"};
  spec.args = {argument::text("user").required(), argument::text("name").rest()};
  spec.guards = moderator_guards;
  spec.hidden = true;
  spec.run = clear_crowns;
  return spec;
}

} // namespace lastgram::command
