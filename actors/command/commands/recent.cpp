// recent (rt): a page of recent tracks, the now playing one marked, times in
// the reader's time zone, with ◀ ▶ that edit the same message.

#include <chrono>
#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/history.hpp"
#include "actors/command/commands/list_format.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

void answer(context& run, lists::recent_view v) {
  v.now = history::unix_now();
  // Times are read by the one who asked, so they are in the author's zone.
  v.time_zone = run.author().user.time_zone;
  auto pages = lists::page_count(v.recent.total);
  outgoing_reply r;
  r.text = lists::format_recent(*run.env().texts, run.language(), v);
  auto who = v.who;
  auto nav = paging::nav_row(run, run.spec().name, v.page, pages, [&](std::int64_t page) {
    return std::vector<std::string>{std::to_string(page), who};
  });
  if (!nav.empty())
    r.buttons.push_back(std::move(nav));
  run.reply(std::move(r));
  run.finish();
}

void run_recent(context& ctx) {
  auto page = paging::page_of(paging::word_at(ctx, 0));
  auto who = paging::list_owner(ctx, paging::word_at(ctx, 1));
  if (!who)
    return;
  recent_query q;
  q.user = *who;
  q.limit = lists::page_size;
  q.page = static_cast<std::int32_t>(page);
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then(
      [run, page, owner = *who](fm::recent_tracks& recent) mutable {
        // Last.fm repeats the now playing track on every page: only the
        // first shows it.
        if (page > 1 && !recent.tracks.empty() && recent.tracks.front().now_playing)
          recent.tracks.erase(recent.tracks.begin());
        lists::recent_view v;
        v.who = owner;
        v.recent = std::move(recent);
        v.page = page;
        answer(run, std::move(v));
      },
      [run, owner = *who](caf::error& err) mutable { run.reply_error(err, owner); });
}

} // namespace

command_spec make_recent() {
  command_spec spec{"recent"};
  spec.aliases = {"rt"};
  spec.args = {argument::number("page"), argument::text("lastfm_user")};
  spec.guards = guard_targetable;
  spec.run = run_recent;
  return spec;
}

} // namespace lastgram::command
