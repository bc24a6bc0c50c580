// milestone [N]: the subject's Nth scrobble (default the last round number),
// found by page arithmetic: with limit=1, page P of user.getRecentTracks is
// the Pth newest scrobble, so the Nth oldest is page total - N + 1. Two
// requests, whatever the history's length.

#include <chrono>
#include <cstdlib>
#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/commands/history.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "i18n/time_zone.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// The last scrobble (not the now playing entry) of a limit=1 page.
const fm::track* scrobble_of(const fm::recent_tracks& r) {
  for (auto i = r.tracks.rbegin(); i != r.tracks.rend(); ++i)
    if (!i->now_playing)
      return &*i;
  return nullptr;
}

void show(context& run, const std::string& who, std::int64_t n, const fm::track& t) {
  auto zone = i18n::effective_time_zone(run.author().user.time_zone);
  auto date = i18n::format_local(run.language(), t.played_at, zone, i18n::time_style::long_date);
  run.reply_text("milestone.found", {{"n", n},
                                     {"name", who},
                                     {"track", t.name},
                                     {"artist", t.artist},
                                     {"date", date}});
}

/// Asks for scrobble `n` of `total`. A scrobble made meanwhile shifts the
/// pages by one: the answer's own total tells, and one retry fixes it.
void fetch(context run, std::string who, std::int64_t n, std::int64_t total, bool retried) {
  recent_query q;
  q.user = who;
  q.limit = 1;
  q.page = static_cast<std::int32_t>(*history::milestone_page(total, n));
  run.self()
    ->request(run.fm(), run.engine_timeout(), q)
    .then(
      [run, who, n, total, retried](fm::recent_tracks& r) mutable {
        const auto* t = scrobble_of(r);
        if (r.total != total && !retried && history::milestone_page(r.total, n))
          return fetch(run, who, n, r.total, true);
        if (t == nullptr)
          return run.reply_text("fm.no_scrobbles_other", {{"name", who}});
        show(run, who, n, *t);
      },
      [run, who](caf::error& err) mutable { run.reply_error(err, who); });
}

void run_milestone(context& ctx) {
  std::int64_t wanted = 0;
  if (auto word = paging::word_at(ctx, 0)) {
    wanted = std::strtoll(word->c_str(), nullptr, 10);
    if (wanted < 1)
      return ctx.reply_text("milestone.invalid");
  }
  auto who = ctx.subject().user.fm_username;
  recent_query q;
  q.user = who;
  q.limit = 1;
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then(
      [run, who, wanted](fm::recent_tracks& r) mutable {
        if (r.total <= 0)
          return reply_no_scrobbles(run);
        auto n = wanted > 0 ? wanted : history::last_round_number(r.total);
        if (n > r.total)
          return run.reply_text("milestone.not_yet",
                                {{"name", who}, {"total", r.total}, {"n", n}, {"left", n - r.total}});
        if (n == r.total) {
          if (const auto* t = scrobble_of(r))
            return show(run, who, n, *t);
        }
        fetch(run, who, n, r.total, false);
      },
      [run, who](caf::error& err) mutable { run.reply_error(err, who); });
}

} // namespace

command_spec make_milestone() {
  command_spec spec{"milestone"};
  spec.aliases = {"ms"};
  spec.args = {argument::number("number")};
  spec.guards = guard_targetable;
  spec.run = run_milestone;
  return spec;
}

} // namespace lastgram::command
