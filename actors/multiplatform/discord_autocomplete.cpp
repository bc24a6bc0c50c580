// Autocomplete (interaction type 4) of artist, album and track options:
// names from the user's latest track and from their indexed library,
// gathered in parallel and answered (type 8) before Discord's 3 seconds
// pass. A source that fails or is late is left out: an answer with fewer
// choices, or none, beats no answer, which Discord shows as an error.

#include <memory>

#include "actors/multiplatform/discord_state.hpp"
#include "actors/multiplatform/discord_suggest.hpp"
#include "actors/support/engines.hpp"
#include "messages/database.hpp"
#include "messages/fm_engine.hpp"

namespace lastgram::multiplatform::detail {

namespace {

/// One autocomplete waiting for its two sources.
struct pending_suggestions {
  std::function<void(std::string)> answer;
  std::string typed;
  std::vector<std::string> latest;
  std::vector<std::string> library;
  int waiting = 2;
};

/// One source is in (or gave up): answers once both are.
void settle(const std::shared_ptr<pending_suggestions>& p) {
  if (--p->waiting > 0)
    return;
  p->answer(autocomplete_callback(rank_suggestions(p->typed, p->latest, p->library)));
}

/// The names of the user's latest track, when they are registered.
void latest_track(dc_self self, std::shared_ptr<pending_suggestions> p, database_actor db,
                  const std::string& user_id, entity_kind kind, dc_clock::time_point deadline) {
  auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - dc_clock::now());
  self->request(db, budget, get_user_atom::value, platform_kind::discord, user_id)
    .then(
      [self, p, kind, deadline](const user_lookup& who) {
        auto fm = self->state.opts->engines->fm.get();
        auto left
          = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - dc_clock::now());
        if (!who.found || who.user.fm_username.empty() || !fm
            || left <= std::chrono::milliseconds{0})
          return settle(p);
        recent_query q;
        q.user = who.user.fm_username;
        q.limit = 1;
        self->request(fm, left, q)
          .then(
            [p, kind](const fm::recent_tracks& recent) {
              if (!recent.tracks.empty()) {
                const auto& t = recent.tracks.front();
                p->latest = track_names(kind, t.artist, t.album, t.name);
              }
              settle(p);
            },
            [p](const caf::error&) { settle(p); });
      },
      [p](const caf::error&) { settle(p); });
}

} // namespace

void run_autocomplete(dc_self self, const discord::interaction& i,
                      std::function<void(std::string)> answer) {
  auto& opts = *self->state.opts;
  const discord::command_option* focused = nullptr;
  for (const auto& o : i.options)
    if (o.focused)
      focused = &o;
  std::optional<entity_kind> kind;
  if (focused != nullptr && opts.suggested_kind)
    kind = opts.suggested_kind(i.command_name, focused->name);
  auto db = opts.engines->database.get();
  if (!kind || !db) {
    answer(autocomplete_callback({}));
    return;
  }
  auto p = std::make_shared<pending_suggestions>();
  p->answer = std::move(answer);
  p->typed = focused->value;
  // The requests' own timeouts end each source in time, so the answer goes
  // before the deadline whatever the engines do.
  auto deadline = dc_clock::now() + opts.answer_within;
  self->request(db, opts.answer_within, library_names_atom::value, platform_kind::discord,
                i.user.id, *kind, focused->value)
    .then(
      [p](std::vector<std::string>& names) {
        p->library = std::move(names);
        settle(p);
      },
      [p](const caf::error&) { settle(p); });
  latest_track(self, p, db, i.user.id, *kind, deadline);
}

} // namespace lastgram::multiplatform::detail
