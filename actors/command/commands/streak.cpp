// streak: how many times in a row the subject played the current track,
// album and artist, reading recent tracks page by page until every streak
// breaks or max_pages pages were read (then it says the streaks go on).

#include <memory>
#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/commands/history.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

constexpr std::int32_t max_pages = 10;
constexpr std::int32_t per_page = 200;

struct walk {
  std::string who;
  history::streak s;
  std::int64_t read = 0;
};

void answer(context& run, const walk& w) {
  const auto& ref = w.s.reference;
  text_builder out;
  out.bold(run.text("streak.title", {{"name", w.who}})).newline();
  out.newline().plain(run.text("streak.track", {{"name", ref.name},
                                                {"artist", ref.artist},
                                                {"count", w.s.track}}));
  if (!ref.album.empty() && w.s.album > 0)
    out.newline().plain(run.text("streak.album", {{"name", ref.album},
                                                  {"artist", ref.artist},
                                                  {"count", w.s.album}}));
  out.newline().plain(run.text("streak.artist", {{"name", ref.artist}, {"count", w.s.artist}}));
  if (w.s.open())
    out.newline().newline().italic(run.text("streak.capped", {{"count", w.read}}));
  run.reply(out.take());
  run.finish();
}

void read_page(context run, std::shared_ptr<walk> w, std::int32_t page) {
  recent_query q;
  q.user = w->who;
  q.limit = per_page;
  q.page = page;
  run.self()
    ->request(run.fm(), run.engine_timeout(), q)
    .then(
      [run, w, page](fm::recent_tracks& recent) mutable {
        if (page == 1 && recent.tracks.empty())
          return reply_no_scrobbles(run);
        history::extend(w->s, recent.tracks, page == 1);
        w->read += static_cast<std::int64_t>(recent.tracks.size());
        auto last_page = recent.total_pages <= page || recent.tracks.empty();
        if (!w->s.open() || last_page) {
          // The whole history was read: nothing is cut short.
          if (last_page)
            w->s.track_open = w->s.album_open = w->s.artist_open = false;
          return answer(run, *w);
        }
        if (page == max_pages)
          return answer(run, *w);
        read_page(run, w, page + 1);
      },
      [run, w](caf::error& err) mutable { run.reply_error(err, w->who); });
}

void run_streak(context& ctx) {
  auto w = std::make_shared<walk>();
  w->who = ctx.subject().user.fm_username;
  ctx.defer();
  read_page(ctx, w, 1);
}

} // namespace

command_spec make_streak() {
  command_spec spec{"streak"};
  spec.aliases = {"str", "combo"};
  spec.guards = guard_targetable;
  spec.run = run_streak;
  return spec;
}

} // namespace lastgram::command
