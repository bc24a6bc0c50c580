#include "actors/multiplatform/telegram.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "caf/all.hpp"

#include "actors/command/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/server/http_server.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/text.hpp"
#include "i18n/catalog.hpp"
#include "messages/atoms.hpp"
#include "messages/cache.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/event.hpp"
#include "platforms/telegram/bot_api.hpp"
#include "platforms/telegram/html.hpp"
#include "platforms/telegram/send_limiter.hpp"
#include "platforms/telegram/webhook.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lastgram::telegram::api_result)

namespace lastgram::multiplatform {

namespace {

using namespace std::chrono_literals;
using telegram::api_result;
using telegram::parsed_update;
using telegram::update_kind;
using clock_type = std::chrono::steady_clock;

using me_atom = caf::atom_constant<caf::atom("tgme")>;
using poll_atom = caf::atom_constant<caf::atom("tgpoll")>;
using polled_atom = caf::atom_constant<caf::atom("tgpolled")>;
using sent_atom = caf::atom_constant<caf::atom("tgsent")>;

/// The key of the polling offset in the database's platform state.
constexpr std::string_view offset_key = "telegram.offset";
/// Cache keys marking a polled update as answered, for a poller that takes
/// over and fetches again what its predecessor may have answered.
constexpr std::string_view done_prefix = "telegram:done:";
constexpr std::int64_t done_ttl_seconds = 86400;
/// Update ids remembered to drop a webhook update Telegram delivers twice.
constexpr std::size_t seen_updates_capacity = 8192;
/// Group chats remembered as stored in the database.
constexpr std::size_t known_groups_capacity = 100000;
/// Attempts of one send after network errors and 5xx answers.
constexpr int max_send_attempts = 4;

/// One message waiting for the limiter.
struct pending_send {
  enum kind_t : std::uint8_t { text, photo, edit } kind = text;
  std::int64_t chat_id = 0;
  /// The text, or the caption of a photo.
  std::string html;
  std::string photo_url;
  std::int64_t reply_to = 0;
  /// The edited message (kind edit).
  std::int64_t message_id = 0;
  std::string keyboard;
  bool disable_preview = true;
  int attempts = 0;
  /// For the operator's log line.
  std::string command;
  /// The polled update this message answers (0: not tracked).
  std::int64_t update_id = 0;
  /// Handed to the Bot API, answer pending (not in the limiter).
  bool sending = false;
};

/// The answers of an inline query, collected from three command runs.
struct inline_job {
  std::string query_id;
  std::vector<std::pair<std::string, command_result>> results;
  int remaining = 0;
};

struct metric_set {
  metrics::counter updates_message;
  metrics::counter updates_edited;
  metrics::counter updates_callback;
  metrics::counter updates_inline;
  metrics::counter updates_member;
  metrics::counter updates_unsupported;
  metrics::counter updates_malformed;
  metrics::counter updates_duplicate;
  metrics::counter sends_dropped;
  metrics::gauge queue;
};

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
  return m;
}

struct telegram_state {
  std::shared_ptr<const telegram_options> opts;
  std::shared_ptr<telegram::bot_api> api;
  telegram::send_limiter limiter;
  std::unordered_map<std::uint64_t, pending_send> pending;
  std::uint64_t next_send_id = 1;
  /// Sends handed to the Bot API and not answered yet.
  std::size_t in_flight = 0;
  std::optional<clock_type::time_point> timer_due;
  /// The bot's username in lower case ("" until getMe answered).
  std::string username;
  bool polling = false;
  /// This node currently holds the poller's role (see may_poll).
  bool leader = false;
  bool stopped = false;
  /// The next update to fetch.
  std::int64_t offset = 0;
  /// Polled updates not answered yet: update id -> what still holds it (its
  /// command run, its replies waiting to be sent). The stored offset never
  /// passes the oldest, so a poller that takes over after a crash fetches
  /// them again (and skips those marked done in the cache).
  std::map<std::int64_t, int> open;
  /// The offset last written to the database, and whether a write is in
  /// flight or another is due.
  std::int64_t stored_offset = 0;
  bool storing = false;
  bool store_again = false;
  std::chrono::milliseconds poll_backoff{0};
  std::chrono::milliseconds me_backoff{0};
  std::unordered_set<std::int64_t> seen;
  std::deque<std::int64_t> seen_order;
  std::unordered_set<std::string> known_groups;
  std::unordered_map<std::string, inline_job> inline_jobs;
  std::vector<std::pair<caf::typed_response_promise<std::int64_t>, clock_type::time_point>> drains;
  metric_set m = make_metrics();
  static inline const char* name = "telegram";
};

using telegram_actor = caf::stateful_actor<telegram_state>;

// -- helpers -------------------------------------------------------------------

std::int64_t to_id(const std::string& s) {
  std::int64_t out = 0;
  bool neg = false;
  std::size_t i = 0;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    i = 1;
  }
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    out = out * 10 + (s[i] - '0');
  }
  return neg ? -out : out;
}

/// Runs `fn(result)` inside the actor: Bot API callbacks come from the HTTP
/// client's thread and must not touch the state directly.
template <class Atom, class... Ts>
telegram::bot_api::callback back_to(telegram_actor* self, Atom tag, Ts... xs) {
  caf::actor_addr addr = self->address();
  return [addr, tag, xs...](api_result res) {
    if (auto hdl = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(hdl, tag, xs..., std::move(res));
  };
}

std::chrono::milliseconds next_backoff(std::chrono::milliseconds current) {
  if (current < 1s)
    return 1s;
  return std::min<std::chrono::milliseconds>(current * 2, 30s);
}

/// Whether a command message is for this bot: "/cmd@otherbot" is not, and
/// "/cmd@ourbot" loses its suffix. Without a known username only commands
/// without a suffix are taken.
bool address_command(std::string& text, const std::string& username) {
  if (text.empty() || text[0] != '/')
    return true;
  auto end = text.find_first_of(" \n\t");
  if (end == std::string::npos)
    end = text.size();
  auto at = text.find('@');
  if (at == std::string::npos || at > end)
    return true;
  if (username.empty() || to_lower_ascii(std::string_view{text}.substr(at + 1, end - at - 1)) != username)
    return false;
  text.erase(at, end - at);
  return true;
}

// -- sending -------------------------------------------------------------------

void pump(telegram_actor* self);

void finish_drains(telegram_actor* self) {
  auto& st = self->state;
  if (st.drains.empty())
    return;
  auto now = clock_type::now();
  auto left = static_cast<std::int64_t>(st.limiter.size() + st.in_flight + st.open.size()
                                        + (st.storing || st.store_again ? 1 : 0));
  auto& ds = st.drains;
  for (auto i = ds.begin(); i != ds.end();) {
    if (left == 0 || i->second <= now) {
      i->first.deliver(left);
      i = ds.erase(i);
    } else {
      ++i;
    }
  }
}

bool enqueue(telegram_actor* self, pending_send item) {
  auto& st = self->state;
  auto id = st.next_send_id++;
  auto chat = item.chat_id;
  auto res = st.limiter.push(chat, id);
  if (res != telegram::push_result::queued) {
    st.m.sends_dropped.inc();
    log::warn("telegram", "outgoing queue full, message dropped",
              {log::kv("chat", chat), {"why", telegram::to_string(res)},
               {"cmd", item.command}});
    return false;
  }
  st.pending.emplace(id, std::move(item));
  st.m.queue.set(static_cast<double>(st.limiter.size()));
  pump(self);
  return true;
}

void store_offset(telegram_actor* self);

/// One hold on a polled update more (its run, or one of its replies).
void hold(telegram_actor* self, std::int64_t update_id) {
  if (update_id != 0)
    ++self->state.open[update_id];
}

/// Drops one hold; the last one marks the update done (in the cache, for a
/// successor) and lets the stored offset move past it.
void release(telegram_actor* self, std::int64_t update_id) {
  auto& st = self->state;
  if (update_id == 0)
    return;
  auto i = st.open.find(update_id);
  if (i == st.open.end() || --i->second > 0)
    return;
  st.open.erase(i);
  if (auto cache = st.opts->engines->caching.get())
    self->request(cache, 5s, put_atom::value, std::string{done_prefix} + std::to_string(update_id),
                  std::string{"1"}, done_ttl_seconds)
      .then([](bool) {}, [](const caf::error&) {});
  store_offset(self);
}

void execute(telegram_actor* self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return;
  auto& p = i->second;
  ++p.attempts;
  p.sending = true;
  ++st.in_flight;
  auto done = back_to(self, sent_atom::value, id);
  switch (p.kind) {
    case pending_send::text:
      st.api->send_message(p.chat_id, p.html, p.reply_to, p.keyboard, p.disable_preview,
                           std::move(done));
      break;
    case pending_send::photo:
      st.api->send_photo(p.chat_id, p.photo_url, p.html, p.reply_to, p.keyboard,
                         std::move(done));
      break;
    case pending_send::edit:
      st.api->edit_message_text(p.chat_id, p.message_id, p.html, p.keyboard,
                                p.disable_preview, std::move(done));
      break;
  }
}

void pump(telegram_actor* self) {
  auto& st = self->state;
  auto now = clock_type::now();
  while (auto ready = st.limiter.pop_ready(now))
    execute(self, ready->item);
  st.m.queue.set(static_cast<double>(st.limiter.size()));
  auto due = st.limiter.next_ready(now);
  if (!due)
    return;
  if (st.timer_due && *st.timer_due <= *due)
    return;
  st.timer_due = *due;
  auto delay = std::chrono::duration_cast<std::chrono::microseconds>(*due - now);
  if (delay < 1ms)
    delay = 1ms;
  self->delayed_send(self, delay, tick_atom::value);
}

/// A link Telegram previews above the text: a zero-width space linked to the
/// image, so the picture shows without a visible URL.
std::string preview_link(const std::string& url) {
  return "<a href=\"" + telegram::escape_html(url, true) + "\">\xE2\x80\x8B</a>";
}

/// Queues one reply of the command engine: a photo with its caption when it
/// has an image and the caption fits, otherwise text (with the image as link
/// preview), split at 4096 units; the first piece quotes, the last carries
/// the keyboard.
void send_reply(telegram_actor* self, std::int64_t chat_id, const outgoing_reply& reply,
                const std::string& command, std::int64_t update_id = 0) {
  auto queue = [self, update_id](pending_send p) {
    p.update_id = update_id;
    if (enqueue(self, std::move(p)))
      hold(self, update_id);
  };
  auto keyboard = reply.buttons.empty() ? std::string{}
                                        : telegram::inline_keyboard_json(reply.buttons);
  auto reply_to = to_id(reply.reply_to_message_id);
  bool has_image = !reply.image_url.empty() && telegram::is_allowed_url(reply.image_url);
  if (has_image && !reply.image_as_link && telegram::fits_caption(reply.text)) {
    pending_send p;
    p.kind = pending_send::photo;
    p.chat_id = chat_id;
    p.photo_url = reply.image_url;
    p.html = telegram::to_html(reply.text);
    p.reply_to = reply_to;
    p.keyboard = std::move(keyboard);
    p.command = command;
    queue(std::move(p));
    return;
  }
  auto pieces = telegram::split_message(reply.text);
  if (pieces.empty()) {
    if (!has_image)
      return;
    pieces.emplace_back();
  }
  for (std::size_t n = 0; n < pieces.size(); ++n) {
    pending_send p;
    p.chat_id = chat_id;
    p.html = std::move(pieces[n]);
    if (n == 0 && has_image) {
      p.html = preview_link(reply.image_url) + p.html;
      p.disable_preview = false;
    }
    if (n == 0)
      p.reply_to = reply_to;
    if (n + 1 == pieces.size())
      p.keyboard = keyboard;
    p.command = command;
    queue(std::move(p));
  }
}

void mark_unreachable(telegram_actor* self, std::int64_t chat_id) {
  auto db = self->state.opts->engines->database.get();
  if (!db)
    return;
  auto kind = chat_id > 0 ? chat_kind::private_chat : chat_kind::group;
  self->request(db, 5s, reachable_atom::value, platform_kind::telegram,
                std::to_string(chat_id), kind, false)
    .then([](bool) {},
          [chat_id](const caf::error&) {
            log::warn("telegram", "could not mark a chat unreachable",
                      {log::kv("chat", chat_id)});
          });
}

const char* method_of(const pending_send& p) {
  switch (p.kind) {
    case pending_send::text:
      return "sendMessage";
    case pending_send::photo:
      return "sendPhoto";
    case pending_send::edit:
      return "editMessageText";
  }
  return "sendMessage";
}

void remember_group(telegram_actor* self, const chat_ref& chat);

void on_sent(telegram_actor* self, std::uint64_t id, api_result& res) {
  auto& st = self->state;
  if (st.in_flight > 0)
    --st.in_flight;
  auto i = st.pending.find(id);
  if (i == st.pending.end()) {
    finish_drains(self);
    return;
  }
  auto& p = i->second;
  p.sending = false;
  auto update_id = p.update_id;
  auto now = clock_type::now();
  auto kind = telegram::chat_kind_of(p.chat_id);
  auto retry = [&](clock_type::duration wait) {
    st.limiter.pause_chat(p.chat_id, now, wait);
    st.limiter.requeue_front(p.chat_id, kind, id);
  };
  auto drop = [&](std::string_view why) {
    st.m.sends_dropped.inc();
    log::warn("telegram", "message not delivered",
              {{"method", method_of(p)}, log::kv("chat", p.chat_id),
               log::kv("code", res.error_code), {"description", res.description},
               {"why", std::string{why}}, {"cmd", p.command}});
    st.pending.erase(i);
  };
  if (res.ok) {
    st.pending.erase(i);
  } else if (res.error_code == 429) {
    auto wait = std::chrono::seconds{std::max<std::int64_t>(res.retry_after_s, 1)};
    log::warn("telegram", "flood limit, pausing the chat",
              {log::kv("chat", p.chat_id), log::kv("retry_after_s", res.retry_after_s)});
    retry(wait);
  } else if (res.error_code == 403) {
    log::info("telegram", "the bot cannot write to this chat any more",
              {log::kv("chat", p.chat_id), {"description", res.description}});
    st.m.sends_dropped.inc(1 + static_cast<double>(st.limiter.drop_chat(p.chat_id)));
    mark_unreachable(self, p.chat_id);
    // What was still queued for the chat goes too (the limiter dropped it).
    auto chat = p.chat_id;
    st.pending.erase(i);
    for (auto j = st.pending.begin(); j != st.pending.end();) {
      if (j->second.chat_id == chat) {
        auto held = j->second.update_id;
        j = st.pending.erase(j);
        release(self, held);
      } else {
        ++j;
      }
    }
  } else if (res.migrate_to_chat_id != 0 && res.migrate_to_chat_id != p.chat_id) {
    // The group became a supergroup with a new id: the message (and what
    // else waits for the old id) goes there, and the new id gets the group's
    // row.
    auto from = p.chat_id;
    auto to = res.migrate_to_chat_id;
    log::info("telegram", "group migrated to a supergroup",
              {log::kv("chat", from), log::kv("to", to)});
    std::vector<std::uint64_t> moved{id};
    st.limiter.drop_chat(from);
    for (auto& [other, q] : st.pending)
      if (q.chat_id == from && other != id && !q.sending)
        moved.push_back(other);
    // Ids grow with queueing order: the chat keeps its order.
    std::sort(moved.begin(), moved.end());
    for (auto m : moved) {
      auto& q = st.pending[m];
      q.chat_id = to;
      q.attempts = 0;
      if (st.limiter.push(to, m) != telegram::push_result::queued) {
        auto held = q.update_id;
        st.pending.erase(m);
        st.m.sends_dropped.inc();
        release(self, held);
      }
    }
    remember_group(self, chat_ref{std::to_string(to), chat_kind::group, {}});
  } else if (res.error_code == 400 && p.kind == pending_send::photo) {
    // Telegram could not fetch or use the photo: the same reply as text with
    // the image as link preview.
    log::info("telegram", "photo refused, sending text instead",
              {log::kv("chat", p.chat_id), {"description", res.description}});
    p.kind = pending_send::text;
    p.html = preview_link(p.photo_url) + p.html;
    p.disable_preview = false;
    p.attempts = 0;
    st.limiter.requeue_front(p.chat_id, kind, id);
  } else if (res.error_code == 400 && p.reply_to != 0
             && res.description.find("replied") != std::string::npos) {
    p.reply_to = 0;
    st.limiter.requeue_front(p.chat_id, kind, id);
  } else if (res.error_code == 400 && p.kind == pending_send::edit
             && res.description.find("not modified") != std::string::npos) {
    st.pending.erase(i);
  } else if (res.error_code == 400 && p.kind == pending_send::edit) {
    // The message cannot be edited (too old, a photo, deleted): send the new
    // content as a new message instead.
    p.kind = pending_send::text;
    p.attempts = 0;
    st.limiter.requeue_front(p.chat_id, kind, id);
  } else if ((res.network_error || res.error_code >= 500) && p.attempts < max_send_attempts) {
    retry(std::chrono::milliseconds{250 << p.attempts});
  } else {
    drop(res.network_error ? "network" : "refused");
  }
  if (st.pending.count(id) == 0)
    release(self, update_id);
  pump(self);
  finish_drains(self);
}

// -- receiving -----------------------------------------------------------------

/// The localized text of `key` in the language `hint` resolves to.
std::string text_for(telegram_actor* self, const std::string& hint, std::string_view key) {
  auto& opts = *self->state.opts;
  return opts.texts->format(command::pick_language(*opts.texts, opts.default_language, hint), key);
}

void reply_plain(telegram_actor* self, const incoming_message& msg, std::string_view key,
                 std::int64_t update_id = 0) {
  outgoing_reply r;
  r.chat_id = msg.chat.id;
  r.reply_to_message_id = msg.message_id;
  r.text.push_back(text_span{text_for(self, msg.author.language, key), style_plain, {}});
  send_reply(self, to_id(msg.chat.id), r, {}, update_id);
}

void remember_group(telegram_actor* self, const chat_ref& chat) {
  auto& st = self->state;
  if (chat.kind != chat_kind::group || st.known_groups.count(chat.id) > 0)
    return;
  if (st.known_groups.size() >= known_groups_capacity)
    st.known_groups.clear();
  st.known_groups.insert(chat.id);
  auto db = st.opts->engines->database.get();
  if (!db)
    return;
  self->request(db, 5s, group_atom::value, platform_kind::telegram, chat.id, chat.title)
    .then([](const group_record&) {},
          [self, id = chat.id](const caf::error&) { self->state.known_groups.erase(id); });
}

/// Runs a command message; `update_id` (0: untracked) is held until its
/// replies are queued, and released by the caller's hold otherwise.
void on_message(telegram_actor* self, incoming_message msg, std::int64_t update_id) {
  auto& st = self->state;
  if (msg.text.empty() || msg.text[0] != '/' || msg.author.is_bot)
    return;
  if (!address_command(msg.text, st.username))
    return;
  remember_group(self, msg.chat);
  auto engine = st.opts->engines->command.get();
  if (!engine) {
    reply_plain(self, msg, "errors.generic", update_id);
    return;
  }
  auto chat_id = to_id(msg.chat.id);
  hold(self, update_id);
  self->request(engine, st.opts->command_timeout, msg)
    .then(
      [self, chat_id, update_id](const command_result& res) {
        for (auto& reply : res.replies)
          send_reply(self, reply.chat_id.empty() ? chat_id : to_id(reply.chat_id), reply,
                     res.command, update_id);
        release(self, update_id);
      },
      [self, msg, update_id](const caf::error& err) {
        reply_plain(self, msg,
                    err == caf::sec::request_timeout ? "errors.timeout" : "errors.generic",
                    update_id);
        release(self, update_id);
      });
}

void answer_press(telegram_actor* self, const std::string& press_id, const std::string& text,
                  bool alert) {
  self->state.api->answer_callback_query(press_id, text, alert, [](api_result) {});
}

void on_callback(telegram_actor* self, const telegram::callback_query& cb) {
  auto& st = self->state;
  auto events = st.opts->engines->event.get();
  if (!events) {
    answer_press(self, cb.id, text_for(self, cb.from.language, "errors.generic"), true);
    return;
  }
  button_press press;
  press.platform = platform_kind::telegram;
  press.press_id = cb.id;
  press.from = cb.from;
  press.chat.id = cb.chat_id.empty() ? cb.from.id : cb.chat_id;
  press.chat.kind = to_id(press.chat.id) > 0 ? chat_kind::private_chat : chat_kind::group;
  press.message_id = cb.message_id;
  press.data = cb.data;
  auto chat_id = to_id(press.chat.id);
  auto message_id = to_id(cb.message_id);
  self->request(events, st.opts->command_timeout, std::move(press))
    .then(
      [self, id = cb.id, chat_id, message_id](const press_result& res) {
        answer_press(self, id, res.notice, res.alert);
        if (res.edit && message_id != 0) {
          pending_send p;
          p.kind = pending_send::edit;
          p.chat_id = chat_id;
          p.message_id = message_id;
          p.html = telegram::to_html(res.reply.text);
          if (!res.reply.image_url.empty() && telegram::is_allowed_url(res.reply.image_url)) {
            p.html = preview_link(res.reply.image_url) + p.html;
            p.disable_preview = false;
          }
          p.keyboard = res.reply.buttons.empty()
                         ? std::string{"{\"inline_keyboard\":[]}"}
                         : telegram::inline_keyboard_json(res.reply.buttons);
          p.command = "button";
          enqueue(self, std::move(p));
        } else if (res.edit) {
          send_reply(self, chat_id, res.reply, "button");
        }
        for (auto& r : res.replies)
          send_reply(self, chat_id, r, "button");
      },
      [self, id = cb.id, lang = cb.from.language](const caf::error& err) {
        answer_press(self, id,
                     text_for(self, lang,
                              err == caf::sec::request_timeout ? "errors.timeout"
                                                               : "errors.generic"),
                     true);
      });
}

// -- inline mode ---------------------------------------------------------------

std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

std::string rest_lines(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? std::string{} : s.substr(nl + 1);
}

/// The InlineQueryResult array: a photo per answer with a cover, an article
/// otherwise; a refusal (e.g. not registered) is one explaining article.
std::string inline_results_json(const inline_job& job) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartArray();
  bool refusal_written = false;
  for (auto& [id, res] : job.results) {
    if (res.replies.empty())
      continue;
    auto& reply = res.replies.front();
    bool ok = res.outcome == command_outcome::ok;
    if (!ok) {
      if (refusal_written)
        continue;
      refusal_written = true;
    }
    auto html = telegram::to_html(reply.text);
    auto plain = plain_text(reply.text);
    bool photo = ok && !reply.image_url.empty() && telegram::is_allowed_url(reply.image_url)
                 && telegram::fits_caption(reply.text);
    w.StartObject();
    str("type");
    str(photo ? "photo" : "article");
    str("id");
    str(ok ? id : std::string{"refused"});
    str("title");
    str(first_line(plain));
    str("description");
    str(rest_lines(plain).substr(0, 200));
    if (photo) {
      str("photo_url");
      str(reply.image_url);
      str("thumbnail_url");
      str(reply.image_url);
      str("caption");
      str(html);
      str("parse_mode");
      str("HTML");
    } else {
      // An inline result is one message: its first piece.
      auto pieces = telegram::split_message(reply.text);
      str("input_message_content");
      w.StartObject();
      str("message_text");
      str(pieces.empty() ? plain : pieces.front());
      str("parse_mode");
      str("HTML");
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

void on_inline(telegram_actor* self, const telegram::inline_query& q) {
  auto& st = self->state;
  auto engine = st.opts->engines->command.get();
  if (!engine) {
    st.api->answer_inline_query(q.id, "[]", 0, true, [](api_result) {});
    return;
  }
  static const std::vector<std::string> commands = {"/listening", "/album", "/artist"};
  auto& job = st.inline_jobs[q.id];
  job.query_id = q.id;
  job.remaining = static_cast<int>(commands.size());
  for (auto& cmd : commands) {
    incoming_message msg;
    msg.platform = platform_kind::telegram;
    msg.chat.id = q.from.id;
    msg.chat.kind = chat_kind::private_chat;
    msg.author = q.from;
    msg.text = cmd;
    auto done = [self, qid = q.id, name = cmd.substr(1)](command_result res) {
      auto& jobs = self->state.inline_jobs;
      auto i = jobs.find(qid);
      if (i == jobs.end())
        return;
      i->second.results.emplace_back(name, std::move(res));
      if (--i->second.remaining > 0)
        return;
      // Keep the order listening, album, artist whatever answered first.
      auto& results = i->second.results;
      std::sort(results.begin(), results.end(), [](auto& a, auto& b) {
        auto rank = [](const std::string& n) {
          return n == "listening" ? 0 : n == "album" ? 1 : 2;
        };
        return rank(a.first) < rank(b.first);
      });
      auto json = inline_results_json(i->second);
      auto cache = static_cast<int>(self->state.opts->settings.inline_cache_seconds);
      self->state.api->answer_inline_query(qid, json, cache, true, [qid](api_result r) {
        if (!r.ok)
          log::warn("telegram", "answerInlineQuery failed",
                    {log::kv("code", r.error_code), {"description", r.description}});
      });
      jobs.erase(i);
    };
    self->request(engine, st.opts->command_timeout, std::move(msg))
      .then([done](command_result& res) { done(std::move(res)); },
            [done](const caf::error&) { done(command_result{}); });
  }
}

void on_member(telegram_actor* self, const telegram::chat_member_update& m) {
  using telegram::membership_change;
  if (m.change == membership_change::other)
    return;
  bool added = m.change == membership_change::added;
  log::info("telegram", added ? "added to a chat" : "removed from a chat",
            {{"chat", m.chat.id}, {"kind", to_string(m.chat.kind)}, {"status", m.new_status}});
  auto db = self->state.opts->engines->database.get();
  if (!db)
    return;
  if (added && m.chat.kind == chat_kind::group)
    self->request(db, 5s, group_atom::value, platform_kind::telegram, m.chat.id, m.chat.title)
      .then([](const group_record&) {}, [](const caf::error&) {});
  if (!added)
    self->state.known_groups.erase(m.chat.id);
  self->request(db, 5s, reachable_atom::value, platform_kind::telegram, m.chat.id, m.chat.kind,
                added)
    .then([](bool) {},
          [id = m.chat.id](const caf::error&) {
            log::warn("telegram", "could not store a membership change", {{"chat", id}});
          });
}

/// False for an update id handled before (Telegram may deliver a webhook
/// update again when our answer was late).
bool first_time(telegram_actor* self, std::int64_t update_id) {
  auto& st = self->state;
  if (!st.seen.insert(update_id).second)
    return false;
  st.seen_order.push_back(update_id);
  if (st.seen_order.size() > seen_updates_capacity) {
    st.seen.erase(st.seen_order.front());
    st.seen_order.pop_front();
  }
  return true;
}

/// Handles one update. A polled update (`tracked`) holds the stored offset
/// until it is answered.
void on_update(telegram_actor* self, parsed_update& u, bool tracked = false) {
  auto& st = self->state;
  if (!first_time(self, u.update_id)) {
    st.m.updates_duplicate.inc();
    return;
  }
  switch (u.kind) {
    case update_kind::message:
      st.m.updates_message.inc();
      on_message(self, std::move(u.message), tracked ? u.update_id : 0);
      break;
    case update_kind::edited_message:
      st.m.updates_edited.inc();
      break;
    case update_kind::callback_query:
      st.m.updates_callback.inc();
      on_callback(self, u.callback);
      break;
    case update_kind::inline_query:
      st.m.updates_inline.inc();
      on_inline(self, u.inline_);
      break;
    case update_kind::my_chat_member:
      st.m.updates_member.inc();
      on_member(self, u.member);
      break;
    case update_kind::unsupported:
      st.m.updates_unsupported.inc();
      break;
  }
}

// -- polling -------------------------------------------------------------------

void schedule_poll(telegram_actor* self, std::chrono::milliseconds delay) {
  if (delay.count() <= 0)
    self->send(self, poll_atom::value);
  else
    self->delayed_send(self, delay, poll_atom::value);
}

void load_offset_then_poll(telegram_actor* self);

void poll(telegram_actor* self) {
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
  st.api->get_updates(st.offset, static_cast<int>(st.opts->settings.poll_timeout_seconds),
                      telegram::allowed_updates(), back_to(self, polled_atom::value));
}

/// Writes the offset a successor should resume from: the oldest polled
/// update not answered yet, or the next one to fetch. One write at a time;
/// the database keeps the last.
void store_offset(telegram_actor* self) {
  auto& st = self->state;
  auto target = st.open.empty() ? st.offset : std::min(st.offset, st.open.begin()->first);
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

void on_polled(telegram_actor* self, api_result& res) {
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
  auto batch = telegram::parse_updates(res.result_json);
  if (!batch) {
    st.m.updates_malformed.inc();
    log::warn("telegram", "getUpdates answered a malformed batch",
              {{"error", batch.error().message}});
    schedule_poll(self, 1s);
    return;
  }
  std::vector<parsed_update> updates;
  updates.reserve(batch.value().size());
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
    updates.push_back(std::move(parsed).value());
  }
  store_offset(self);
  auto cache = st.opts->engines->caching.get();
  if (updates.empty() || !cache) {
    for (auto& u : updates) {
      on_update(self, u, true);
      release(self, u.update_id);
    }
    schedule_poll(self, 0ms);
    return;
  }
  // Updates a predecessor answered (it died before storing the offset past
  // them) are marked done in the cache: skip those, handle the rest in
  // order, then fetch the next batch.
  struct batch_check {
    std::vector<parsed_update> updates;
    std::vector<bool> done;
    std::size_t waiting = 0;
  };
  auto check = std::make_shared<batch_check>();
  check->updates = std::move(updates);
  check->done.assign(check->updates.size(), false);
  check->waiting = check->updates.size();
  auto finish = [self, check] {
    auto& state = self->state;
    for (std::size_t n = 0; n < check->updates.size(); ++n) {
      auto& u = check->updates[n];
      if (check->done[n])
        state.m.updates_duplicate.inc();
      else
        on_update(self, u, true);
      release(self, u.update_id);
    }
    schedule_poll(self, 0ms);
  };
  for (std::size_t n = 0; n < check->updates.size(); ++n) {
    auto key = std::string{done_prefix} + std::to_string(check->updates[n].update_id);
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

void load_offset_then_poll(telegram_actor* self) {
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

void start_polling(telegram_actor* self) {
  auto& st = self->state;
  st.polling = true;
  st.api->delete_webhook(false, [](api_result r) {
    if (!r.ok)
      log::warn("telegram", "deleteWebhook failed",
                {log::kv("code", r.error_code), {"description", r.description}});
  });
  schedule_poll(self, 0ms);
}

void ask_me(telegram_actor* self) {
  self->state.api->get_me(back_to(self, me_atom::value));
}

void on_me(telegram_actor* self, api_result& res) {
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
            {{"bot", who->username}, {"mode", st.opts->settings.mode}});
  if (st.opts->settings.mode == "polling" && !st.polling && !st.stopped)
    start_polling(self);
}

caf::behavior telegram_impl(telegram_actor* self, std::shared_ptr<const telegram_options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  auto& s = st.opts->settings;
  telegram::send_limits limits;
  limits.global_per_second = static_cast<double>(s.global_per_second);
  limits.private_per_second = static_cast<double>(s.private_per_second);
  limits.group_per_minute = static_cast<double>(s.group_per_minute);
  limits.max_queued = static_cast<std::size_t>(s.max_queued);
  st.limiter = telegram::send_limiter{limits};
  st.api = std::make_shared<telegram::bot_api>(
    s.api_url, s.token, st.opts->http, [](std::string_view method, std::string_view code) {
      metrics::get_counter("lastgram_telegram_requests_total",
                           "Bot API calls by method and outcome (HTTP/Telegram code or "
                           "\"network\").",
                           {{"method", method}, {"code", code}})
        .inc();
    });
  ask_me(self);
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
    [self](tg_update_atom, parsed_update& u) { on_update(self, u); },
    [self](shutdown_atom) { self->state.stopped = true; },
    [self](drain_atom, std::int64_t deadline_ms) {
      auto& state = self->state;
      state.stopped = true;
      auto rp = self->make_response_promise<std::int64_t>();
      state.drains.emplace_back(rp, clock_type::now() + std::chrono::milliseconds{deadline_ms});
      self->delayed_send(self, std::chrono::milliseconds{deadline_ms}, tick_atom::value);
      finish_drains(self);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_telegram(caf::local_actor* parent, std::shared_ptr<const telegram_options> opts) {
  return parent->spawn(telegram_impl, std::move(opts));
}

void add_webhook_route(server::http_server& srv, const telegram_settings& settings,
                       std::function<caf::actor()> telegram) {
  auto malformed = metrics::get_counter("lastgram_telegram_webhook_rejected_total",
                                        "Webhook requests refused, by reason.",
                                        {{"reason", "malformed"}});
  auto unauthorized = metrics::get_counter("lastgram_telegram_webhook_rejected_total",
                                           "Webhook requests refused, by reason.",
                                           {{"reason", "secret"}});
  srv.route("POST", telegram::webhook_route(settings),
            [secret = settings.webhook_secret, telegram = std::move(telegram), malformed,
             unauthorized](const server::http_request& req, server::responder reply) {
              if (!telegram::secret_matches(req.header("X-Telegram-Bot-Api-Secret-Token"),
                                            secret)) {
                unauthorized.inc();
                reply({401, "text/plain; charset=utf-8", "unauthorized\n", {}});
                return;
              }
              auto parsed = telegram::parse_update(req.body);
              if (!parsed) {
                malformed.inc();
                log::warn("telegram", "webhook body is not an update",
                          {{"error", parsed.error().message}});
                reply({400, "text/plain; charset=utf-8", "bad update\n", {}});
                return;
              }
              auto hdl = telegram();
              if (!hdl) {
                reply({503, "text/plain; charset=utf-8", "not ready\n", {}});
                return;
              }
              caf::anon_send(hdl, tg_update_atom::value, std::move(parsed).value());
              reply({200, "text/plain; charset=utf-8", "ok\n", {}});
            });
}

} // namespace lastgram::multiplatform
