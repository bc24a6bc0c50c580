// help: the listed commands, or one command's description, usage line and
// aliases, all read from the registry's declarations.

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

namespace {

std::string joined_aliases(const command_spec& spec) {
  std::string aliases;
  for (auto& alias : spec.aliases) {
    if (!aliases.empty())
      aliases += ", ";
    aliases += "/" + alias;
  }
  return aliases;
}

/// Help concerns the asker alone: where a platform can (Discord), only they
/// see it.
void reply_to_asker(context& ctx, rich_text text) {
  outgoing_reply r;
  r.text = std::move(text);
  r.ephemeral = true;
  ctx.reply(std::move(r));
}

void help_list(context& ctx) {
  text_builder out;
  out.bold(ctx.text("help.header")).newline();
  for (auto& spec : ctx.env().commands->all()) {
    if (!listed(*spec))
      continue;
    out.newline().code("/" + spec->name);
    // The aliases too: /ta is how most people type /topartists.
    if (!spec->aliases.empty())
      out.plain(" (" + joined_aliases(*spec) + ")");
    out.plain(" — " + ctx.text(description_key(*spec)));
  }
  out.newline().newline().italic(ctx.text("help.footer"));
  reply_to_asker(ctx, out.take());
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
    reply_to_asker(ctx,
                   text_builder{}.plain(ctx.text("help.not_found", {{"command", name}})).take());
    return;
  }
  auto usage = usage_line(*spec, *ctx.env().texts, ctx.language());
  text_builder out;
  out.code("/" + spec->name).newline().plain(ctx.text(description_key(*spec))).newline();
  out.newline().plain(ctx.text("help.usage", {{"usage", usage}}));
  if (!spec->aliases.empty())
    out.newline().plain(ctx.text("help.aliases", {{"aliases", joined_aliases(*spec)}}));
  reply_to_asker(ctx, out.take());
}

} // namespace

command_spec make_help() {
  command_spec spec{"help"};
  spec.aliases = {"ajuda", "ayuda", "aide"};
  // A command's name; any text, answered with help.not_found when unknown.
  spec.args = {argument::text("command")};
  spec.guards = guard_none;
  spec.run = run_help;
  return spec;
}

} // namespace lastgram::command
