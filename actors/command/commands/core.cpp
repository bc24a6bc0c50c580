// start, help and botinfo: the commands that need no other engine.

#include "actors/command/commands/builtin.hpp"

#include <cstdio>
#include <unistd.h>

#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"

namespace lastgram::command {

namespace {

std::string describe(const context& ctx, const command_spec& spec) {
  return ctx.text("desc." + spec.name);
}

std::string usage(const context& ctx, const command_spec& spec) {
  return usage_line(spec, [&](std::string_view name) {
    return ctx.text("args." + std::string{name});
  });
}

void run_start(context& ctx) {
  auto& author = ctx.message().author;
  auto name = author.display_name.empty() ? author.username : author.display_name;
  ctx.reply(text_builder{}.plain(ctx.text("start.greeting", {{"name", name}})).take());
}

void help_list(context& ctx) {
  text_builder out;
  out.bold(ctx.text("help.header")).newline();
  for (auto& spec : ctx.env().commands->all()) {
    if (spec->hidden || (spec->guards & guard_developer))
      continue;
    out.newline().code("/" + spec->name).plain(" — " + describe(ctx, *spec));
  }
  out.newline().newline().italic(ctx.text("help.footer"));
  ctx.reply(out.take());
}

void run_help(context& ctx) {
  auto& words = ctx.command().words;
  if (words.empty())
    return help_list(ctx);
  auto name = words.front();
  if (!name.empty() && name.front() == '/')
    name.erase(0, 1);
  const auto* spec = ctx.env().commands->find(name);
  if (spec == nullptr || spec->hidden) {
    ctx.reply(text_builder{}.plain(ctx.text("help.not_found", {{"command", name}})).take());
    return;
  }
  text_builder out;
  out.code("/" + spec->name).newline().plain(describe(ctx, *spec)).newline();
  out.newline().plain(ctx.text("help.usage", {{"usage", usage(ctx, *spec)}}));
  if (!spec->aliases.empty()) {
    std::string aliases;
    for (auto& alias : spec->aliases) {
      if (!aliases.empty())
        aliases += ", ";
      aliases += "/" + alias;
    }
    out.newline().plain(ctx.text("help.aliases", {{"aliases", aliases}}));
  }
  ctx.reply(out.take());
}

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

void add_core_commands(registry& reg) {
  reg.add(command_spec{"start", {}, {}, guard_none, true, run_start});
  reg.add(command_spec{"help", {"ajuda", "ayuda", "aide"},
                       {arg_spec{"command", false, false}}, guard_none, false,
                       run_help});
  reg.add(command_spec{"botinfo", {"lastgraminfo", "info"}, {}, guard_none, false,
                       run_botinfo});
}

void add_all_commands(registry& reg) {
  add_core_commands(reg);
  add_debug_commands(reg);
  add_music_commands(reg);
  add_settings_commands(reg);
}

} // namespace lastgram::command
