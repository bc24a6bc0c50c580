// cllg and acllg: a picture of the subject's top albums, artists or tracks
// for a period, drawn by the image engine, with buttons (size, labels,
// entity, period) that redraw it in the same message.

#include <string>
#include <utility>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/collage_options.hpp"
#include "actors/command/commands/list_format.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "i18n/catalog.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

using collage::options;

/// What one run draws: the options and whether it is the grid.
struct drawing {
  options opts;
  collage_layout layout = collage_layout::grid;

  bool grid() const { return layout == collage_layout::grid; }
  std::int32_t tiles() const {
    return grid() ? opts.columns * opts.rows : collage::asymmetric_tiles;
  }
};

constexpr fm::top_kind kind_order[] = {fm::top_kind::artists, fm::top_kind::albums,
                                       fm::top_kind::tracks};

/// "Top albums of rj, last 7 days · 3×3" (the size only for a grid).
std::string caption(const context& ctx, const drawing& d) {
  auto period = ctx.text(lists::period_key(d.opts.range));
  auto out = ctx.text(lists::title_key(d.opts.kind), {{"name", d.opts.user}, {"period", period}});
  if (d.grid())
    out += " · " + collage::size_text(d.opts.columns, d.opts.rows);
  return out;
}

/// The buttons under the picture: size −/+ (grid only, within 1..max),
/// the labels switch, the entities and the periods, each redrawing the
/// collage with one thing changed.
void add_buttons(context& ctx, outgoing_reply& r, const drawing& d) {
  const auto& command = ctx.spec().name;
  auto press = [&](std::string label, const options& changed) {
    return ctx.action_button(std::move(label), command, collage::to_words(changed, d.grid()));
  };
  if (d.grid()) {
    std::vector<button> row;
    auto resized = [&](std::int32_t by) {
      auto o = d.opts;
      o.columns += by;
      o.rows += by;
      return o;
    };
    if (d.opts.columns > 1 && d.opts.rows > 1)
      row.push_back(press("➖ " + collage::size_text(d.opts.columns - 1, d.opts.rows - 1),
                          resized(-1)));
    if (d.opts.columns < collage::max_side && d.opts.rows < collage::max_side)
      row.push_back(press("➕ " + collage::size_text(d.opts.columns + 1, d.opts.rows + 1),
                          resized(1)));
    if (!row.empty())
      r.buttons.push_back(std::move(row));
  }
  auto toggled = d.opts;
  toggled.labels = !d.opts.labels;
  r.buttons.push_back(
    {press(ctx.text(d.opts.labels ? "collage.hide_labels" : "collage.show_labels"), toggled)});
  std::vector<button> kinds;
  for (auto kind : kind_order) {
    auto o = d.opts;
    o.kind = kind;
    auto label = ctx.text("collage.kind." + std::string{fm::to_string(kind)});
    kinds.push_back(press(kind == d.opts.kind ? "✓ " + label : label, o));
  }
  r.buttons.push_back(std::move(kinds));
  paging::add_period_rows(ctx, r.buttons, command, d.opts.range, [&](fm::period range) {
    auto o = d.opts;
    o.range = range;
    return collage::to_words(o, d.grid());
  });
}

collage_request request_for(const context& run, const drawing& d, fm::top_list& list) {
  collage_request req;
  req.layout = d.layout;
  req.columns = d.opts.columns;
  req.rows = d.opts.rows;
  req.labels = d.opts.labels;
  for (auto& item : list.items) {
    auto plays = run.text("collage.plays", {{"count", item.playcount}});
    req.tiles.push_back(collage_tile{std::move(item.name), std::move(item.artist),
                                     item.playcount, std::move(item.image), std::move(plays)});
  }
  return req;
}

/// Answers the image engine's picture (or why there is none) and finishes.
void answer(context& run, const drawing& d, collage_image& img) {
  if (img.status == image_status::busy) {
    run.set_outcome(command_outcome::busy);
    return run.reply_text("collage.busy");
  }
  if (img.status != image_status::ok || img.jpeg.empty()) {
    run.set_outcome(command_outcome::failed);
    return run.reply_text("collage.failed");
  }
  outgoing_reply r;
  r.text = text_builder{}.plain(caption(run, d)).take();
  r.photo_jpeg = std::move(img.jpeg);
  add_buttons(run, r, d);
  run.reply(std::move(r));
  run.finish();
}

void draw(context& run, const drawing& d, fm::top_list& list) {
  if (list.items.empty()) {
    // Refused rather than answered: a press keeps the picture it was on.
    run.set_outcome(command_outcome::guard_failed);
    return run.reply_text("top.empty", {{"name", d.opts.user},
                                        {"period", run.text(lists::period_key(d.opts.range))}});
  }
  run.self()
    ->request(run.image(), run.engine_timeout(), request_for(run, d, list))
    .then([run, d](collage_image& img) mutable { answer(run, d, img); },
          [run](caf::error&) mutable {
            // No image engine, or it did not answer in time.
            run.set_outcome(command_outcome::failed);
            run.reply_text("collage.failed");
          });
}

/// Answers why the words make no collage.
void reply_problem(context& ctx, const collage::options_problem& p) {
  if (p.why == collage::options_problem::reason::bad_size)
    return ctx.reply_text("collage.bad_size", {{"value", p.value}, {"max", std::int64_t{collage::max_side}}});
  auto usage = usage_line(ctx.spec(), *ctx.env().texts, ctx.language());
  ctx.reply_text("collage.bad_word", {{"value", p.value}, {"usage", usage}});
}

void run_collage(context& ctx, collage_layout layout) {
  bool grid = layout == collage_layout::grid;
  auto parsed = collage::parse_options(ctx.command().words, grid);
  if (parsed.problem)
    return reply_problem(ctx, *parsed.problem);
  drawing d{std::move(parsed.opts), layout};
  auto who = paging::list_owner(ctx, d.opts.user.empty() ? nullptr : &d.opts.user);
  if (!who)
    return;
  d.opts.user = *who;
  top_query q;
  q.kind = d.opts.kind;
  q.user = d.opts.user;
  q.range = d.opts.range;
  q.limit = d.tiles();
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.fm(), ctx.engine_timeout(), q)
    .then([run, d](fm::top_list& list) mutable { draw(run, d, list); },
          [run, owner = d.opts.user](caf::error& err) mutable { run.reply_error(err, owner); });
}

command_spec collage_command(std::string name, std::vector<std::string> aliases,
                             collage_layout layout) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  // Declared as text: the words come in any order (collage_options.hpp),
  // and Discord offers each as an option of its own.
  if (layout == collage_layout::grid)
    spec.args.push_back(argument::text("size"));
  spec.args.push_back(argument::text("entity"));
  spec.args.push_back(argument::text("period"));
  spec.guards = guard_targetable;
  spec.run = [layout](context& ctx) { run_collage(ctx, layout); };
  return spec;
}

} // namespace

command_spec make_cllg() {
  return collage_command("cllg", {"collage", "clg", "cl"}, collage_layout::grid);
}

command_spec make_acllg() {
  return collage_command("acllg", {}, collage_layout::asymmetric);
}

} // namespace lastgram::command
