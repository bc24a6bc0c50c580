// guard_group_admin's fact: whether the author administers the group. Discord
// says so with the interaction (the member's permissions); Telegram is asked
// with getChatMember through this node's Telegram actor, and its answer is
// remembered for a minute so that a burst of admin commands asks once.

#include <string>

#include "caf/all.hpp"

#include "actors/command/engine_detail.hpp"
#include "actors/logging/log.hpp"
#include "messages/telegram.hpp"

namespace lastgram::command::detail {

void resolve_group_admin(engine_actor self, const incoming_message& msg, guard_facts facts,
                         std::function<void(guard_facts)> next, std::function<void()> failed) {
  auto& st = self->state;
  switch (msg.platform) {
    case platform_kind::console:
      // The console's only user runs the node.
      facts.is_group_admin = true;
      return next(facts);
    case platform_kind::discord:
      facts.is_group_admin = msg.author.group_admin;
      return next(facts);
    case platform_kind::telegram:
      break;
  }
  auto key = admin_cache::key(to_string(msg.platform), msg.chat.id, msg.author.id);
  if (auto known = st.admins.find(key, admin_cache::clock_type::now())) {
    facts.is_group_admin = *known;
    return next(facts);
  }
  auto telegram = st.env->telegram ? st.env->telegram() : telegram_actor{};
  if (!telegram) {
    log::warn("command", "no Telegram actor to ask getChatMember", {{"chat", msg.chat.id}});
    return failed();
  }
  self->request(telegram, st.env->engine_timeout, chat_member_atom::value, msg.chat.id,
                msg.author.id)
    .then(
      [self, key, facts, next](std::string& status) mutable {
        facts.is_group_admin = telegram_status_is_admin(status);
        self->state.admins.put(key, facts.is_group_admin, admin_cache::clock_type::now());
        next(facts);
      },
      [self, failed, chat = msg.chat.id](caf::error& err) {
        log::warn("command", "getChatMember failed",
                  {{"chat", chat}, {"error", self->system().render(err)}});
        failed();
      });
}

} // namespace lastgram::command::detail
