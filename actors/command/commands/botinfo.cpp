// botinfo: version, uptime, node, memory, commands handled and platforms.

#include <chrono>
#include <cstdio>
#include <unistd.h>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

namespace {

/// Resident set size in megabytes, from /proc/self/statm.
double resident_megabytes() {
  long pages = 0, resident = 0;
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE))
         / (1024.0 * 1024.0);
}

void run_botinfo(context& ctx) {
  auto& env = ctx.env();
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
    std::chrono::steady_clock::now() - env.started_at);
  std::string platforms;
  for (auto& p : env.platforms) {
    if (!platforms.empty())
      platforms += ", ";
    platforms += p;
  }
  text_builder out;
  out.bold(ctx.text("botinfo.title")).newline();
  out.plain(ctx.text("botinfo.version", {{"version", std::string{LASTGRAM_VERSION}},
                                         {"revision", std::string{LASTGRAM_REVISION}}}))
    .newline();
  out.plain(ctx.text("botinfo.uptime",
                     {{"uptime", env.texts->format_duration(ctx.language(), uptime)}}))
    .newline();
  out.plain(ctx.text("botinfo.node", {{"node", env.node_name}})).newline();
  out.plain(ctx.text("botinfo.memory", {{"megabytes", resident_megabytes()}})).newline();
  // Counts runs finished before this one, plus this one.
  out.plain(ctx.text("botinfo.commands", {{"count", ctx.stats().handled + 1}}));
  if (!platforms.empty())
    out.newline().plain(ctx.text("botinfo.platforms", {{"platforms", platforms}}));
  ctx.reply(out.take());
}

} // namespace

command_spec make_botinfo() {
  command_spec spec{"botinfo"};
  spec.aliases = {"lastgraminfo", "info"};
  spec.guards = guard_none;
  spec.run = run_botinfo;
  return spec;
}

} // namespace lastgram::command
