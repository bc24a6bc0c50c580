// Receiving: long polling with its stored offset (exactly one poller per
// cluster, resuming where its predecessor left), the holds that keep the
// stored offset before unanswered updates, and the webhook route.

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/server/http_server.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/wall_clock.hpp"
#include "messages/cache.hpp"
#include "messages/database.hpp"
#include "platforms/telegram/update.hpp"
#include "platforms/telegram/webhook.hpp"

namespace lastgram::multiplatform {

namespace detail {

namespace {

using namespace std::chrono_literals;
using telegram::api_result;
using telegram::parsed_update;

void schedule_poll(self_ptr self, std::chrono::milliseconds delay) {
  if (delay.count() <= 0)
    self->send(self, poll_atom::value);
  else
    self->delayed_send(self, delay, poll_atom::value);
}

/// Writes the offset a successor should resume from: the oldest polled
/// update not answered yet (those the durable inbox keeps do not count: a
/// successor takes them over from there), or the next one to fetch. One
/// write at a time; the database keeps the last.
void store_offset(self_ptr self) {
  auto& st = self->state;
  auto target = st.offset;
  for (auto& [id, holds] : st.open)
    if (!in_inbox(self, id)) {
      target = std::min(target, id);
      break;
    }
  if (target <= st.stored_offset)
    return;
  if (st.storing) {
    st.store_again = true;
    return;
  }
  auto db = st.opts->engines->database.get();
  if (!db)
    return;
  st.storing = true;
  self->request(db, 5s, state_atom::value, std::string{offset_key}, std::to_string(target))
    .then(
      [self, target](bool) {
        auto& state = self->state;
        state.storing = false;
        state.stored_offset = std::max(state.stored_offset, target);
        if (std::exchange(state.store_again, false))
          store_offset(self);
        finish_drains(self);
      },
      [self](const caf::error&) {
        auto& state = self->state;
        state.storing = false;
        state.store_again = false;
        log::warn("telegram", "could not store the polling offset");
        finish_drains(self);
      });
}

void load_offset_then_poll(self_ptr self) {
  auto db = self->state.opts->engines->database.get();
  if (!db) {
    schedule_poll(self, 0ms);
    return;
  }
  self->request(db, 10s, state_atom::value, std::string{offset_key})
    .then(
      [self](const std::string& stored) {
        auto& st = self->state;
        st.offset = std::max(st.offset, to_id(stored));
        st.stored_offset = std::max(st.stored_offset, to_id(stored));
        log::info("telegram", "polling", {log::kv("offset", st.offset)});
        schedule_poll(self, 0ms);
      },
      [self](const caf::error&) {
        log::warn("telegram", "no stored polling offset (database unavailable), starting "
                              "from Telegram's own");
        schedule_poll(self, 0ms);
      });
}

/// Parses a getUpdates batch: advances the offset past every update, holds
/// and returns those that parse. False when the batch itself is malformed.
bool take_batch(self_ptr self, const api_result& res, std::vector<polled_update>& out) {
  auto& st = self->state;
  auto batch = telegram::parse_updates(res.result_json);
  if (!batch) {
    st.m.updates_malformed.inc();
    log::warn("telegram", "getUpdates answered a malformed batch",
              {{"error", batch.error().message}});
    return false;
  }
  out.reserve(batch.value().size());
  auto received = unix_ms_now();
  for (auto& raw : batch.value()) {
    if (raw.update_id < st.offset)
      continue;
    st.offset = raw.update_id + 1;
    auto parsed = telegram::parse_update(raw.json);
    if (!parsed) {
      st.m.updates_malformed.inc();
      log::warn("telegram", "skipping a malformed update",
                {log::kv("update_id", raw.update_id), {"error", parsed.error().message}});
      continue;
    }
    hold(self, raw.update_id);
    parsed.value().message.received_at_ms = received;
    out.push_back(polled_update{std::move(parsed).value(), std::move(raw.json)});
  }
  return true;
}

/// Handles a polled batch in order, skipping the updates a predecessor
/// answered (it died before storing the offset past them: they are marked
/// done in the cache), then fetches the next batch.
void handle_batch(self_ptr self, std::vector<polled_update> updates) {
  auto cache = self->state.opts->engines->caching.get();
  if (updates.empty() || !cache) {
    for (auto& p : updates) {
      on_update(self, p.update, true);
      release(self, p.update.update_id);
    }
    schedule_poll(self, 0ms);
    return;
  }
  struct batch_check {
    std::vector<polled_update> updates;
    std::vector<bool> done;
    std::size_t waiting = 0;
  };
  auto check = std::make_shared<batch_check>();
  check->updates = std::move(updates);
  check->done.assign(check->updates.size(), false);
  check->waiting = check->updates.size();
  auto finish = [self, check] {
    for (std::size_t n = 0; n < check->updates.size(); ++n) {
      auto& u = check->updates[n].update;
      if (check->done[n])
        self->state.m.updates_duplicate.inc();
      else
        on_update(self, u, true);
      release(self, u.update_id);
    }
    schedule_poll(self, 0ms);
  };
  for (std::size_t n = 0; n < check->updates.size(); ++n) {
    auto key = std::string{done_prefix} + std::to_string(check->updates[n].update.update_id);
    self->request(cache, 2s, get_atom::value, std::move(key))
      .then(
        [check, n, finish](const cache_value& v) {
          check->done[n] = v.found;
          if (--check->waiting == 0)
            finish();
        },
        [check, finish](const caf::error&) {
          if (--check->waiting == 0)
            finish();
        });
  }
}

} // namespace

void hold(self_ptr self, std::int64_t update_id) {
  if (update_id != 0)
    ++self->state.open[update_id];
}

void release(self_ptr self, std::int64_t update_id) {
  auto& st = self->state;
  if (update_id == 0)
    return;
  auto i = st.open.find(update_id);
  if (i == st.open.end() || --i->second > 0)
    return;
  st.open.erase(i);
  // One update fewer in the backlog (even one that sent nothing).
  resume_polling(self);
  if (in_inbox(self, update_id)) {
    inbox_done(self, update_id);
    return;
  }
  if (auto cache = st.opts->engines->caching.get())
    self->request(cache, 5s, put_atom::value, std::string{done_prefix} + std::to_string(update_id),
                  std::string{"1"}, done_ttl_seconds)
      .then([](bool) {}, [](const caf::error&) {});
  store_offset(self);
}

void unhold(self_ptr self, std::int64_t update_id) {
  auto& st = self->state;
  auto i = st.open.find(update_id);
  if (i == st.open.end() || --i->second > 0)
    return;
  st.open.erase(i);
  store_offset(self);
}

void poll(self_ptr self) {
  auto& st = self->state;
  if (st.stopped)
    return;
  bool allowed = !st.opts->may_poll || st.opts->may_poll();
  if (!allowed) {
    if (st.leader)
      log::info("telegram", "another node polls now");
    st.leader = false;
    schedule_poll(self, 1s);
    return;
  }
  if (!st.leader) {
    // Taking over (or starting): resume from the stored offset.
    st.leader = true;
    load_offset_then_poll(self);
    return;
  }
  if (backlog(st) >= outgoing_bound(st)) {
    // The answers already here (or still being made) take a while to go
    // out: fetching more would only queue them longer. resume_polling picks
    // up as sends complete and updates are answered.
    st.poll_waiting = true;
    st.m.poll_waits.inc();
    return;
  }
  st.api->get_updates(st.offset, static_cast<int>(st.opts->settings.poll_timeout_seconds),
                      telegram::allowed_updates(), back_to(self, polled_atom::value));
}

void resume_polling(self_ptr self) {
  auto& st = self->state;
  if (!st.poll_waiting || st.stopped || backlog(st) > outgoing_bound(st) / 2)
    return;
  st.poll_waiting = false;
  schedule_poll(self, 0ms);
}

void on_polled(self_ptr self, api_result& res) {
  auto& st = self->state;
  if (st.stopped)
    return;
  if (!res.ok) {
    st.poll_backoff = next_backoff(st.poll_backoff);
    log::warn("telegram", "getUpdates failed",
              {log::kv("code", res.error_code), {"description", res.description},
               log::kv("retry_in_ms", static_cast<std::int64_t>(st.poll_backoff.count()))});
    schedule_poll(self, st.poll_backoff);
    return;
  }
  st.poll_backoff = 0ms;
  st.m.backlog.set(static_cast<double>(self->mailbox().size()));
  std::vector<polled_update> updates;
  if (!take_batch(self, res, updates)) {
    schedule_poll(self, 1s);
    return;
  }
  store_offset(self);
  // The next getUpdates confirms this batch to Telegram, which then forgets
  // it: it is stored first, so a process killed now loses nothing.
  record_polled(self, std::move(updates), [self](std::vector<polled_update> rest) {
    handle_batch(self, std::move(rest));
  });
}

void start_polling(self_ptr self) {
  auto& st = self->state;
  st.polling = true;
  st.api->delete_webhook(false, [](api_result r) {
    if (!r.ok)
      log::warn("telegram", "deleteWebhook failed",
                {log::kv("code", r.error_code), {"description", r.description}});
  });
  schedule_poll(self, 0ms);
}

} // namespace detail

void add_webhook_route(server::http_server& srv, const telegram_settings& settings,
                       std::function<telegram_actor()> telegram) {
  auto rejected = [](std::string_view reason) {
    return metrics::get_counter("lastgram_telegram_webhook_rejected_total",
                                "Webhook requests refused, by reason.", {{"reason", reason}});
  };
  srv.route("POST", telegram::webhook_route(settings),
            [secret = settings.webhook_secret, telegram = std::move(telegram),
             malformed = rejected("malformed"), unauthorized = rejected("secret"),
             unrecorded = rejected("not_recorded")](
              const server::http_request& req, server::responder reply) {
              if (!telegram::secret_matches(req.header(telegram::secret_header), secret)) {
                unauthorized.inc();
                reply({401, "text/plain; charset=utf-8", "unauthorized\n", {}});
                return;
              }
              // Parsed here, once: a body that is not an update gets 400 and
              // the actor receives the typed update.
              auto parsed = telegram::parse_update(req.body);
              if (!parsed) {
                malformed.inc();
                log::warn("telegram", "webhook body is not an update",
                          {{"error", parsed.error().message}});
                reply({400, "text/plain; charset=utf-8", "bad update\n", {}});
                return;
              }
              parsed.value().message.received_at_ms = unix_ms_now();
              auto hdl = telegram();
              if (!hdl) {
                reply({503, "text/plain; charset=utf-8", "not ready\n", {}});
                return;
              }
              // 200 only once the update is stored durably (a one-shot actor
              // waits for that, so this thread never waits for the system);
              // otherwise 503, and Telegram delivers it again later.
              hdl.home_system().spawn([hdl, reply, unrecorded, u = std::move(parsed).value(),
                                       body = req.body](caf::event_based_actor* self) mutable {
                self->request(hdl, std::chrono::seconds{10}, tg_update_atom::value, std::move(u),
                              std::move(body))
                  .then(
                    [self, reply](bool) {
                      reply({200, "text/plain; charset=utf-8", "ok\n", {}});
                      self->quit();
                    },
                    [self, reply, unrecorded](const caf::error&) {
                      unrecorded.inc();
                      reply({503, "text/plain; charset=utf-8", "not recorded\n", {}});
                      self->quit();
                    });
              });
            });
}

} // namespace lastgram::multiplatform
