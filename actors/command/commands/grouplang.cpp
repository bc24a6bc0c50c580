// grouplang [language]: shows or sets the language of a group (its
// administrators and developers only). Once set, every answer in the group
// uses it (see the fallback chain in engine_turns.cpp).

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/group_config.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

void run_grouplang(context& ctx) {
  auto& texts = *ctx.env().texts;
  auto& words = ctx.command().words;
  auto& msg = ctx.message();
  ctx.defer();
  auto run = ctx;
  if (words.empty()) {
    ctx.self()
      ->request(ctx.database(), ctx.engine_timeout(), group_config_atom::value, msg.platform,
                msg.chat.id)
      .then(
        [run](group_config& cfg) mutable {
          auto& t = *run.env().texts;
          auto name = cfg.language.empty() ? run.text("group_settings.language_unset")
                                           : std::string{t.language_name(cfg.language)};
          run.reply_text("grouplang.current",
                         {{"language", name}, {"available", available_languages(t)}});
        },
        [run](caf::error& err) mutable { run.reply_error(err); });
    return;
  }
  auto code = texts.resolve_language(words.front());
  if (code.empty())
    return run.reply_text("lang.unknown",
                          {{"code", words.front()}, {"available", available_languages(texts)}});
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), group_config_atom::value, msg.platform,
              msg.chat.id, group_setting::language, code)
    .then(
      [run, code](group_config&) mutable {
        auto& t = *run.env().texts;
        // Answered in the language just chosen.
        run.reply(text_builder{}
                    .plain(t.format(code, "grouplang.set",
                                    {{"language", std::string{t.language_name(code)}}}))
                    .take());
        run.finish();
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

command_spec make_grouplang() {
  command_spec spec{"grouplang"};
  // Text, not a choice: the catalog decides (codes, "pt-BR", "PT"...).
  spec.args = {argument::text("language")};
  spec.guards = guard_no_dms | guard_group_admin;
  spec.run = run_grouplang;
  return spec;
}

} // namespace lastgram::command
