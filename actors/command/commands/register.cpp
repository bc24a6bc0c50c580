// register: ties the author to a Last.fm username (or profile URL), checked
// with user.getInfo and stored as Last.fm spells it.

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/commands/music_format.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"

namespace lastgram::command {

namespace {

/// Answers success, first storing the platform's language for a new user
/// when the bot speaks it (Telegram's language_code). The library indexer,
/// when this node has one, queues the user's library, and the answer says
/// so.
void welcome(context run, const user_record& rec) {
  const char* key = "register.success";
  if (auto indexer = run.indexer()) {
    caf::anon_send(indexer, index_user_atom::value, rec.id, rec.fm_username);
    key = "register.success_indexing";
  }
  auto hint = run.message().author.language;
  auto lang = hint.empty() ? std::string{} : run.env().texts->resolve_language(hint);
  if (!rec.language.empty() || lang.empty())
    return run.reply_text(key, {{"username", rec.fm_username}});
  auto& m = run.message();
  auto done = [run, key, name = rec.fm_username]() mutable {
    run.reply_text(key, {{"username", name}});
  };
  run.self()
    ->request(run.database(), run.engine_timeout(), language_atom::value, m.platform,
              m.author.id, lang)
    .then([done](bool) mutable { done(); }, [done](caf::error&) mutable { done(); });
}

/// In a group, a new registration makes the author a member at once (other
/// commands record members as they look the author up), then welcomes.
void join_then_welcome(context run, const user_record& rec) {
  auto& m = run.message();
  if (m.chat.kind != chat_kind::group)
    return welcome(run, rec);
  run.self()
    ->request(run.database(), run.engine_timeout(), member_atom::value, m.platform,
              member_change::joined, m.chat.id, m.author.id)
    .then([run, rec](bool) mutable { welcome(run, rec); },
          [run, rec](caf::error&) mutable { welcome(run, rec); });
}

void run_register(context& ctx) {
  auto name = music::extract_fm_username(ctx.command().args);
  if (!name)
    return ctx.reply_text("register.invalid");
  ctx.defer();
  auto run = ctx;
  // user.getInfo first: an unknown name must be refused, and it gives the
  // name as Last.fm spells it.
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), fm_user_atom::value, *name)
    .then(
      [run](fm::user_info& info) mutable {
        auto& author = run.author();
        if (author.found && author.user.fm_username == info.name)
          return run.reply_text("register.already", {{"username", info.name}});
        auto& msg = run.message();
        run.self()
          ->request(run.database(), run.engine_timeout(), register_atom::value,
                    msg.platform, msg.author.id, info.name, author_name(run))
          .then([run](user_record& rec) mutable { join_then_welcome(run, rec); },
                [run](caf::error& err) mutable { run.reply_error(err); });
      },
      [run, name](caf::error& err) mutable { run.reply_error(err, *name); });
}

} // namespace

command_spec make_register() {
  command_spec spec{"register"};
  spec.aliases = {"reg"};
  // A Last.fm username or profile URL: text, not `user` (someone on the
  // platform).
  spec.args = {argument::text("username").required().rest()};
  spec.guards = guard_none;
  spec.needs_user = true;
  spec.run = run_register;
  return spec;
}

} // namespace lastgram::command
