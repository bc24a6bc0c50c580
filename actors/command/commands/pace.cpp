// pace [goal] [period]: at the rate of the period (default one month), the
// date the subject reaches `goal` scrobbles (default the next 10,000 mark),
// in the reader's time zone. user.getInfo gives the total, a limit=1 page of
// recent tracks from the period's start gives the period's count.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

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

constexpr double seconds_per_day = 86400.0;

struct estimate {
  std::string who;
  fm::period range = fm::period::one_month;
  std::int64_t goal = 0;
  std::int64_t now = 0;
};

void answer(context& run, const estimate& e, std::int64_t total, double per_day) {
  auto goal = e.goal > 0 ? e.goal : history::next_goal(total);
  auto period = run.text(lists::period_key(e.range));
  if (goal <= total)
    return run.reply_text("pace.reached", {{"name", e.who}, {"total", total}, {"goal", goal}});
  auto when = history::reach_time(total, goal, per_day, e.now);
  if (!when)
    return run.reply_text("pace.no_rate", {{"name", e.who}, {"period", period}, {"goal", goal}});
  auto zone = i18n::effective_time_zone(run.author().user.time_zone);
  run.reply_text("pace.estimate",
                 {{"name", e.who},
                  {"per_day", per_day},
                  {"period", period},
                  {"goal", goal},
                  {"date", i18n::format_local(run.language(), *when, zone,
                                              i18n::time_style::long_date)}});
}

/// The period's count, then the answer.
void count_period(context run, estimate e, fm::user_info info) {
  auto span = history::period_seconds(e.range);
  if (!span) {
    // Overall: the whole history since registration.
    auto days = static_cast<double>(e.now - info.registered) / seconds_per_day;
    return answer(run, e, info.playcount,
                  days > 0 ? static_cast<double>(info.playcount) / days : 0.0);
  }
  recent_query q;
  q.user = e.who;
  q.limit = 1;
  q.from = e.now - *span;
  q.to = e.now;
  run.self()
    ->request(run.fm(), run.engine_timeout(), q)
    .then(
      [run, e, info, span](fm::recent_tracks& r) mutable {
        answer(run, e, info.playcount,
               static_cast<double>(r.total) / (static_cast<double>(*span) / seconds_per_day));
      },
      [run, e](caf::error& err) mutable { run.reply_error(err, e.who); });
}

void run_pace(context& ctx) {
  estimate e;
  if (auto word = paging::word_at(ctx, 0)) {
    e.goal = std::strtoll(word->c_str(), nullptr, 10);
    if (e.goal < 1)
      return ctx.reply_text("pace.invalid");
  }
  if (auto word = paging::word_at(ctx, 1))
    e.range = fm::period_from_string(*word).value_or(e.range);
  e.who = ctx.subject().user.fm_username;
  e.now = history::unix_now();
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), fm_user_atom::value, e.who)
    .then([run, e](fm::user_info& info) mutable { count_period(run, e, std::move(info)); },
          [run, e](caf::error& err) mutable { run.reply_error(err, e.who); });
}

} // namespace

command_spec make_pace() {
  command_spec spec{"pace"};
  spec.aliases = {"forecast"};
  spec.args = {argument::number("goal"), argument::period("period")};
  spec.guards = guard_targetable;
  spec.run = run_pace;
  return spec;
}

} // namespace lastgram::command
