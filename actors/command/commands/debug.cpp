// /debug: developer-only tools to exercise supervision on a live node.
//   /debug sleep <ms>   answers after <ms> (at most 60 s): an in-flight run
//   /debug crash        throws: the apology, the log line and the restart metric

#include "actors/command/commands/builtin.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"

namespace lastgram::command {

namespace {

void run_debug(context& ctx) {
  auto& words = ctx.command().words;
  auto what = words.empty() ? std::string{} : words[0];
  if (what == "crash")
    throw std::runtime_error("crash requested with /debug crash");
  if (what == "sleep" && words.size() > 1) {
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

void add_debug_commands(registry& reg) {
  reg.add(command_spec{"debug", {}, {}, guard_developer, true, run_debug});
}

} // namespace lastgram::command
