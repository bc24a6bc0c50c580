#include "actors/command/context.hpp"

#include "actors/command/registry.hpp"
#include "actors/event/button_state.hpp"
#include "actors/support/engines.hpp"
#include "actors/logging/log.hpp"
#include "messages/errors.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "caf/actor_system.hpp"
#include "caf/send.hpp"

namespace lastgram::command {

namespace {

/// How long finish() waits at most for the cache to store a run's buttons.
constexpr std::chrono::milliseconds button_store_deadline{3000};

/// Removes every button whose callback data is in `lost` (and rows left
/// empty) from the replies of `res`.
void drop_buttons(command_result& res, const std::vector<std::string>& lost) {
  auto is_lost = [&](const button& b) {
    return std::find(lost.begin(), lost.end(), b.callback_data) != lost.end();
  };
  auto empty_row = [](const std::vector<button>& row) { return row.empty(); };
  for (auto& reply : res.replies) {
    for (auto& row : reply.buttons)
      row.erase(std::remove_if(row.begin(), row.end(), is_lost), row.end());
    reply.buttons.erase(std::remove_if(reply.buttons.begin(), reply.buttons.end(), empty_row),
                        reply.buttons.end());
  }
}

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
  : state_(std::make_shared<state>(state{self, std::move(inv), std::move(promise), {}, false,
                                         false, command_outcome::ok, 0, {}, {}})) {
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
  flush(*state_);
}

void context::flush(state& st) {
  // A reply must not show a button before the cache can answer its press.
  if (!st.finished || st.pending_buttons > 0)
    return;
  if (!st.lost_buttons.empty()) {
    // A press would find nothing: better no button than an expired one.
    log::warn("command", "buttons not stored, left out",
              {{"cmd", st.inv->spec->name}, {"chat", st.inv->message.chat.id},
               log::kv("count", st.lost_buttons.size()), {"error", st.lost_reason}});
    drop_buttons(st.result, st.lost_buttons);
  }
  st.result.outcome = st.outcome;
  st.promise.deliver(std::move(st.result));
  // One actor per run: its work is done.
  st.self->quit();
}

button context::action_button(std::string label, std::string command,
                              std::vector<std::string> args, bool owner_only,
                              std::chrono::seconds ttl) {
  auto token = event::make_token();
  auto& msg = message();
  button out{std::move(label), {}, std::string{event::callback_prefix}};
  out.callback_data += token;
  // After finish() no reply can show it; storing it would only hold the run.
  if (state_->finished)
    return out;
  auto value = event::encode(event::button_state{
    msg.platform, owner_only ? msg.author.id : std::string{}, std::move(command), std::move(args)});
  ++state_->pending_buttons;
  auto timeout = std::min<std::chrono::milliseconds>(engine_timeout(), button_store_deadline);
  auto done = [st = state_, data = out.callback_data](bool stored, std::string why) {
    if (!stored) {
      st->lost_buttons.push_back(data);
      if (st->lost_reason.empty())
        st->lost_reason = std::move(why);
    }
    --st->pending_buttons;
    flush(*st);
  };
  self()
    ->request(cache(), timeout, put_atom::value, std::string{event::cache_prefix} + token,
              std::move(value), static_cast<std::int64_t>(ttl.count()))
    .then([done](bool stored) { done(stored, "cache refused the write"); },
          [done, sys = &self()->system()](caf::error& err) { done(false, sys->render(err)); });
  return out;
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
  return env().engines ? env().engines->database.get() : database_actor{};
}

fm_actor context::fm() const {
  return env().engines ? env().engines->fm.get() : fm_actor{};
}

lyrics_actor context::lyrics() const {
  return env().engines ? env().engines->lyrics.get() : lyrics_actor{};
}

image_actor context::image() const {
  return env().engines ? env().engines->image.get() : image_actor{};
}

indexer_actor context::indexer() const {
  return env().engines ? env().engines->indexer.get() : indexer_actor{};
}

cache_actor context::cache() const {
  return env().engines ? env().engines->caching.get() : cache_actor{};
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
