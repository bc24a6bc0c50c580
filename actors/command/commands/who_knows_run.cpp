#include "actors/command/commands/who_knows_run.hpp"

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/command/commands/group_format.hpp"
#include "actors/command/commands/index.hpp"
#include "actors/command/commands/list_format.hpp"
#include "actors/command/commands/music_item.hpp"
#include "actors/command/commands/paging.hpp"
#include "actors/command/guards.hpp"
#include "messages/errors.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command::groups {

namespace {

using music::music_item;
using music::np_focus;

np_focus focus_of(entity_kind kind) {
  switch (kind) {
    case entity_kind::artist:
      return np_focus::artist;
    case entity_kind::album:
      return np_focus::album;
    case entity_kind::track:
      break;
  }
  return np_focus::track;
}

/// The invoker's index progress, asked beside the item lookup and the
/// database's list so that it adds no round trip: the reply waits for it
/// only when it is slower than both. Shared by the run's callbacks.
struct progress_join {
  bool answered = false;
  /// "indexing: 3,000 of 7,412 artists", or empty.
  std::string line;
  /// The reply, held back until the progress is answered (it gets the
  /// line, rather than this join, so that nothing holds itself).
  std::function<void(const std::string&)> waiting;

  void settle(std::string text) {
    answered = true;
    line = std::move(text);
    if (auto send = std::move(waiting)) {
      waiting = nullptr;
      send(line);
    }
  }
};
using progress_ptr = std::shared_ptr<progress_join>;

/// An answered join with no line: page buttons, no indexer.
progress_ptr no_progress() {
  auto p = std::make_shared<progress_join>();
  p->answered = true;
  return p;
}

/// Asks the indexer where the invoker's own index stands; an error or a
/// missing indexer is no line.
progress_ptr ask_progress(context& ctx) {
  auto indexer = ctx.indexer();
  if (!indexer || !ctx.author().found)
    return no_progress();
  auto p = std::make_shared<progress_join>();
  auto run = ctx;
  ctx.self()
    ->request(indexer, ctx.engine_timeout(), index_progress_atom::value, ctx.author().user.id)
    .then([run, p](index_progress& got) { p->settle(index_progress_line(run, got)); },
          [p](caf::error&) { p->settle({}); });
  return p;
}

who_knows_request base_request(const context& run, entity_kind kind, bool global) {
  who_knows_request req;
  req.platform = run.message().platform;
  req.group_id = global ? std::string{} : run.message().chat.id;
  req.kind = kind;
  req.invoker_id = run.message().author.id;
  req.limit = page_size;
  return req;
}

/// One database round trip, then the page with its buttons (and the
/// progress line once `progress` has its answer).
void ask(context run, who_knows_request req, bool global, std::int64_t page,
         progress_ptr progress) {
  run.self()
    ->request(run.database(), run.engine_timeout(), who_knows_atom::value, req)
    .then(
      [run, kind = req.kind, global, page, progress](who_knows_answer& a) mutable {
        who_knows_view v{std::move(a), kind, global, page};
        outgoing_reply r;
        r.text = format_who_knows(*run.env().texts, run.language(), v);
        auto pages = lists::page_count(v.answer.listeners, page_size);
        auto& artist = v.answer.artist;
        auto& name = v.answer.name;
        auto nav = paging::nav_row(run, page_command, page, pages, [&](std::int64_t p) {
          return std::vector<std::string>{global ? "global" : "group",
                                          std::string{to_string(kind)}, std::to_string(p),
                                          kind == entity_kind::artist ? name : artist, name};
        });
        if (!nav.empty())
          r.buttons.push_back(std::move(nav));
        auto send = [run, r = std::move(r)](const std::string& line) mutable {
          if (!line.empty()) {
            auto more = text_builder{}.newline().newline().italic(line).take();
            r.text.insert(r.text.end(), more.begin(), more.end());
          }
          run.reply(std::move(r));
          run.finish();
        };
        if (progress->answered)
          return send(progress->line);
        progress->waiting = std::move(send);
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

/// The item's getInfo with the invoker's username: Last.fm's spelling
/// (autocorrected) and the invoker's fresh count. Another failure than
/// "not found" still shows the list, from the indexed counts.
template <class Atom, class Info>
void fresh_count(context run, entity_query q, who_knows_request req, bool global,
                 std::string shown, progress_ptr progress) {
  run.self()
    ->request(run.fm(), run.engine_timeout(), Atom::value, q)
    .then(
      [run, req, global, progress](Info& info) mutable {
        if (!info.name.empty())
          req.name = info.name;
        req.invoker_plays = info.user_playcount;
        if constexpr (!std::is_same_v<Info, fm::artist_info>)
          if (!info.artist.empty())
            req.artist = info.artist;
        ask(run, std::move(req), global, 1, progress);
      },
      [run, req, global, shown, progress](caf::error& err) mutable {
        if (fm_code(err) == fm::fm_errc::not_found)
          return run.reply_text("info.not_found", {{"name", shown}});
        ask(run, std::move(req), global, 1, progress);
      });
}

void lookup(context& run, entity_kind kind, bool global, music_item item,
            const progress_ptr& p) {
  auto& t = item.track;
  auto req = base_request(run, kind, global);
  entity_query q{t.artist, {}, run.author().user.fm_username};
  switch (kind) {
    case entity_kind::artist:
      req.name = t.artist;
      return fresh_count<fm_artist_atom, fm::artist_info>(run, q, req, global, t.artist, p);
    case entity_kind::album:
      if (t.album.empty())
        return run.reply_text("info.no_album", {{"track", t.name}, {"artist", t.artist}});
      req.name = q.name = t.album;
      req.artist = t.artist;
      return fresh_count<fm_album_atom, fm::album_info>(run, q, req, global,
                                                        t.artist + " - " + t.album, p);
    case entity_kind::track:
      req.name = q.name = t.name;
      req.artist = t.artist;
      return fresh_count<fm_track_atom, fm::track_info>(run, q, req, global,
                                                        t.artist + " - " + t.name, p);
  }
}

} // namespace

void run_who_knows(context& ctx, entity_kind kind, bool global) {
  ctx.defer();
  // Asked now, in parallel with the item and the list.
  auto progress = ask_progress(ctx);
  music::resolve_item(ctx, focus_of(kind), ctx.author().user.fm_username,
                      [kind, global, progress](context& run, music_item item) {
                        lookup(run, kind, global, std::move(item), progress);
                      });
}

command_spec who_knows_spec(std::string name, std::vector<std::string> aliases,
                            entity_kind kind, bool global) {
  command_spec spec{std::move(name)};
  spec.aliases = std::move(aliases);
  switch (kind) {
    case entity_kind::artist:
      spec.args = {argument::artist("artist").rest()};
      break;
    case entity_kind::album:
      spec.args = {argument::album("artist_album").rest()};
      break;
    case entity_kind::track:
      spec.args = {argument::track("artist_track").rest()};
      break;
  }
  spec.guards = global ? guard_registered : guard_registered | guard_no_dms;
  spec.run = [kind, global](context& ctx) { run_who_knows(ctx, kind, global); };
  return spec;
}

void show_who_knows_page(context& ctx, entity_kind kind, bool global, std::int64_t page,
                         const std::string& artist, const std::string& name) {
  auto req = base_request(ctx, kind, global);
  req.name = name;
  req.artist = artist;
  req.offset = (page - 1) * page_size;
  ctx.defer();
  ask(ctx, std::move(req), global, page, no_progress());
}

} // namespace lastgram::command::groups
