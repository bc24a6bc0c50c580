// privacy on|off: hides the author from global lists (/globalwhoknows shows
// "private user" instead of the name). In their own groups they stay visible.

#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

command_spec make_privacy() {
  command_spec spec{"privacy"};
  spec.args = {argument::choice("state", {"on", "off"}).required()};
  spec.guards = guard_registered;
  spec.run = [](context& ctx) {
    // Choices are checked case-insensitively: "ON" is on.
    auto word = ctx.command().words.at(0);
    bool on = word.size() == 2 && (word[0] | 0x20) == 'o' && (word[1] | 0x20) == 'n';
    auto& msg = ctx.message();
    ctx.defer();
    auto run = ctx;
    ctx.self()
      ->request(ctx.database(), ctx.engine_timeout(), setting_atom::value, msg.platform,
                msg.author.id, user_setting::private_mode, std::string{on ? "true" : "false"})
      .then([run, on](bool) mutable { run.reply_text(on ? "privacy.on" : "privacy.off"); },
            [run](caf::error& err) mutable { run.reply_error(err); });
  };
  return spec;
}

} // namespace lastgram::command
