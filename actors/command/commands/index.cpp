// index (alias update): asks the indexer to refresh the author's library
// now, at most once per indexer.refresh-cooldown-seconds (an hour by
// default).

#include <chrono>
#include <string>

#include "actors/command/commands/index.hpp"

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// How long an /index may wait for the indexer's answer (a database read
/// and write on its side).
constexpr std::chrono::seconds index_answer_timeout{10};

void answer(context& run, const index_request_result& r) {
  switch (r.outcome) {
    case index_request_result::started:
      return run.reply_text("index.started");
    case index_request_result::running:
      return run.reply_text("index.running");
    case index_request_result::too_soon: {
      // Rounded up to whole minutes: "in 0 minutes" helps nobody.
      auto minutes = std::chrono::minutes{(r.wait_seconds + 59) / 60};
      return run.reply_text(
        "index.too_soon",
        {{"wait", run.env().texts->format_duration(run.language(), minutes)}});
    }
    default:
      return run.reply_text("index.unavailable");
  }
}

void run_index(context& ctx) {
  auto indexer = ctx.indexer();
  if (!indexer)
    return ctx.reply_text("index.unavailable");
  const auto& author = ctx.author().user;
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(indexer, index_answer_timeout, index_request_atom::value, author.id,
              author.fm_username)
    .then([run](index_request_result& r) mutable { answer(run, r); },
          [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

std::string index_progress_line(const context& run, const index_progress& p) {
  if (!p.running)
    return {};
  return run.text("index.progress", {{"done", p.done},
                                     {"total", p.total},
                                     {"kind", std::string{to_string(p.kind)}}});
}

command_spec make_index() {
  command_spec spec{"index"};
  spec.aliases = {"update"};
  spec.guards = guard_registered;
  spec.run = run_index;
  return spec;
}

} // namespace lastgram::command
