// love / unlove: loves or unloves the named track ("artist - track") or the
// author's latest one on Last.fm, signed with the author's own session key
// (never the replied-to person's: the original's targetable bug).

#include <string>
#include <utility>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/music_item.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

using music::music_item;

void send_love(context& run, bool love, std::string session_key, fm::track track) {
  love_query q{track.artist, track.name, std::move(session_key), love};
  run.self()
    ->request(run.fm(), run.engine_timeout(), std::move(q))
    .then(
      [run, love, track](fm::write_ack&) mutable {
        run.reply_text(love ? "love.done" : "love.undone",
                       {{"track", track.name}, {"artist", track.artist}});
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

void run_love(context& ctx, bool love) {
  ctx.defer();
  auto run = ctx;
  auto& msg = ctx.message();
  // The author's key, whatever message this replies to.
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), session_atom::value, msg.platform,
              msg.author.id)
    .then(
      [run, love](std::string& key) mutable {
        if (key.empty())
          return run.reply_text("guard.linked");
        music::resolve_item(run, music::np_focus::track, run.author().user.fm_username,
                            [love, key](context& r, music_item item) {
                              send_love(r, love, key, std::move(item.track));
                            });
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

command_spec love_command(std::string name, std::vector<std::string> aliases, bool love) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  spec.args = {argument::track("artist_track").rest()};
  spec.guards = guard_linked;
  spec.run = [love](context& ctx) { run_love(ctx, love); };
  return spec;
}

} // namespace

command_spec make_love() {
  return love_command("love", {"amei", "❤️", "gostei"}, true);
}

command_spec make_unlove() {
  return love_command("unlove", {"desamei", "desgostar"}, false);
}

} // namespace lastgram::command
