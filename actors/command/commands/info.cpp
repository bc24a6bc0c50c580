// artistinfo, albuminfo and trackinfo: an item's getInfo (with the author's
// play count), for the item named or the author's latest track, and how many
// of the bot's users listen to it (their indexed libraries).

#include <string>
#include <utility>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/info_format.hpp"
#include "actors/command/commands/music_item.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "messages/errors.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

using music::info_view;
using music::music_item;
using music::np_focus;

void answer(context& run, info_view view, const music_item& item) {
  if (item.typed) {
    view.asked_artist = item.track.artist;
    view.asked_name = view.what == info_view::kind::album ? item.track.album : item.track.name;
  }
  view.show_tags = run.author().user.show_tags;
  run.reply(music::format_info(*run.env().texts, run.language(), view));
  run.finish();
}

/// Asks the database how many of the bot's users listen to the item (by
/// Last.fm's spelling of it), then answers; without the count when the
/// database fails.
void count_then_answer(context& run, info_view view, const music_item& item) {
  auto& t = item.track;
  auto kind = entity_kind::artist;
  std::string name = view.name.empty() ? t.artist : view.name;
  std::string artist = view.artist.empty() ? t.artist : view.artist;
  if (view.what == info_view::kind::album) {
    kind = entity_kind::album;
    name = view.name.empty() ? t.album : view.name;
  } else if (view.what == info_view::kind::track) {
    kind = entity_kind::track;
    name = view.name.empty() ? t.name : view.name;
  }
  run.self()
    ->request(run.database(), run.engine_timeout(), listeners_atom::value, kind, name, artist)
    .then(
      [run, view, item](std::int64_t count) mutable {
        view.bot_listeners = count;
        answer(run, std::move(view), item);
      },
      [run, view, item](caf::error&) mutable { answer(run, std::move(view), item); });
}

/// A getInfo failure: "not found" names the item, anything else is the
/// usual Last.fm error.
auto on_error(context run, std::string name) {
  return [run, name](caf::error& err) mutable {
    if (fm_code(err) == fm::fm_errc::not_found)
      return run.reply_text("info.not_found", {{"name", name}});
    run.reply_error(err);
  };
}

void lookup(context& run, np_focus focus, music_item item) {
  auto self = run.self();
  auto& t = item.track;
  entity_query q{t.artist, {}, run.author().user.fm_username};
  switch (focus) {
    case np_focus::artist:
      self->request(run.fm(), run.engine_timeout(), fm_artist_atom::value, q)
        .then([run, item](fm::artist_info& a) mutable {
                count_then_answer(run, music::view_of(a), item);
              },
              on_error(run, t.artist));
      break;
    case np_focus::album:
      if (t.album.empty())
        return run.reply_text("info.no_album", {{"track", t.name}, {"artist", t.artist}});
      q.name = t.album;
      self->request(run.fm(), run.engine_timeout(), fm_album_atom::value, q)
        .then([run, item](fm::album_info& a) mutable {
                count_then_answer(run, music::view_of(a), item);
              },
              on_error(run, t.artist + " - " + t.album));
      break;
    case np_focus::track:
      q.name = t.name;
      self->request(run.fm(), run.engine_timeout(), fm_track_atom::value, q)
        .then(
          [run, item](fm::track_info& info) mutable {
            auto view = music::view_of(info);
            if (view.image.empty())
              view.image = item.track.image;
            count_then_answer(run, std::move(view), item);
          },
          on_error(run, t.artist + " - " + t.name));
      break;
  }
}

command_spec info_command(std::string name, std::vector<std::string> aliases, np_focus focus,
                          arg_spec arg) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  spec.args = {std::move(arg)};
  spec.guards = guard_registered;
  spec.run = [focus](context& ctx) {
    ctx.defer();
    music::resolve_item(ctx, focus, ctx.author().user.fm_username,
                        [focus](context& run, music_item item) {
                          lookup(run, focus, std::move(item));
                        });
  };
  return spec;
}

} // namespace

command_spec make_artistinfo() {
  return info_command("artistinfo", {"ai", "aif"}, np_focus::artist,
                      argument::artist("artist").rest());
}

command_spec make_albuminfo() {
  return info_command("albuminfo", {"ali", "alif"}, np_focus::album,
                      argument::album("artist_album").rest());
}

command_spec make_trackinfo() {
  return info_command("trackinfo", {"ti", "tif"}, np_focus::track,
                      argument::track("artist_track").rest());
}

} // namespace lastgram::command
