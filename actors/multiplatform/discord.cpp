#include "actors/multiplatform/discord.hpp"

#include <rapidjson/document.h>

#include "actors/command/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/multiplatform/discord_state.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/wall_clock.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/event.hpp"
#include "platforms/discord/markdown.hpp"

namespace lastgram::multiplatform {

namespace {

using namespace std::chrono_literals;
using namespace detail;
using discord::interaction;
using discord::interaction_type;

/// Interaction callback types.
constexpr int reply_now = 4;
constexpr int defer_reply = 5;
constexpr int defer_update = 6;
constexpr int update_message = 7;
constexpr int autocomplete_result = 8;

std::string callback(int type, const std::string& data_json = {}) {
  std::string out = "{\"type\":" + std::to_string(type);
  if (!data_json.empty())
    out += ",\"data\":" + data_json;
  return out + "}";
}

std::string app_id(dc_self self, const interaction& i) {
  return i.application_id.empty() ? self->state.opts->settings.application_id : i.application_id;
}

std::string webhook_path(dc_self self, const interaction& i) {
  return "/webhooks/" + app_id(self, i) + "/" + i.token;
}

/// Whether the interaction is new; Discord may deliver one again (a gateway
/// resume) and it must be answered once.
bool first_time(dc_self self, const std::string& id) {
  auto& st = self->state;
  if (!st.seen.insert(id).second)
    return false;
  st.seen_order.push_back(id);
  if (st.seen_order.size() > seen_capacity) {
    st.seen.erase(st.seen_order.front());
    st.seen_order.erase(st.seen_order.begin());
  }
  return true;
}

/// The picture of `r` to upload with it, or null.
std::shared_ptr<const std::string> picture_of(const outgoing_reply& r) {
  return r.photo_jpeg.empty() ? nullptr : std::make_shared<const std::string>(r.photo_jpeg);
}

/// Sends an interaction's first answer `first` (a message, or a changed
/// one when `edit`). A picture goes as an upload: in the callback itself
/// over REST (gateway), or, since an HTTP answer carries no file, as a
/// deferral followed by an edit of @original.
void answer_first(dc_self self, open_interaction& job, const outgoing_reply& first, bool edit) {
  auto path = webhook_path(self, job.what);
  auto body = discord::message_json(first);
  auto picture = picture_of(first);
  rest_purpose waits{job.inbox_id, false, true, job.what.user.language};
  if (job.answered) {
    rest_send(self, "PATCH", path + "/messages/@original", body, 60s, picture, 0ms, waits);
  } else if (!picture) {
    job.answer(callback(edit ? update_message : reply_now, body));
  } else if (!job.callback_path.empty()) {
    rest_send(self, "POST", job.callback_path, callback(edit ? update_message : reply_now, body),
              3s, picture, 0ms, rest_purpose{job.inbox_id, true, false, {}});
  } else {
    job.answer(callback(edit ? defer_update : defer_reply));
    // The edit waits a moment so that Discord has our HTTP answer (the
    // deferral) before @original is touched.
    rest_send(self, "PATCH", path + "/messages/@original", body, 60s, picture, 300ms, waits);
  }
}

/// Finishes an interaction with `first` (a message body) and `more`
/// (follow-ups): as its callback when it was not answered yet, else by
/// editing @original. `edit` answers a component by changing its message.
void finish(dc_self self, const std::string& id, const outgoing_reply* first,
            const std::vector<outgoing_reply>& more, bool edit) {
  auto& st = self->state;
  auto it = st.open.find(id);
  if (it == st.open.end())
    return;
  auto job = std::move(it->second);
  st.open.erase(it);
  auto path = webhook_path(self, job.what);
  if (first != nullptr)
    answer_first(self, job, *first, edit);
  else if (!job.answered)
    job.answer(callback(defer_update));
  for (const auto& r : more)
    rest_send(self, "POST", path, discord::message_json(r), 60s, picture_of(r), 0ms,
              rest_purpose{job.inbox_id, false, true, job.what.user.language});
  if (!job.inbox_id.empty())
    inbox_finished(self, job.inbox_id);
  finish_drains(self);
}

/// Defers an interaction still waiting for its answer.
void defer(dc_self self, const std::string& id) {
  auto& st = self->state;
  auto it = st.open.find(id);
  if (it == st.open.end() || it->second.answered)
    return;
  it->second.answered = true;
  st.deferred.inc();
  bool component = it->second.what.type == interaction_type::message_component;
  it->second.answer(callback(component ? defer_update : defer_reply));
}

void remember_group(dc_self self, const chat_ref& chat) {
  auto& st = self->state;
  if (chat.kind != chat_kind::group || !st.known_groups.insert(chat.id).second)
    return;
  auto db = st.opts->engines->database.get();
  if (!db)
    return;
  self->request(db, 5s, group_atom::value, platform_kind::discord, chat.id, chat.title)
    .then([](const group_record&) {},
          [self, id = chat.id](const caf::error&) { self->state.known_groups.erase(id); });
}

void run_command(dc_self self, interaction i) {
  auto& st = self->state;
  if (i.cmd_type == discord::command_type::user) {
    // A user menu ("Now playing" on a member) runs its command about the
    // member it was opened on (i.target).
    auto menu = st.opts->user_menus.find(i.command_name);
    if (menu == st.opts->user_menus.end()) {
      auto r = plain_reply(self, i.user.language, "errors.generic");
      finish(self, i.id, &r, {}, false);
      return;
    }
    i.command_name = menu->second;
    i.options.clear();
  }
  auto declared = st.opts->declared_options ? st.opts->declared_options(i.command_name)
                                            : std::vector<std::string>{};
  auto msg = discord::to_message(i, declared);
  msg.received_at_ms = unix_ms_now();
  remember_group(self, msg.chat);
  auto engine = st.opts->engines->command.get();
  if (!engine) {
    auto r = plain_reply(self, msg.author.language, "errors.generic");
    finish(self, i.id, &r, {}, false);
    return;
  }
  self->request(engine, st.opts->command_timeout, msg)
    .then(
      [self, id = i.id, lang = msg.author.language](command_result& res) {
        if (res.replies.empty()) {
          auto r = plain_reply(self, lang, "errors.generic");
          finish(self, id, &r, {}, false);
          return;
        }
        std::vector<outgoing_reply> more(res.replies.begin() + 1, res.replies.end());
        finish(self, id, &res.replies.front(), more, false);
      },
      [self, id = i.id, lang = msg.author.language](const caf::error& err) {
        auto r = plain_reply(self, lang,
                             err == caf::sec::request_timeout ? "errors.timeout"
                                                              : "errors.generic");
        finish(self, id, &r, {}, false);
      });
}

void run_press(dc_self self, const interaction& i) {
  auto& st = self->state;
  auto events = st.opts->engines->event.get();
  auto lang = i.user.language;
  if (!events) {
    auto r = plain_reply(self, lang, "errors.generic");
    finish(self, i.id, &r, {}, false);
    return;
  }
  self->request(events, st.opts->command_timeout, discord::to_press(i))
    .then(
      [self, id = i.id](press_result& res) {
        std::vector<outgoing_reply> more = res.replies;
        if (!res.notice.empty() && !res.edit) {
          // A notice alone (an expired or foreign button) goes to the
          // presser only.
          outgoing_reply note;
          note.ephemeral = true;
          note.text.push_back(text_span{res.notice, style_plain, {}});
          finish(self, id, &note, more, false);
          return;
        }
        finish(self, id, res.edit ? &res.reply : nullptr, more, res.edit);
      },
      [self, id = i.id, lang](const caf::error&) {
        auto r = plain_reply(self, lang, "errors.generic");
        finish(self, id, &r, {}, false);
      });
}

/// A gateway dispatch: interactions are answered by REST; a server the bot
/// was removed from (GUILD_DELETE without `unavailable`) becomes inactive.
void on_dispatch(dc_self self, const std::string& event, const std::string& d) {
  if (event == "INTERACTION_CREATE") {
    auto parsed = discord::parse_interaction(d);
    if (!parsed) {
      log::warn("discord", "malformed interaction dispatch", {{"error", parsed.error()}});
      return;
    }
    auto type = parsed->type;
    if (type == interaction_type::application_command
        || type == interaction_type::message_component) {
      // What may be deferred goes through the durable inbox.
      record_interaction(self, std::move(parsed).value(), d);
      return;
    }
    auto path = "/interactions/" + parsed->id + "/" + parsed->token + "/callback";
    on_interaction(
      self, std::move(parsed).value(),
      [self, path](std::string body) { send_callback(self, path, std::move(body), {}); }, path);
    return;
  }
  if (event != "GUILD_DELETE")
    return;
  rapidjson::Document doc;
  doc.Parse(d.c_str());
  if (!doc.IsObject() || !doc.HasMember("id") || !doc["id"].IsString())
    return;
  if (doc.HasMember("unavailable") && doc["unavailable"].IsBool() && doc["unavailable"].GetBool())
    return; // an outage, not a removal
  std::string guild = doc["id"].GetString();
  self->state.known_groups.erase(guild);
  log::info("discord", "removed from a server", {{"guild", guild}});
  if (auto db = self->state.opts->engines->database.get())
    self->request(db, 5s, reachable_atom::value, platform_kind::discord, guild, chat_kind::group,
                  false)
      .then([](bool) {},
            [guild](const caf::error&) {
              log::warn("discord", "could not store a membership change", {{"guild", guild}});
            });
}

caf::result<std::string> on_http_interaction(dc_self self, const std::string& body) {
  auto parsed = discord::parse_interaction(body);
  if (!parsed)
    return std::string{callback(1)}; // the route parsed it already
  auto rp = self->make_response_promise<std::string>();
  on_interaction(self, std::move(parsed).value(),
                 [rp](std::string answer) mutable { rp.deliver(std::move(answer)); });
  return rp;
}

discord_impl_actor::behavior_type discord_impl(dc_self self,
                                               std::shared_ptr<const discord_options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.rest = std::make_shared<discord::rest_client>(
    st.opts->settings.api_url, st.opts->settings.token, st.opts->http,
    [](std::string_view route, std::string_view code) {
      metrics::get_counter("lastgram_discord_requests_total",
                           "Discord REST calls by route and outcome (HTTP status or "
                           "\"network\").",
                           {{"route", route}, {"code", code}})
        .inc();
    });
  st.interactions = metrics::get_counter("lastgram_discord_interactions_total",
                                         "Discord interactions received.");
  st.deferred = metrics::get_counter("lastgram_discord_deferred_total",
                                     "Discord interactions deferred (answer not ready in time).");
  st.too_late = metrics::get_counter("lastgram_discord_unknown_interaction_total",
                                     "Discord answers refused as too late (error 10062).");
  st.gave_up = metrics::get_counter("lastgram_discord_rest_gave_up_total",
                                    "Discord REST calls given up after repeated 5xx, 429 or "
                                    "network errors.");
  start_inbox(self);
  return {
    [self](discord::dispatch_atom, const std::string& event, std::int32_t,
           const std::string& d) { on_dispatch(self, event, d); },
    [self](discord::interaction_atom, const std::string& body) {
      return on_http_interaction(self, body);
    },
    [self](dc_defer_atom, const std::string& id) { defer(self, id); },
    [self](dc_rest_atom, std::uint64_t id) { rest_go(self, id); },
    [self](dc_done_atom, std::uint64_t id, discord::rest_result& res) {
      rest_done(self, id, res);
    },
    [self](drain_atom, std::int64_t deadline_ms) -> caf::result<std::int64_t> {
      auto& state = self->state;
      state.stopped = true;
      auto rp = self->make_response_promise<std::int64_t>();
      state.drains.emplace_back(rp, dc_clock::now() + std::chrono::milliseconds{deadline_ms});
      self->delayed_send(self, std::chrono::milliseconds{deadline_ms}, tick_atom::value);
      finish_drains(self);
      return rp;
    },
    [self](tick_atom) { finish_drains(self); },
    [self](dc_sweep_atom) { sweep_inbox(self); },
    [self](inbox_remark_atom, const std::string& id, inbox_mark which, std::int32_t attempt) {
      inbox_remark(self, id, which, attempt);
    },
    [self](shutdown_atom) { self->state.stopped = true; },
  };
}

} // namespace

namespace detail {

outgoing_reply plain_reply(dc_self self, const std::string& hint, std::string_view key) {
  auto& opts = *self->state.opts;
  outgoing_reply r;
  r.ephemeral = true;
  r.text.push_back(text_span{
    opts.texts->format(command::pick_language(*opts.texts, opts.default_language, hint), key),
    style_plain, {}});
  return r;
}

void send_callback(dc_self self, const std::string& path, std::string body,
                   const std::string& inbox_id) {
  rest_send(self, "POST", path, std::move(body), 3s, nullptr, 0ms,
            rest_purpose{inbox_id, true, false, {}});
}

void on_interaction(dc_self self, interaction i, std::function<void(std::string)> answer,
                    std::string callback_path, std::string inbox_id) {
  auto& st = self->state;
  if (i.type == interaction_type::ping) {
    answer(callback(1));
    return;
  }
  if (!first_time(self, i.id)) {
    if (!inbox_id.empty())
      inbox_finished(self, inbox_id);
    return;
  }
  st.interactions.inc();
  if (i.type == interaction_type::autocomplete) {
    // Never kept in the inbox: a suggestion is worthless after 3 s.
    if (st.stopped)
      answer(callback(autocomplete_result, "{\"choices\":[]}"));
    else
      run_autocomplete(self, i, std::move(answer));
    return;
  }
  if (st.stopped) {
    // Draining: the node takes no new work; say so rather than stay silent.
    auto r = plain_reply(self, i.user.language, "errors.shutting_down");
    answer(callback(reply_now, discord::message_json(r)));
    if (!inbox_id.empty())
      inbox_finished(self, inbox_id);
    return;
  }
  if (i.type != interaction_type::application_command
      && i.type != interaction_type::message_component) {
    answer(callback(defer_update));
    if (!inbox_id.empty())
      inbox_finished(self, inbox_id);
    return;
  }
  auto id = i.id;
  st.open[id] = open_interaction{i, std::move(answer), false, std::move(callback_path),
                                 std::move(inbox_id)};
  self->delayed_send(self, st.opts->answer_within, dc_defer_atom::value, id);
  if (i.type == interaction_type::application_command)
    run_command(self, i);
  else
    run_press(self, i);
}

void rerun_acknowledged(dc_self self, interaction i) {
  auto& st = self->state;
  // Remembered, so that a gateway re-delivery is not run a third time.
  first_time(self, i.id);
  auto id = i.id;
  auto path = "/interactions/" + i.id + "/" + i.token + "/callback";
  // Acknowledged already: every answer edits @original or follows up.
  st.open[id] = open_interaction{i, [](std::string) {}, true, path, id};
  if (i.type == interaction_type::application_command)
    run_command(self, i);
  else
    run_press(self, i);
}

} // namespace detail

discord_actor spawn_discord(caf::local_actor* parent,
                            std::shared_ptr<const discord_options> opts) {
  return parent->spawn(discord_impl, std::move(opts));
}

} // namespace lastgram::multiplatform
