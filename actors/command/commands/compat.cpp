// compat: how alike the author's and the replied-to person's listening is,
// from both top 1,000 artists of all time (one Last.fm page each), with a
// tier and the artists that make most of the score.

#include <cmath>
#include <string>
#include <utility>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/common.hpp"
#include "actors/command/commands/compat_score.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// Last.fm's largest page: one call per person covers the artists that
/// make nearly all of anyone's plays.
constexpr std::int32_t top_artists_limit = 1000;
constexpr std::size_t shown_shared = 8;

top_query top_artists_of(const std::string& fm_user) {
  top_query q;
  q.kind = fm::top_kind::artists;
  q.user = fm_user;
  q.range = fm::period::overall;
  q.limit = top_artists_limit;
  return q;
}

void answer(context& run, const fm::top_list& mine, const fm::top_list& theirs) {
  auto result = music::compare_tastes(mine.items, theirs.items);
  auto me = author_name(run);
  auto them = run.subject_name();
  text_builder out;
  out.bold(run.text("compat.title", {{"a", me}, {"b", them}})).newline().newline();
  auto percent = static_cast<std::int64_t>(std::lround(result.percent));
  out.plain("💞 ").bold(run.text("compat.score", {{"percent", percent}}));
  out.plain(" · " + run.text(music::tier_key(result.percent), {})).newline();
  if (result.shared.empty()) {
    out.newline().plain(run.text("compat.none", {}));
  } else {
    out.plain(run.text("compat.shared_count",
                       {{"count", static_cast<std::int64_t>(result.shared.size())}}))
      .newline()
      .newline()
      .italic(run.text("compat.columns", {{"a", me}, {"b", them}}));
    for (std::size_t i = 0; i < result.shared.size() && i < shown_shared; ++i) {
      auto& s = result.shared[i];
      out.newline().plain("• ").bold(s.name).plain(
        " " + run.text("compat.row", {{"a", s.mine}, {"b", s.theirs}}));
    }
  }
  run.reply(out.take());
  run.finish();
}

void run_compat(context& ctx) {
  ctx.defer();
  auto run = ctx;
  auto mine_user = ctx.author().user.fm_username;
  auto their_user = ctx.subject().user.fm_username;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), top_artists_of(mine_user))
    .then(
      [run, their_user](fm::top_list& mine) mutable {
        run.self()
          ->request(run.fm(), run.engine_timeout(), top_artists_of(their_user))
          .then([run, mine](fm::top_list& theirs) mutable { answer(run, mine, theirs); },
                [run, their_user](caf::error& err) mutable {
                  run.reply_error(err, their_user);
                });
      },
      [run, mine_user](caf::error& err) mutable { run.reply_error(err, mine_user); });
}

} // namespace

command_spec make_compat() {
  command_spec spec{"compat"};
  spec.aliases = {"compatibility", "taste", "match"};
  spec.guards = guard_registered | guard_targeted;
  spec.run = run_compat;
  return spec;
}

} // namespace lastgram::command
