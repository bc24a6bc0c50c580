// register, unregister, linkfm, unlinkfm and lang: the commands that change
// who a user is to the bot.

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/music_format.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"
#include "messages/errors.hpp"

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"

namespace lastgram::command {

namespace music {
// Defined next to their commands in nowplaying.cpp and userinfo.cpp.
void add_now_playing_commands(registry& reg);
void add_user_info_command(registry& reg);
} // namespace music

namespace {

/// How long an OAuth token waits for the user to authorise it, as Last.fm
/// keeps it valid for an hour.
constexpr std::int64_t pending_auth_ttl = 3600;

std::string author_name(const context& ctx) {
  auto& a = ctx.message().author;
  return a.display_name.empty() ? a.username : a.display_name;
}

std::string pending_auth_key(const context& ctx) {
  return "fm_pending_auth:" + to_string(ctx.message().platform) + ":"
         + ctx.message().author.id;
}

// -- register / unregister -----------------------------------------------------

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
          .then(
            [run](user_record& rec) mutable {
              // A new user starts in the language their platform reports
              // (Telegram's language_code) when the bot speaks it.
              auto hint = run.message().author.language;
              auto lang = hint.empty() ? std::string{}
                                       : run.env().texts->resolve_language(hint);
              if (rec.language.empty() && !lang.empty()) {
                auto& m = run.message();
                auto done = [run, name = rec.fm_username]() mutable {
                  run.reply_text("register.success", {{"username", name}});
                };
                run.self()
                  ->request(run.database(), run.engine_timeout(), language_atom::value,
                            m.platform, m.author.id, lang)
                  .then([done](bool) mutable { done(); },
                        [done](caf::error&) mutable { done(); });
                return;
              }
              run.reply_text("register.success", {{"username", rec.fm_username}});
            },
            [run](caf::error& err) mutable { run.reply_error(err); });
      },
      [run, name](caf::error& err) mutable { run.reply_error(err, *name); });
}

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

// -- linkfm / unlinkfm ---------------------------------------------------------

void linkfm_start(context& ctx) {
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), fm_token_atom::value)
    .then(
      [run](fm::auth_token& tok) mutable {
        run.self()
          ->request(run.cache(), run.engine_timeout(), put_atom::value,
                    pending_auth_key(run), tok.token, pending_auth_ttl)
          .then(
            [run, tok](bool stored) mutable {
              if (!stored)
                return run.reply_text("errors.storage_unavailable");
              outgoing_reply r;
              r.text = text_builder{}.plain(run.text("linkfm.prompt")).take();
              r.buttons.push_back({button{run.text("linkfm.button_open"),
                                          music::auth_url(run.env().lastfm_api_key_public,
                                                          tok.token),
                                          {}}});
              // The OAuth token stays valid as long: so do the buttons.
              auto ttl = std::chrono::seconds{pending_auth_ttl};
              r.buttons.push_back(
                {run.action_button(run.text("linkfm.button_done"), "linkfm", {"done"}, true, ttl),
                 run.action_button(run.text("linkfm.button_cancel"), "linkfm", {"cancel"}, true,
                                   ttl)});
              run.reply(std::move(r));
              run.finish();
            },
            [run](caf::error&) mutable { run.reply_text("errors.storage_unavailable"); });
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

/// Stores the linked account: its name as the Last.fm username, then the key.
void linkfm_store(context run, fm::auth_session session) {
  auto& msg = run.message();
  auto db = run.database();
  run.self()
    ->request(db, run.engine_timeout(), register_atom::value, msg.platform, msg.author.id,
              session.name, author_name(run))
    .then(
      [run, db, session](user_record&) mutable {
        auto& m = run.message();
        run.self()
          ->request(db, run.engine_timeout(), session_atom::value, m.platform, m.author.id,
                    session.key)
          .then(
            [run, session](bool) mutable {
              // The token is spent: forget it (a failure only lets it expire).
              caf::anon_send(run.cache(), erase_atom::value, pending_auth_key(run));
              run.reply_text("linkfm.success", {{"username", session.name}});
            },
            [run](caf::error& err) mutable { run.reply_error(err); });
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

void linkfm_done(context& ctx) {
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.cache(), ctx.engine_timeout(), get_atom::value, pending_auth_key(ctx))
    .then(
      [run](cache_value& pending) mutable {
        if (!pending.found || pending.value.empty())
          return run.reply_text("linkfm.expired");
        run.self()
          ->request(run.fm(), run.engine_timeout(), fm_session_atom::value, pending.value)
          .then([run](fm::auth_session& s) mutable { linkfm_store(run, std::move(s)); },
                [run](caf::error& err) mutable {
                  auto code = fm_code(err);
                  if (code == fm::fm_errc::unauthorized_token)
                    // Done pressed before authorising on last.fm: say again what to do.
                    return run.reply_text("linkfm.prompt");
                  if (code == fm::fm_errc::expired_token)
                    return run.reply_text("linkfm.expired");
                  run.reply_error(err);
                });
      },
      [run](caf::error&) mutable { run.reply_text("errors.storage_unavailable"); });
}

void linkfm_cancel(context& ctx) {
  ctx.defer();
  auto run = ctx;
  auto done = [run](auto&&...) mutable { run.reply_text("linkfm.cancelled"); };
  ctx.self()
    ->request(ctx.cache(), ctx.engine_timeout(), erase_atom::value, pending_auth_key(ctx))
    .then([done](bool) mutable { done(); }, [done](caf::error&) mutable { done(); });
}

void run_linkfm(context& ctx) {
  auto& words = ctx.command().words;
  auto what = words.empty() ? std::string{} : to_lower_ascii(words.front());
  if (what == "done")
    return linkfm_done(ctx);
  if (what == "cancel")
    return linkfm_cancel(ctx);
  linkfm_start(ctx);
}

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

// -- lang ----------------------------------------------------------------------

std::string available_languages(const i18n::catalog& texts) {
  std::string out;
  for (auto& code : texts.languages()) {
    if (!out.empty())
      out += ", ";
    out += code + " (" + std::string{texts.language_name(code)} + ")";
  }
  return out;
}

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

void add_music_commands(registry& reg) {
  reg.add(command_spec{"register", {"reg"}, {arg_spec{"username", true, true}}, guard_none,
                       false, run_register, true});
  reg.add(command_spec{"unregister", {}, {}, guard_none, false, run_unregister});
  reg.add(command_spec{"linkfm", {"linklast"}, {}, guard_only_dms, false, run_linkfm});
  reg.add(command_spec{"unlinkfm", {"unlinklast"}, {}, guard_registered, false, run_unlinkfm});
  reg.add(command_spec{"lang", {"language", "idioma"}, {arg_spec{"language", false, false}},
                       guard_none, false, run_lang, true});
  music::add_now_playing_commands(reg);
  music::add_user_info_command(reg);
}

} // namespace lastgram::command
