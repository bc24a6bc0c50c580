// lang: shows or sets the language the bot answers the author in.

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/group_config.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

void run_lang(context& ctx) {
  auto& texts = *ctx.env().texts;
  auto& words = ctx.command().words;
  if (words.empty())
    return ctx.reply_text("lang.current",
                          {{"language", std::string{texts.language_name(ctx.language())}},
                           {"available", available_languages(texts)}});
  auto code = texts.resolve_language(words.front());
  if (code.empty())
    return ctx.reply_text("lang.unknown",
                          {{"code", words.front()}, {"available", available_languages(texts)}});
  ctx.defer();
  auto run = ctx;
  auto& msg = ctx.message();
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), language_atom::value, msg.platform,
              msg.author.id, code)
    .then(
      [run, code](bool stored) mutable {
        if (!stored)
          return run.reply_text("guard.registered");
        auto& t = *run.env().texts;
        // Answered in the language just chosen.
        run.reply(text_builder{}
                    .plain(t.format(code, "lang.set",
                                    {{"language", std::string{t.language_name(code)}}}))
                    .take());
        run.finish();
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

command_spec make_lang() {
  command_spec spec{"lang"};
  spec.aliases = {"language", "idioma"};
  // Text, not a choice: the catalog decides (codes, "pt-BR", "PT"...), and
  // an unknown one is answered with the languages there are.
  spec.args = {argument::text("language")};
  spec.guards = guard_none;
  spec.needs_user = true;
  spec.run = run_lang;
  return spec;
}

} // namespace lastgram::command
