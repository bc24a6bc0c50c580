// peak (bestday, peakday, topday, best): the busiest day of a period in the
// subject's time zone, with its top tracks, artists and albums and the time
// listened, from up to max_pages pages of recent tracks. Recent tracks carry
// no durations: the day's most played tracks are looked up (track.getInfo,
// cached by the fm engine) and count their real length; the rest count
// three minutes a scrobble.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/history.hpp"
#include "actors/command/commands/list_format.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "i18n/time_zone.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// Pages of recent tracks read at most (200 scrobbles each), each a request
/// in the fm engine's queue.
constexpr std::int64_t max_pages = 20;
constexpr std::int32_t per_page = 200;
/// The peak day's tracks whose duration is looked up, most played first.
constexpr std::size_t duration_lookups = 10;

/// The pages gathered so far; the last one to arrive answers.
struct gathering {
  std::string who;
  std::string zone;
  fm::period range = fm::period::seven_day;
  std::int64_t pages = 1;
  std::int64_t total_pages = 1;
  std::int64_t pending = 0;
  bool answered = false;
  std::vector<std::vector<fm::track>> by_page;
};

void ranked_section(context& run, text_builder& out, std::string_view title_key,
                    const std::vector<history::ranked>& items) {
  if (items.empty())
    return;
  out.newline().newline().bold(run.text(title_key));
  std::int64_t rank = 0;
  for (const auto& item : items)
    out.newline().plain(lists::ranked_line(*run.env().texts, run.language(), ++rank, item.name,
                                           item.artist, item.plays));
}

void render(context& run, const gathering& g, const history::peak_day& peak,
            std::int64_t read) {
  auto period = run.text(lists::period_key(g.range));
  text_builder out;
  out.bold(run.text("peak.title", {{"name", g.who}, {"period", period}})).newline();
  auto date = i18n::format_local(run.language(), peak.day_start + 12 * 3600, g.zone,
                                 i18n::time_style::long_date);
  auto listened = run.env().texts->format_duration(run.language(),
                                                   std::chrono::seconds{peak.seconds}, 2);
  out.newline().plain(run.text("peak.day", {{"date", date},
                                            {"count", peak.scrobbles},
                                            {"duration", listened}}));
  ranked_section(run, out, "peak.top_tracks", peak.tracks);
  ranked_section(run, out, "peak.top_artists", peak.artists);
  ranked_section(run, out, "peak.top_albums", peak.albums);
  if (g.total_pages > g.pages)
    out.newline().newline().italic(run.text("peak.capped", {{"count", read}}));
  run.reply(out.take());
  run.finish();
}

/// The durations of the peak day's most played tracks, asked in parallel;
/// the last answer renders. A failed lookup is an unknown duration.
struct timing {
  history::peak_day peak;
  std::vector<std::int64_t> durations;
  std::size_t pending = 0;
  std::int64_t read = 0;
};

void time_tracks(context& run, std::shared_ptr<gathering> g, history::peak_day peak,
                 std::int64_t read) {
  auto t = std::make_shared<timing>();
  t->peak = std::move(peak);
  t->read = read;
  t->pending = std::min(duration_lookups, t->peak.untimed.size());
  t->durations.assign(t->pending, 0);
  if (t->pending == 0)
    return render(run, *g, t->peak, read);
  auto done = [run, g, t]() mutable {
    if (--t->pending > 0)
      return;
    history::apply_durations(t->peak, t->durations);
    render(run, *g, t->peak, t->read);
  };
  for (std::size_t i = 0; i < t->durations.size(); ++i) {
    const auto& item = t->peak.untimed[i];
    run.self()
      ->request(run.fm(), run.engine_timeout(), fm_track_atom::value,
                entity_query{item.artist, item.name, {}})
      .then([t, i, done](fm::track_info& info) mutable {
              t->durations[i] = info.duration;
              done();
            },
            [done](caf::error&) mutable { done(); });
  }
}

void answer(context& run, const std::shared_ptr<gathering>& g) {
  std::vector<fm::track> all;
  for (auto& page : g->by_page)
    all.insert(all.end(), page.begin(), page.end());
  auto peak = history::busiest_day(all, g->zone);
  if (!peak)
    return run.reply_text("top.empty", {{"name", g->who},
                                        {"period", run.text(lists::period_key(g->range))}});
  time_tracks(run, g, std::move(*peak), static_cast<std::int64_t>(all.size()));
}

void fetch_page(context run, std::shared_ptr<gathering> g, recent_query q) {
  run.self()
    ->request(run.fm(), run.engine_timeout(), q)
    .then(
      [run, g, page = q.page](fm::recent_tracks& recent) mutable {
        g->by_page[static_cast<std::size_t>(page - 1)] = std::move(recent.tracks);
        if (--g->pending == 0 && !g->answered) {
          g->answered = true;
          answer(run, g);
        }
      },
      [run, g](caf::error& err) mutable {
        if (g->answered)
          return;
        g->answered = true;
        run.reply_error(err, g->who);
      });
}

void run_peak(context& ctx) {
  auto g = std::make_shared<gathering>();
  if (auto word = paging::word_at(ctx, 0))
    g->range = fm::period_from_string(*word).value_or(g->range);
  g->who = ctx.subject().user.fm_username;
  // The subject's day, in the subject's zone.
  g->zone = i18n::effective_time_zone(ctx.subject().user.time_zone);
  auto now = history::unix_now();
  recent_query q;
  q.user = g->who;
  q.limit = per_page;
  if (auto span = history::period_seconds(g->range))
    q.from = now - *span;
  q.to = now;
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then(
      [run, g, q](fm::recent_tracks& first) mutable {
        g->total_pages = std::max<std::int64_t>(1, first.total_pages);
        g->pages = std::min(g->total_pages, max_pages);
        g->by_page.resize(static_cast<std::size_t>(g->pages));
        g->by_page[0] = std::move(first.tracks);
        g->pending = g->pages - 1;
        if (g->pending == 0) {
          g->answered = true;
          return answer(run, g);
        }
        for (std::int64_t page = 2; page <= g->pages; ++page) {
          auto next = q;
          next.page = static_cast<std::int32_t>(page);
          fetch_page(run, g, next);
        }
      },
      [run, g](caf::error& err) mutable { run.reply_error(err, g->who); });
}

} // namespace

command_spec make_peak() {
  command_spec spec{"peak"};
  spec.aliases = {"bestday", "peakday", "topday", "best"};
  spec.args = {argument::period("period")};
  spec.guards = guard_targetable;
  spec.run = run_peak;
  return spec;
}

} // namespace lastgram::command
