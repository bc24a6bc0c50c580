#include "actors/command/commands/music_item.hpp"

#include "actors/command/arguments.hpp"
#include "actors/command/registry.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command::music {

void latest_track(context run, const std::string& fm_user, const std::string& who,
                  item_handler then) {
  recent_query q;
  q.user = fm_user;
  q.limit = 1;
  run.self()
    ->request(run.fm(), run.engine_timeout(), q)
    .then(
      [run, who, then](fm::recent_tracks& recent) mutable {
        if (recent.tracks.empty()) {
          if (who.empty())
            return run.reply_text("fm.no_scrobbles_self");
          return run.reply_text("fm.no_scrobbles_other", {{"name", who}});
        }
        then(run, music_item{std::move(recent.tracks.front()), false});
      },
      [run, fm_user](caf::error& err) mutable { run.reply_error(err, fm_user); });
}

void resolve_item(context run, np_focus focus, const std::string& fm_user, item_handler then) {
  auto& text = run.command().args;
  if (text.empty())
    return latest_track(run, fm_user, {}, std::move(then));
  music_item item;
  item.typed = true;
  if (focus == np_focus::artist) {
    item.track.artist = text;
    return then(run, std::move(item));
  }
  auto split = split_artist_item(text);
  if (!split)
    return run.reply_text("lookup.need_dash", {{"usage", usage_line(run.spec(), *run.env().texts,
                                                                    run.language())}});
  item.track.artist = std::move(split->artist);
  if (focus == np_focus::album)
    item.track.album = std::move(split->item);
  else
    item.track.name = std::move(split->item);
  then(run, std::move(item));
}

} // namespace lastgram::command::music
