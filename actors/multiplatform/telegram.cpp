#include "actors/multiplatform/telegram.hpp"

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/support/text.hpp"
#include "platforms/telegram/update.hpp"

namespace lastgram::multiplatform {

namespace detail {

metric_set make_metrics() {
  auto updates = [](std::string_view kind) {
    return metrics::get_counter("lastgram_telegram_updates_total",
                                "Telegram updates received, by kind.", {{"kind", kind}});
  };
  metric_set m;
  m.updates_message = updates("message");
  m.updates_edited = updates("edited_message");
  m.updates_callback = updates("callback_query");
  m.updates_inline = updates("inline_query");
  m.updates_member = updates("my_chat_member");
  m.updates_unsupported = updates("unsupported");
  m.updates_malformed = updates("malformed");
  m.updates_duplicate = updates("duplicate");
  m.sends_dropped = metrics::get_counter(
    "lastgram_telegram_sends_dropped_total",
    "Outgoing Telegram messages given up (queue full, chat blocked, errors).");
  m.queue = metrics::get_gauge("lastgram_telegram_send_queue",
                               "Outgoing Telegram messages waiting for the limiter.");
  m.poll_waits = metrics::get_counter(
    "lastgram_telegram_poll_waits_total",
    "Times polling waited for the outgoing messages to drain before fetching more.");
  m.backlog = metrics::get_gauge("lastgram_mailbox_backlog",
                                 "Messages waiting in an engine's mailbox",
                                 {{"engine", "telegram"}});
  return m;
}

} // namespace detail

namespace {

using namespace std::chrono_literals;
using namespace detail;
using telegram::api_result;

void ask_me(self_ptr self) {
  self->state.api->get_me(back_to(self, me_atom::value));
}

/// Learns the bot's username (to tell "/cmd@ourbot" from "/cmd@otherbot"),
/// then starts polling in polling mode; retried with backoff until it works.
void on_me(self_ptr self, api_result& res) {
  auto& st = self->state;
  std::optional<telegram::bot_identity> who;
  if (res.ok)
    if (auto parsed = telegram::parse_get_me(res.result_json))
      who = std::move(parsed).value();
  if (!who) {
    st.me_backoff = std::min<std::chrono::milliseconds>(next_backoff(st.me_backoff), 60s);
    log::error("telegram", res.error_code == 401 ? "the bot token was refused" : "getMe failed",
               {log::kv("code", res.error_code), {"description", res.description},
                log::kv("retry_in_ms", static_cast<std::int64_t>(st.me_backoff.count()))});
    self->delayed_send(self, st.me_backoff, me_atom::value);
    return;
  }
  st.username = to_lower_ascii(who->username);
  log::info("telegram", "connected",
            {{"bot", who->username}, {"mode", to_string(st.opts->settings.mode)}});
  if (st.opts->settings.mode == telegram_mode::polling && !st.polling && !st.stopped)
    start_polling(self);
}

/// Stops polling and answers, with what is left, once every queued message
/// went out or the deadline passed.
caf::result<std::int64_t> drain(self_ptr self, std::int64_t deadline_ms) {
  auto& st = self->state;
  st.stopped = true;
  auto rp = self->make_response_promise<std::int64_t>();
  st.drains.emplace_back(rp, clock_type::now() + std::chrono::milliseconds{deadline_ms});
  self->delayed_send(self, std::chrono::milliseconds{deadline_ms}, tick_atom::value);
  finish_drains(self);
  return rp;
}

/// getChatMember for the command engine's admin guard.
caf::result<std::string> ask_member(self_ptr self, const std::string& chat,
                                    const std::string& user) {
  auto chat_id = to_id(chat);
  auto user_id = to_id(user);
  if (chat_id == 0 || user_id == 0)
    return caf::make_error(caf::sec::invalid_argument, "not a Telegram chat or user id");
  auto& st = self->state;
  auto id = st.next_member_ask++;
  auto rp = self->make_response_promise<std::string>();
  st.member_asks.emplace(id, rp);
  st.api->get_chat_member(chat_id, user_id, back_to(self, member_asked_atom::value, id));
  return rp;
}

void on_member(self_ptr self, std::uint64_t id, api_result& res) {
  auto i = self->state.member_asks.find(id);
  if (i == self->state.member_asks.end())
    return;
  auto rp = std::move(i->second);
  self->state.member_asks.erase(i);
  if (res.ok)
    if (auto status = telegram::parse_chat_member_status(res.result_json)) {
      rp.deliver(std::move(status).value());
      return;
    }
  log::warn("telegram", "getChatMember failed",
            {log::kv("code", res.error_code), {"description", res.description}});
  rp.deliver(caf::make_error(caf::sec::runtime_error, "getChatMember failed"));
}

void configure(self_ptr self, std::shared_ptr<const telegram_options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  auto& s = st.opts->settings;
  telegram::send_limits limits;
  limits.global_per_second = static_cast<double>(s.global_per_second);
  limits.private_per_second = static_cast<double>(s.private_per_second);
  limits.group_per_minute = static_cast<double>(s.group_per_minute);
  limits.max_queued = static_cast<std::size_t>(s.max_queued);
  st.limiter = telegram::send_limiter{limits};
  st.claims.setup(platform_kind::telegram, s.inbox_lease_seconds, s.inbox_retention_hours);
  st.claims.direct = st.opts->direct_db;
  st.api = std::make_shared<telegram::bot_api>(
    s.api_url, s.token, st.opts->http, [](std::string_view method, std::string_view code) {
      metrics::get_counter("lastgram_telegram_requests_total",
                           "Bot API calls by method and outcome (HTTP/Telegram code or "
                           "\"network\").",
                           {{"method", method}, {"code", code}})
        .inc();
    });
}

telegram_impl_actor::behavior_type telegram_impl(self_ptr self,
                                                 std::shared_ptr<const telegram_options> opts) {
  configure(self, std::move(opts));
  ask_me(self);
  sweep_inbox(self);
  return {
    [self](me_atom) { ask_me(self); },
    [self](me_atom, api_result& res) { on_me(self, res); },
    [self](poll_atom) { poll(self); },
    [self](polled_atom, api_result& res) { on_polled(self, res); },
    [self](sent_atom, std::uint64_t id, api_result& res) { on_sent(self, id, res); },
    [self](tick_atom) {
      self->state.timer_due.reset();
      pump(self);
      finish_drains(self);
    },
    [self](tg_update_atom, telegram::parsed_update& u) { on_update(self, u); },
    [self](tg_update_atom, telegram::parsed_update& u, std::string& payload) {
      return record_update(self, std::move(u), std::move(payload));
    },
    [self](sweep_atom) { sweep_inbox(self); },
    [self](inbox_remark_atom, const std::string& id, inbox_mark which, std::int32_t attempt) {
      inbox_remark(self, id, which, attempt);
    },
    [self](shutdown_atom) { self->state.stopped = true; },
    [self](drain_atom, std::int64_t deadline_ms) { return drain(self, deadline_ms); },
    [self](chat_member_atom, const std::string& chat, const std::string& user) {
      return ask_member(self, chat, user);
    },
    [self](member_asked_atom, std::uint64_t id, api_result& res) { on_member(self, id, res); },
  };
}

} // namespace

telegram_actor spawn_telegram(caf::local_actor* parent,
                              std::shared_ptr<const telegram_options> opts) {
  return parent->spawn(telegram_impl, std::move(opts));
}

} // namespace lastgram::multiplatform
