// listening, album and artist: the subject's most recent track, then the
// focused entity's getInfo for their play count, tags and loved flag.

#include <memory>
#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/music_format.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

using music::np_focus;
using music::now_playing_view;

void answer(context& ctx, const now_playing_view& view) {
  ctx.reply(music::format_now_playing(*ctx.env().texts, ctx.language(), view));
  ctx.finish();
}

/// Asks for the focused entity's info and answers; a failed info call still
/// answers with the track alone (no play count).
void fetch_info(context run, now_playing_view view) {
  auto self = run.self();
  auto fm = run.fm();
  entity_query q{view.track.artist, {}, run.subject().user.fm_username};
  auto fallback = [run, view](caf::error&) mutable { answer(run, view); };
  switch (view.focus) {
    case np_focus::track:
      q.name = view.track.name;
      self->request(fm, run.engine_timeout(), fm_track_atom::value, q)
        .then(
          [run, view](fm::track_info& info) mutable {
            view.user_playcount = info.user_playcount;
            view.tags = info.tags;
            view.loved = view.loved || info.user_loved;
            if (view.image.empty())
              view.image = info.image;
            answer(run, view);
          },
          fallback);
      break;
    case np_focus::album:
      q.name = view.track.album;
      self->request(fm, run.engine_timeout(), fm_album_atom::value, q)
        .then(
          [run, view](fm::album_info& info) mutable {
            view.user_playcount = info.user_playcount;
            view.tags = info.tags;
            if (!info.image.empty())
              view.image = info.image;
            answer(run, view);
          },
          fallback);
      break;
    case np_focus::artist:
      self->request(fm, run.engine_timeout(), fm_artist_atom::value, q)
        .then(
          [run, view](fm::artist_info& info) mutable {
            view.user_playcount = info.user_playcount;
            view.tags = info.tags;
            answer(run, view);
          },
          fallback);
      break;
  }
}

void run_now_playing(context& ctx, np_focus focus) {
  const auto& subject = ctx.subject().user;
  recent_query q;
  q.user = subject.fm_username;
  q.limit = 1;
  q.extended = true;
  now_playing_view view;
  view.focus = focus;
  view.who = ctx.subject_name();
  view.show_tags = subject.show_tags;
  view.loved_emoji = subject.loved_emoji;
  view.cover_as_link = subject.cover_as_link;
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then(
      [run, view](fm::recent_tracks& recent) mutable {
        if (recent.tracks.empty()) {
          if (&run.subject() == &run.author())
            run.reply_text("fm.no_scrobbles_self");
          else
            run.reply_text("fm.no_scrobbles_other", {{"name", run.subject_name()}});
          return;
        }
        view.track = std::move(recent.tracks.front());
        view.loved = view.track.loved;
        view.cached_age_seconds = recent.cached_age_seconds;
        // Without an album there is nothing to ask album.getInfo about.
        if (view.focus == np_focus::album && view.track.album.empty())
          return answer(run, view);
        fetch_info(run, std::move(view));
      },
      // Errors name the Last.fm account (e.g. one renamed since registering).
      [run](caf::error& err) mutable { run.reply_error(err, run.subject().user.fm_username); });
}

/// One shape, three focuses: the targetable command showing `focus`.
command_spec now_playing_command(std::string name, std::vector<std::string> aliases,
                                 np_focus focus) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  spec.guards = guard_targetable;
  spec.run = [focus](context& ctx) { run_now_playing(ctx, focus); };
  return spec;
}

} // namespace

command_spec make_listening() {
  return now_playing_command("listening", {"ln", "lt", "lp", "np", "pl", "pt", "listen"},
                             np_focus::track);
}

command_spec make_album() {
  return now_playing_command("album", {"alb"}, np_focus::album);
}

command_spec make_artist() {
  return now_playing_command("artist", {"art"}, np_focus::artist);
}

} // namespace lastgram::command
