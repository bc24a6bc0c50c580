#include "actors/command/context.hpp"

#include "actors/command/registry.hpp"

namespace lastgram::command {

context::context(caf::event_based_actor* self,
                 std::shared_ptr<const invocation> inv, promise_type promise)
  : state_(std::make_shared<state>(state{self, std::move(inv), std::move(promise),
                                         {}, false, false})) {
  state_->result.command = state_->inv->spec->name;
}

std::string context::text(std::string_view key,
                          std::initializer_list<i18n::arg> args) const {
  return env().texts->format(language(), key, args);
}

void context::reply(rich_text text) {
  outgoing_reply r;
  r.text = std::move(text);
  reply(std::move(r));
}

void context::reply(outgoing_reply r) {
  if (r.chat_id.empty())
    r.chat_id = message().chat.id;
  if (r.reply_to_message_id.empty())
    r.reply_to_message_id = message().message_id;
  state_->result.replies.push_back(std::move(r));
}

void context::finish() {
  if (state_->finished)
    return;
  state_->finished = true;
  state_->result.outcome = command_outcome::ok;
  state_->promise.deliver(std::move(state_->result));
  // One actor per run: its work is done.
  state_->self->quit();
}

} // namespace lastgram::command
