#include "actors/command/context.hpp"

#include "actors/command/registry.hpp"
#include "actors/logging/log.hpp"
#include "messages/errors.hpp"

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
  // A run killed before its timer fires (e.g. at its deadline) never gets the
  // tick: forget the continuation when the run's actor ends.
  self()->attach_functor([id] {
    auto& t = timers();
    std::lock_guard<std::mutex> guard{t.mtx};
    t.pending.erase(id);
  });
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

namespace lastgram::command {

std::string context::subject_name() const {
  auto& inv = *state_->inv;
  auto& who = inv.replies_to_user ? inv.message.reply_to_author : inv.message.author;
  return who.display_name.empty() ? who.username : who.display_name;
}

database_actor context::database() const {
  return caf::actor_cast<database_actor>(env().engine ? env().engine("database") : caf::actor{});
}

fm_actor context::fm() const {
  return caf::actor_cast<fm_actor>(env().engine ? env().engine("fm") : caf::actor{});
}

cache_actor context::cache() const {
  return caf::actor_cast<cache_actor>(env().engine ? env().engine("caching") : caf::actor{});
}

void context::reply_text(std::string_view key, std::initializer_list<i18n::arg> args) {
  reply(text_builder{}.plain(text(key, args)).take());
  finish();
}

void context::reply_error(const caf::error& err, const std::string& name) {
  std::string key = "errors.generic";
  std::int64_t code = 0;
  if (auto db = db_code(err)) {
    key = "errors.storage_unavailable";
  } else if (auto fm = fm_code(err)) {
    code = static_cast<std::int64_t>(*fm);
    switch (*fm) {
      case fm::fm_errc::not_found: key = "fm.not_found"; break;
      case fm::fm_errc::login_required: key = "fm.private"; break;
      case fm::fm_errc::rate_limited: key = "fm.rate_limited"; break;
      case fm::fm_errc::busy: key = "fm.busy"; break;
      case fm::fm_errc::invalid_session: key = "fm.invalid_session"; break;
      case fm::fm_errc::suspended_key: key = "fm.suspended_key"; break;
      case fm::fm_errc::invalid_api_key: key = "fm.invalid_key"; break;
      default: key = "fm.unavailable"; break;
    }
  } else if (err == caf::sec::request_timeout) {
    key = "errors.timeout";
  }
  log::warn("command", "engine error answered",
            {{"cmd", spec().name}, {"chat", message().chat.id},
             {"error", self()->system().render(err)}});
  reply(text_builder{}
          .plain(text(key, {{"name", name.empty() ? subject_name() : name}, {"code", code}}))
          .take());
  finish();
}

} // namespace lastgram::command
