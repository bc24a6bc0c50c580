// /debug: developer-only tools to exercise supervision on a live node.
//   /debug sleep <ms>   answers after <ms> (at most 60 s): an in-flight run
//   /debug crash        throws: the apology, the log line and the restart metric

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

namespace {

void run_debug(context& ctx) {
  auto& words = ctx.command().words;
  auto what = words.empty() ? std::string{} : to_lower_ascii(words[0]);
  if (what == "crash")
    throw std::runtime_error("crash requested with /debug crash");
  if (what == "sleep" && words.size() > 1) {
    // A number (checked before the run), clamped to 0..60 s.
    auto ms = std::clamp(std::atol(words[1].c_str()), 0L, 60000L);
    ctx.defer();
    auto run = ctx;
    ctx.after(std::chrono::milliseconds{ms}, [run, ms]() mutable {
      run.reply(text_builder{}.plain("slept " + std::to_string(ms) + " ms").take());
      run.finish();
    });
    return;
  }
  ctx.reply(text_builder{}.code("/debug sleep <ms>").newline().code("/debug crash").take());
}

} // namespace

command_spec make_debug() {
  command_spec spec{"debug"};
  spec.args = {argument::choice("action", {"sleep", "crash"}),
               argument::number("milliseconds")};
  spec.guards = guard_developer;
  spec.hidden = true;
  spec.run = run_debug;
  return spec;
}

} // namespace lastgram::command
