// youtrack / youalbum / youartist: the author's latest track with the
// replied-to person's play count on it; metrack / mealbum / meartist: the
// replied-to person's latest track with the author's count. Each of the six
// answers with its own message.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/commands/music_item.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

using music::music_item;
using music::np_focus;

/// Whose track is shown: the author's ("you" commands: the target's count)
/// or the target's ("me" commands: the author's count).
enum class whose : std::uint8_t { author, target };

struct compare_run {
  np_focus focus;
  whose track_of;
  /// The message key of the count line.
  std::string count_key;
};

void answer(context& run, const compare_run& how, const fm::track& track, std::int64_t count) {
  music::now_playing_view view;
  view.focus = how.focus;
  view.who = how.track_of == whose::author ? author_name(run) : run.subject_name();
  view.track = track;
  view.show_tags = false;
  auto reply = music::format_now_playing(*run.env().texts, run.language(), view);
  auto line = text_builder{}
                .newline()
                .plain("📊 ")
                .italic(run.text(how.count_key, {{"name", run.subject_name()}, {"count", count}}))
                .take();
  reply.text.insert(reply.text.end(), line.begin(), line.end());
  run.reply(std::move(reply));
  run.finish();
}

/// Asks for the focused entity's info with the other person's play count.
void count_plays(context& run, const compare_run& how, fm::track track) {
  auto counted = how.track_of == whose::author ? run.subject().user.fm_username
                                               : run.author().user.fm_username;
  entity_query q{track.artist, {}, counted};
  auto fail = [run](caf::error& err) mutable { run.reply_error(err); };
  auto self = run.self();
  switch (how.focus) {
    case np_focus::track:
      q.name = track.name;
      self->request(run.fm(), run.engine_timeout(), fm_track_atom::value, q)
        .then([run, how, track](fm::track_info& i) mutable {
          answer(run, how, track, i.user_playcount);
        }, fail);
      break;
    case np_focus::album:
      if (track.album.empty())
        return run.reply_text("info.no_album", {{"track", track.name}, {"artist", track.artist}});
      q.name = track.album;
      self->request(run.fm(), run.engine_timeout(), fm_album_atom::value, q)
        .then([run, how, track](fm::album_info& i) mutable {
          answer(run, how, track, i.user_playcount);
        }, fail);
      break;
    case np_focus::artist:
      self->request(run.fm(), run.engine_timeout(), fm_artist_atom::value, q)
        .then([run, how, track](fm::artist_info& i) mutable {
          answer(run, how, track, i.user_playcount);
        }, fail);
      break;
  }
}

command_spec compare_command(std::string name, std::vector<std::string> aliases,
                             compare_run how) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  // Both people must be registered; without a reply the guard answers how
  // to use it (Discord's user option will fill the same reply target).
  spec.guards = guard_registered | guard_targeted;
  spec.run = [how](context& ctx) {
    ctx.defer();
    bool mine = how.track_of == whose::author;
    auto& owner = mine ? ctx.author().user : ctx.subject().user;
    music::latest_track(ctx, owner.fm_username, mine ? std::string{} : ctx.subject_name(),
                        [how](context& run, music_item item) {
                          count_plays(run, how, std::move(item.track));
                        });
  };
  return spec;
}

} // namespace

command_spec make_youtrack() {
  return compare_command("youtrack", {"you", "vc"},
                         {np_focus::track, whose::author, "compare.youtrack"});
}

command_spec make_youalbum() {
  return compare_command("youalbum", {"youalb", "vcalb"},
                         {np_focus::album, whose::author, "compare.youalbum"});
}

command_spec make_youartist() {
  return compare_command("youartist", {"youart", "vcart"},
                         {np_focus::artist, whose::author, "compare.youartist"});
}

command_spec make_metrack() {
  return compare_command("metrack", {"me", "eu"},
                         {np_focus::track, whose::target, "compare.metrack"});
}

command_spec make_mealbum() {
  return compare_command("mealbum", {"mealb", "eualb"},
                         {np_focus::album, whose::target, "compare.mealbum"});
}

command_spec make_meartist() {
  return compare_command("meartist", {"meart", "euart"},
                         {np_focus::artist, whose::target, "compare.meartist"});
}

} // namespace lastgram::command
