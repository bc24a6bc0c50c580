// timezone (tz): shows or sets the time zone /recent, /peak, /streak and
// /pace read times in, checked against ICU's list of zones.

#include <chrono>
#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/history.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "i18n/time_zone.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// The zone and its wall clock now, as the answers show them.
std::string clock_in(const context& ctx, const std::string& zone) {
  return i18n::format_local(ctx.language(), history::unix_now(), zone, i18n::time_style::time);
}

void run_timezone(context& ctx) {
  auto& words = ctx.command().words;
  if (words.empty()) {
    auto zone = i18n::effective_time_zone(ctx.author().user.time_zone);
    return ctx.reply_text("timezone.current", {{"zone", zone}, {"time", clock_in(ctx, zone)}});
  }
  auto zone = i18n::canonical_time_zone(words.front());
  if (zone.empty())
    return ctx.reply_text("timezone.unknown", {{"value", words.front()}});
  auto& msg = ctx.message();
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), setting_atom::value, msg.platform,
              msg.author.id, user_setting::time_zone, zone)
    .then(
      [run, zone](bool stored) mutable {
        if (!stored)
          return run.reply_text("guard.registered");
        run.reply_text("timezone.set", {{"zone", zone}, {"time", clock_in(run, zone)}});
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

command_spec make_timezone() {
  command_spec spec{"timezone"};
  spec.aliases = {"tz", "fuso"};
  spec.args = {argument::text("time_zone")};
  spec.guards = guard_registered;
  spec.run = run_timezone;
  return spec;
}

} // namespace lastgram::command
