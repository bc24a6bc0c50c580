// lyrics: the lyrics of the track named ("artist - track") or of the
// author's latest one, from lrclib through the lyrics engine. Long lyrics
// are paged with ◀ ▶ buttons that run "/lyrics --page N <lrclib id>" and
// replace the message; nothing is cut off.

#include <string>
#include <utility>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/lyrics_pages.hpp"
#include "actors/command/commands/music_item.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

constexpr std::string_view page_flag = "--page";

/// A page button's words: "--page", the page (0-based), the lrclib id.
struct page_request {
  std::size_t page = 0;
  std::int64_t id = 0;
};

std::optional<page_request> page_of(const std::vector<std::string>& words) {
  if (words.size() != 3 || words[0] != page_flag)
    return std::nullopt;
  try {
    auto page = std::stoull(words[1]);
    auto id = std::stoll(words[2]);
    if (id <= 0)
      return std::nullopt;
    return page_request{static_cast<std::size_t>(page), id};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void show(context& run, const lyrics_result& found, std::size_t page) {
  auto pages = music::lyrics_pages(found.text);
  if (pages.empty())
    return run.reply_text("lyrics.not_found", {{"track", found.track}, {"artist", found.artist}});
  page = std::min(page, pages.size() - 1);
  text_builder out;
  out.plain("🎤 ").bold(found.track).plain(" — " + found.artist).newline().newline();
  out.plain(pages[page]);
  if (pages.size() > 1)
    out.newline().newline().italic(
      run.text("lyrics.page", {{"page", static_cast<std::int64_t>(page + 1)},
                               {"pages", static_cast<std::int64_t>(pages.size())}}));
  outgoing_reply r;
  r.text = out.take();
  if (pages.size() > 1) {
    std::vector<button> row;
    auto id = std::to_string(found.id);
    // Anyone in the chat may turn the pages of lyrics shown to all.
    if (page > 0)
      row.push_back(run.action_button("◀", "lyrics",
                                      {std::string{page_flag}, std::to_string(page - 1), id},
                                      false));
    if (page + 1 < pages.size())
      row.push_back(run.action_button("▶", "lyrics",
                                      {std::string{page_flag}, std::to_string(page + 1), id},
                                      false));
    r.buttons.push_back(std::move(row));
  }
  run.reply(std::move(r));
  run.finish();
}

void fetch(context& run, lyrics_query q, std::size_t page) {
  auto asked = q;
  run.self()
    ->request(run.lyrics(), run.engine_timeout(), std::move(q))
    .then(
      [run, asked, page](lyrics_result& r) mutable {
        switch (r.status) {
          case lyrics_status::unavailable: return run.reply_text("lyrics.unavailable");
          case lyrics_status::not_found:
            return run.reply_text("lyrics.not_found",
                                  {{"track", asked.track}, {"artist", asked.artist}});
          case lyrics_status::found: break;
        }
        if (r.instrumental && r.text.empty())
          return run.reply_text("lyrics.instrumental", {{"track", r.track}, {"artist", r.artist}});
        show(run, r, page);
      },
      [run](caf::error&) mutable { run.reply_text("lyrics.unavailable"); });
}

void run_lyrics(context& ctx) {
  ctx.defer();
  if (auto p = page_of(ctx.command().words)) {
    lyrics_query q;
    q.id = p->id;
    return fetch(ctx, std::move(q), p->page);
  }
  // Page buttons and named tracks work for anyone; the latest track needs
  // a registered Last.fm account.
  if (ctx.command().args.empty() && !ctx.author().found)
    return ctx.reply_text("guard.registered");
  music::resolve_item(ctx, music::np_focus::track, ctx.author().user.fm_username,
                      [](context& run, music::music_item item) {
                        auto& t = item.track;
                        fetch(run, lyrics_query{t.artist, t.name, t.album, t.duration, 0}, 0);
                      });
}

} // namespace

command_spec make_lyrics() {
  command_spec spec{"lyrics"};
  spec.aliases = {"letras", "letra"};
  spec.args = {argument::track("artist_track").rest()};
  spec.needs_user = true;
  spec.run = run_lyrics;
  return spec;
}

} // namespace lastgram::command
