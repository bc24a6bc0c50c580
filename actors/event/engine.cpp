#include "actors/event/engine.hpp"

#include <chrono>
#include <string>

#include "caf/all.hpp"

#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/event/button_state.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/text.hpp"
#include "actors/support/exceptions.hpp"
#include "i18n/catalog.hpp"
#include "messages/cache.hpp"
#include "messages/command.hpp"
#include "messages/event.hpp"

namespace lastgram::event {

namespace {

/// Telegram shows at most 200 characters in the answer to a press.
constexpr std::size_t max_notice_chars = 200;

/// Extra wait for a command run beyond the command engine's own deadline:
/// the engine answers a run that overran itself, with an apology.
constexpr std::chrono::milliseconds run_margin{2000};

struct engine_state {
  std::shared_ptr<const command::environment> env;
  static inline const char* name = "event_engine";
};

using engine_actor = event_actor::stateful_pointer<engine_state>;

metrics::counter presses(std::string_view outcome) {
  return metrics::get_counter("lastgram_button_presses_total",
                              "Presses on action buttons, by outcome",
                              {{"outcome", outcome}});
}

press_result alert(std::string text) {
  press_result out;
  out.notice = clip_chars(std::move(text), max_notice_chars);
  out.alert = true;
  return out;
}

/// Counts and logs a press that ends in `outcome`.
void record(const button_press& press, std::string_view outcome, std::string_view detail = {}) {
  presses(outcome).inc();
  auto level = outcome == "failed" ? log_level::warn : log_level::debug;
  if (!log::enabled(level))
    return;
  log::write(level, "event", "button pressed",
             {{"outcome", std::string{outcome}},
              {"platform", to_string(press.platform)},
              {"chat", press.chat.id},
              {"user", press.from.id},
              {"detail", std::string{detail}}});
}

/// The press's answer to a run's result.
press_result answer(command_result res) {
  for (auto& r : res.replies)
    r.reply_to_message_id.clear();
  if (res.replies.empty())
    return {};
  if (res.outcome != command_outcome::ok)
    return alert(plain_text(res.replies.front().text));
  press_result out;
  out.edit = true;
  out.reply = std::move(res.replies.front());
  out.replies.assign(std::make_move_iterator(res.replies.begin() + 1),
                     std::make_move_iterator(res.replies.end()));
  return out;
}

void run(engine_actor self, button_press press, button_state state, std::string lang,
         caf::typed_response_promise<press_result> promise) {
  auto& env = *self->state.env;
  auto engine = env.engines ? env.engines->command.get() : command_actor{};
  button_command cmd;
  cmd.platform = press.platform;
  cmd.chat = press.chat;
  cmd.presser = press.from;
  cmd.message_id = press.message_id;
  cmd.command = std::move(state.command);
  cmd.args = std::move(state.args);
  auto timeout = std::chrono::milliseconds{env.settings.timeout_ms} + run_margin;
  self->request(engine, timeout, std::move(cmd))
    .then(
      [press, promise](command_result& res) mutable {
        auto failed = res.outcome == command_outcome::failed
                      || res.outcome == command_outcome::timed_out;
        record(press,
               res.outcome == command_outcome::ok ? "ok" : failed ? "failed" : "refused",
               to_string(res.outcome));
        promise.deliver(answer(std::move(res)));
      },
      [self, press, lang, promise](caf::error& err) mutable {
        record(press, "failed", self->system().render(err));
        auto key = err == caf::sec::request_timeout ? "errors.timeout" : "errors.generic";
        promise.deliver(alert(self->state.env->texts->format(lang, key)));
      });
}

caf::result<press_result> handle(engine_actor self, button_press& press) {
  auto& env = *self->state.env;
  auto lang = command::pick_language(env, press.from.language);
  auto token = token_of(press.data);
  if (token.empty()) {
    record(press, "invalid");
    return alert(env.texts->format(lang, "button.expired"));
  }
  auto cache = env.engines ? env.engines->caching.get() : cache_actor{};
  auto promise = self->make_response_promise<press_result>();
  auto key = std::string{cache_prefix};
  key += token;
  self->request(cache, env.engine_timeout, get_atom::value, std::move(key))
    .then(
      [self, press, lang, promise](cache_value& v) mutable {
        auto& texts = *self->state.env->texts;
        auto state = v.found ? decode(v.value) : std::nullopt;
        if (v.found && !state)
          log::warn("event", "malformed button state", {{"chat", press.chat.id}});
        if (!state || state->platform != press.platform) {
          record(press, "expired");
          promise.deliver(alert(texts.format(lang, "button.expired")));
          return;
        }
        if (!state->owner.empty() && state->owner != press.from.id) {
          record(press, "not_yours");
          promise.deliver(alert(texts.format(lang, "button.not_yours")));
          return;
        }
        run(self, std::move(press), std::move(*state), std::move(lang), promise);
      },
      [self, press, lang, promise](caf::error& err) mutable {
        record(press, "failed", self->system().render(err));
        promise.deliver(
          alert(self->state.env->texts->format(lang, "errors.storage_unavailable")));
      });
  return promise;
}

event_actor::behavior_type engine_impl(engine_actor self,
                                       std::shared_ptr<const command::environment> env) {
  keep_exception_text(self);
  self->state.env = std::move(env);
  return {
    [self](button_press& press) -> caf::result<press_result> { return handle(self, press); },
  };
}

} // namespace

event_actor spawn_engine(caf::local_actor* parent,
                         std::shared_ptr<const command::environment> env) {
  return parent->spawn(engine_impl, std::move(env));
}

} // namespace lastgram::event
