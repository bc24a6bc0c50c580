// topartists, topalbums, toptracks: one page of a Last.fm top list for a
// period, with ◀ ▶ and a period selector that edit the same message.

#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/list_format.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// The buttons under a page: ◀ ▶, then every period (the shown one marked),
/// each running the same command for the same Last.fm user.
void add_buttons(context& ctx, outgoing_reply& r, const lists::top_view& v,
                 std::int64_t pages) {
  const auto& command = ctx.spec().name;
  auto args = [&](fm::period range, std::int64_t page) {
    return std::vector<std::string>{std::string{to_string(range)}, std::to_string(page), v.who};
  };
  auto nav = paging::nav_row(ctx, command, v.page, pages,
                             [&](std::int64_t page) { return args(v.range, page); });
  if (!nav.empty())
    r.buttons.push_back(std::move(nav));
  paging::add_period_rows(ctx, r.buttons, command, v.range,
                          [&](fm::period range) { return args(range, 1); });
}

void run_top(context& ctx, fm::top_kind kind) {
  auto range = fm::period::seven_day;
  if (auto word = paging::word_at(ctx, 0))
    range = fm::period_from_string(*word).value_or(range);
  auto page = paging::page_of(paging::word_at(ctx, 1));
  auto who = paging::list_owner(ctx, paging::word_at(ctx, 2));
  if (!who)
    return;
  top_query q;
  q.kind = kind;
  q.user = *who;
  q.range = range;
  q.limit = lists::page_size;
  q.page = static_cast<std::int32_t>(page);
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then(
      [run, range, page, owner = *who](fm::top_list& list) mutable {
        lists::top_view v{owner, std::move(list), range, page};
        auto pages = lists::page_count(v.list.total);
        outgoing_reply r;
        r.text = lists::format_top(*run.env().texts, run.language(), v);
        add_buttons(run, r, v, pages);
        run.reply(std::move(r));
        run.finish();
      },
      [run, owner = *who](caf::error& err) mutable { run.reply_error(err, owner); });
}

command_spec top_command(std::string name, std::vector<std::string> aliases, fm::top_kind kind) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  // The Last.fm user is what the buttons carry to show the same person's
  // next page; typed, it shows anyone's public list.
  spec.args = {argument::period("period"), argument::number("page"),
               argument::text("lastfm_user")};
  spec.guards = guard_targetable;
  spec.run = [kind](context& ctx) { run_top(ctx, kind); };
  return spec;
}

} // namespace

command_spec make_topartists() {
  return top_command("topartists", {"ta"}, fm::top_kind::artists);
}

command_spec make_topalbums() {
  return top_command("topalbums", {"tab"}, fm::top_kind::albums);
}

command_spec make_toptracks() {
  return top_command("toptracks", {"tt"}, fm::top_kind::tracks);
}

} // namespace lastgram::command
