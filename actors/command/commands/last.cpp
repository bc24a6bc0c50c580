// last: a Last.fm profile with its top artist, album and track and the
// recent tracks, from five requests made at once.

#include <chrono>
#include <memory>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/music_format.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// The answers gathered so far; the last one to arrive answers the user.
struct gathering {
  music::user_info_view view;
  int pending = 5;
  bool answered = false;
};

void arrived(context& run, gathering& g) {
  if (--g.pending > 0 || g.answered)
    return;
  g.answered = true;
  g.view.now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  run.reply(music::format_user_info(*run.env().texts, run.language(), g.view));
  run.finish();
}

void ask_top(context run, std::shared_ptr<gathering> g, fm::top_kind kind,
             std::optional<fm::top_item> music::user_info_view::*slot) {
  top_query q;
  q.kind = kind;
  q.user = run.subject().user.fm_username;
  q.range = fm::period::overall;
  q.limit = 1;
  run.self()
    ->request(run.fm(), run.engine_timeout(), q)
    .then(
      [run, g, slot](fm::top_list& list) mutable {
        if (!list.items.empty())
          g->view.*slot = std::move(list.items.front());
        arrived(run, *g);
      },
      // A failed top list only leaves its line out.
      [run, g](caf::error&) mutable { arrived(run, *g); });
}

void run_last(context& ctx) {
  auto name = ctx.subject().user.fm_username;
  auto g = std::make_shared<gathering>();
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), fm_user_atom::value, name)
    .then(
      [run, g](fm::user_info& info) mutable {
        g->view.user = std::move(info);
        arrived(run, *g);
      },
      [run, g, name](caf::error& err) mutable {
        if (g->answered)
          return;
        g->answered = true;
        run.reply_error(err, name);
      });
  ask_top(run, g, fm::top_kind::artists, &music::user_info_view::top_artist);
  ask_top(run, g, fm::top_kind::albums, &music::user_info_view::top_album);
  ask_top(run, g, fm::top_kind::tracks, &music::user_info_view::top_track);
  recent_query q;
  q.user = name;
  q.limit = 5;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then(
      [run, g](fm::recent_tracks& recent) mutable {
        // A now-playing track comes on top of the five.
        if (recent.tracks.size() > 5)
          recent.tracks.resize(5);
        g->view.recent = std::move(recent.tracks);
        arrived(run, *g);
      },
      [run, g](caf::error&) mutable { arrived(run, *g); });
}

} // namespace

command_spec make_last() {
  command_spec spec{"last"};
  spec.aliases = {"userinfo", "lastinfo"};
  spec.guards = guard_targetable;
  spec.run = run_last;
  return spec;
}

} // namespace lastgram::command
