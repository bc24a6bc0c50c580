// listening, album and artist: the subject's most recent track, then the
// focused entity's getInfo for their play count, tags and loved flag. With
// an indexed library, /ln asks for the scrobbles since the index in the same
// recent-tracks call and adds them to the index's count instead.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/music_format.hpp"
#include "actors/command/commands/now_playing_index.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/environment.hpp"
#include "actors/database/direct_reads.hpp"

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

/// Adds the index's count to the scrobbles since it and answers, with the
/// track's tags (shared by every user: one cached call per track) when the
/// user shows tags. An index that cannot tell falls back to the info call.
void count_from_index(context run, now_playing_view view, std::vector<std::int64_t> since) {
  struct join {
    now_playing_view view;
    int pending = 1;
    bool unknown = false;
  };
  auto j = std::make_shared<join>();
  j->view = std::move(view);
  auto done = [run, j]() mutable {
    if (--j->pending > 0)
      return;
    if (j->unknown)
      return fetch_info(run, std::move(j->view));
    answer(run, j->view);
  };
  auto self = run.self();
  indexed_plays_query q{run.subject().user.id, entity_kind::track, j->view.track.name,
                        j->view.track.artist, run.env().track_index_depth, std::move(since)};
  if (j->view.show_tags) {
    ++j->pending;
    entity_query tq{j->view.track.artist, j->view.track.name, {}};
    self->request(run.fm(), run.engine_timeout(), fm_track_atom::value, std::move(tq))
      .then(
        [j, done](fm::track_info& info) mutable {
          j->view.tags = std::move(info.tags);
          if (j->view.image.empty())
            j->view.image = std::move(info.image);
          done();
        },
        // Tags are a garnish: the answer goes out without them.
        [done](caf::error&) mutable { done(); });
  }
  // A negative count: the index cannot tell.
  auto take = [j, done](std::int64_t indexed) mutable {
    if (indexed < 0)
      j->unknown = true;
    else
      j->view.user_playcount = indexed;
    done();
  };
  if (const auto& direct = run.env().direct_reads)
    if (auto indexed = direct->indexed_playcount(q))
      return take(*indexed);
  self->request(run.database(), run.engine_timeout(), plays_atom::value, std::move(q))
    .then(take, [take](caf::error&) mutable { take(-1); });
}

/// Asks for the subject's recent tracks: with `use_index`, the page since
/// the index; `nothing_since` says an earlier page since the index was
/// empty, so the index alone counts the latest track.
void ask_recent(context run, now_playing_view view, bool use_index, bool nothing_since) {
  auto q = music::now_playing_query(run.subject().user, use_index);
  bool indexed = q.from > 0;
  run.self()
    ->request(run.fm(), run.engine_timeout(), std::move(q))
    .then(
      [run, view, indexed, nothing_since](fm::recent_tracks& recent) mutable {
        // Nothing since the index and nothing playing: the latest track is
        // older, so ask for it alone.
        if (recent.tracks.empty() && indexed)
          return ask_recent(run, std::move(view), false, true);
        if (recent.tracks.empty()) {
          if (&run.subject() == &run.author())
            run.reply_text("fm.no_scrobbles_self");
          else
            run.reply_text("fm.no_scrobbles_other", {{"name", run.subject_name()}});
          return;
        }
        auto since = indexed ? music::scrobbles_since(recent, recent.tracks.front())
                             : std::optional<std::vector<std::int64_t>>{};
        if (nothing_since)
          since.emplace();
        view.track = std::move(recent.tracks.front());
        view.loved = view.track.loved;
        view.cached_age_seconds = recent.cached_age_seconds;
        // Without an album there is nothing to ask album.getInfo about.
        if (view.focus == np_focus::album && view.track.album.empty())
          return answer(run, view);
        if (since)
          return count_from_index(run, std::move(view), std::move(*since));
        fetch_info(run, std::move(view));
      },
      // Errors name the Last.fm account (e.g. one renamed since registering).
      [run](caf::error& err) mutable { run.reply_error(err, run.subject().user.fm_username); });
}

void run_now_playing(context& ctx, np_focus focus) {
  const auto& subject = ctx.subject().user;
  now_playing_view view;
  view.focus = focus;
  view.who = ctx.subject_name();
  view.show_tags = subject.show_tags;
  view.loved_emoji = subject.loved_emoji;
  view.cover_as_link = subject.cover_as_link;
  ctx.defer();
  // Only the track focus has its count in the index today.
  bool use_index = focus == np_focus::track && ctx.env().track_index_depth > 0;
  ask_recent(ctx, std::move(view), use_index, false);
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
