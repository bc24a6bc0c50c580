#include "actors/command/context.hpp"

#include "actors/command/registry.hpp"

#include <map>
#include <mutex>

#include "caf/send.hpp"

namespace lastgram::command {

namespace {

// Continuations scheduled with context::after, by id. A run's actor only
// understands run_atom and its own ticks, so a timer is a tick carrying the
// id of the continuation to resume.
struct timer_table {
  std::mutex mtx;
  std::map<std::uint64_t, std::function<void()>> pending;
  std::uint64_t next = 1;
};

timer_table& timers() {
  static timer_table table;
  return table;
}

} // namespace

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

namespace lastgram::command {

void context::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto& table = timers();
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> guard{table.mtx};
    id = table.next++;
    table.pending.emplace(id, std::move(fn));
  }
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self()), delay,
                         tick_atom::value, id);
}

void context::fire(caf::event_based_actor*, std::uint64_t id) {
  std::function<void()> fn;
  {
    auto& table = timers();
    std::lock_guard<std::mutex> guard{table.mtx};
    auto i = table.pending.find(id);
    if (i == table.pending.end())
      return;
    fn = std::move(i->second);
    table.pending.erase(i);
  }
  fn();
}

} // namespace lastgram::command
