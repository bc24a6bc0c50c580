// linkfm: links a Last.fm account through OAuth. The first run asks
// Last.fm for a token and answers with its authorisation link and two
// buttons, which run "/linkfm done" (trade the token for a session key) and
// "/linkfm cancel". Those words belong to the buttons: no argument is
// declared, so neither the menus nor /help offer them.

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/commands/music_format.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "messages/errors.hpp"

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"

namespace lastgram::command {

namespace {

/// How long an OAuth token waits for the user to authorise it, as Last.fm
/// keeps it valid for an hour.
constexpr std::int64_t pending_auth_ttl = 3600;

std::string pending_auth_key(const context& ctx) {
  return "fm_pending_auth:" + to_string(ctx.message().platform) + ":"
         + ctx.message().author.id;
}

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
      [run, db, session](user_record& rec) mutable {
        if (auto indexer = run.indexer())
          caf::anon_send(indexer, index_user_atom::value, rec.id, rec.fm_username);
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

} // namespace

command_spec make_linkfm() {
  command_spec spec{"linkfm"};
  spec.aliases = {"linklast"};
  spec.guards = guard_only_dms;
  spec.run = run_linkfm;
  return spec;
}

} // namespace lastgram::command
