// Sending: the outgoing queue behind the per-chat limiter, the Bot API
// calls, and what each refusal means (retry, fix up, move, give up).

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/support/engines.hpp"
#include "messages/database.hpp"
#include "platforms/telegram/html.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using namespace std::chrono_literals;
using telegram::api_result;

void execute(self_ptr self, std::uint64_t id) {
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
    case pending_send::upload:
      st.api->send_photo_upload(p.chat_id, *p.jpeg, p.html, p.reply_to, p.keyboard,
                                std::move(done));
      break;
    case pending_send::edit_media:
      st.api->edit_message_media_upload(p.chat_id, p.message_id, *p.jpeg, p.html, p.keyboard,
                                        std::move(done));
      break;
  }
}

/// A link Telegram previews above the text: a zero-width space linked to the
/// image, so the picture shows without a visible URL.
std::string preview_link(const std::string& url) {
  return "<a href=\"" + telegram::escape_html(url, true) + "\">\xE2\x80\x8B</a>";
}

void mark_unreachable(self_ptr self, std::int64_t chat_id) {
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
    case pending_send::upload:
      return "sendPhoto";
    case pending_send::edit_media:
      return "editMessageMedia";
  }
  return "sendMessage";
}

/// The bot may no longer write to the chat (403): drops what was queued for
/// it and marks it unreachable.
void drop_chat(self_ptr self, std::uint64_t id, const api_result& res) {
  auto& st = self->state;
  auto chat = st.pending[id].chat_id;
  log::info("telegram", "the bot cannot write to this chat any more",
            {log::kv("chat", chat), {"description", res.description}});
  st.m.sends_dropped.inc(1 + static_cast<double>(st.limiter.drop_chat(chat)));
  mark_unreachable(self, chat);
  // What was still queued for the chat goes too (the limiter dropped it).
  st.pending.erase(id);
  for (auto j = st.pending.begin(); j != st.pending.end();) {
    if (j->second.chat_id == chat) {
      auto held = j->second.update_id;
      j = st.pending.erase(j);
      release(self, held);
    } else {
      ++j;
    }
  }
}

/// The group became a supergroup with a new id: the message (and what else
/// waits for the old id) goes there, and the new id gets the group's row.
void move_chat(self_ptr self, std::uint64_t id, std::int64_t to) {
  auto& st = self->state;
  auto from = st.pending[id].chat_id;
  auto from_id = std::to_string(from);
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
  group_members_changed(self, member_change::migrated, from_id, std::to_string(to));
}

/// What becomes of a send Telegram refused with 400.
enum class after_refusal { send_again, done, give_up };

/// Fixes up what Telegram can take instead: a photo it could not use goes
/// as text with a link preview, a reply to a deleted message goes without
/// the quote, an edit it cannot make goes as a new message.
after_refusal fix_refused(pending_send& p, const api_result& res) {
  if (p.kind == pending_send::photo) {
    log::info("telegram", "photo refused, sending text instead",
              {log::kv("chat", p.chat_id), {"description", res.description}});
    p.kind = pending_send::text;
    p.html = preview_link(p.photo_url) + p.html;
    p.disable_preview = false;
    p.attempts = 0;
    return after_refusal::send_again;
  }
  if (p.reply_to != 0 && res.description.find("replied") != std::string::npos) {
    p.reply_to = 0;
    return after_refusal::send_again;
  }
  if (p.kind == pending_send::upload) {
    // The picture itself was refused (dimensions, size): the caption and the
    // buttons still say something.
    log::info("telegram", "photo upload refused, sending its caption as text",
              {log::kv("chat", p.chat_id), {"description", res.description}});
    if (p.html.empty())
      return after_refusal::give_up;
    p.kind = pending_send::text;
    p.jpeg.reset();
    p.attempts = 0;
    return after_refusal::send_again;
  }
  if (p.kind == pending_send::edit || p.kind == pending_send::edit_media) {
    if (res.description.find("not modified") != std::string::npos)
      return after_refusal::done;
    // The message cannot be edited (too old, deleted, a photo for a text
    // edit, a text for a picture): the answer comes as a new message.
    p.kind = p.kind == pending_send::edit ? pending_send::text : pending_send::upload;
    p.attempts = 0;
    return after_refusal::send_again;
  }
  return after_refusal::give_up;
}

/// Acts on the Bot API's answer to send `id`: done, retried later, fixed up
/// and sent again, moved, or given up (and removed from `pending`).
void settle(self_ptr self, std::uint64_t id, const api_result& res) {
  auto& st = self->state;
  auto& p = st.pending[id];
  auto kind = telegram::chat_kind_of(p.chat_id);
  auto retry_in = [&](clock_type::duration wait) {
    st.limiter.pause_chat(p.chat_id, clock_type::now(), wait);
    st.limiter.requeue_front(p.chat_id, kind, id);
  };
  if (res.ok) {
    st.pending.erase(id);
    return;
  }
  if (res.error_code == 429) {
    log::warn("telegram", "flood limit, pausing the chat",
              {log::kv("chat", p.chat_id), log::kv("retry_after_s", res.retry_after_s)});
    retry_in(std::chrono::seconds{std::max<std::int64_t>(res.retry_after_s, 1)});
    return;
  }
  if (res.error_code == 403)
    return drop_chat(self, id, res);
  if (res.migrate_to_chat_id != 0 && res.migrate_to_chat_id != p.chat_id)
    return move_chat(self, id, res.migrate_to_chat_id);
  if (res.not_sent) {
    // Refused before it left the process (the HTTP client's queue was full):
    // not an attempt, and sending it again cannot duplicate it.
    --p.attempts;
    retry_in(250ms);
    return;
  }
  auto fixed = res.error_code == 400 ? fix_refused(p, res) : after_refusal::give_up;
  if (fixed == after_refusal::send_again) {
    st.limiter.requeue_front(p.chat_id, kind, id);
  } else if (fixed == after_refusal::done) {
    st.pending.erase(id);
  } else if ((res.network_error || res.error_code >= 500) && p.attempts < max_send_attempts) {
    retry_in(std::chrono::milliseconds{250 << p.attempts});
  } else {
    st.m.sends_dropped.inc();
    log::warn("telegram", "message not delivered",
              {{"method", method_of(p)}, log::kv("chat", p.chat_id),
               log::kv("code", res.error_code), {"description", res.description},
               {"why", res.network_error ? "network" : "refused"}, {"cmd", p.command}});
    st.pending.erase(id);
  }
}

} // namespace

void finish_drains(self_ptr self) {
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

bool enqueue(self_ptr self, pending_send item) {
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

void pump(self_ptr self) {
  auto& st = self->state;
  auto now = clock_type::now();
  while (st.in_flight < max_in_flight) {
    auto ready = st.limiter.pop_ready(now);
    if (!ready)
      break;
    execute(self, ready->item);
  }
  st.m.queue.set(static_cast<double>(st.limiter.size()));
  st.m.backlog.set(static_cast<double>(self->mailbox().size()));
  // At the in-flight bound, the next answer pumps again (no timer).
  if (st.in_flight >= max_in_flight)
    return;
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

namespace {

/// A picture the bot drew: one sendPhoto upload that quotes and carries the
/// keyboard (the buttons act on the picture), with the text as its caption
/// when it fits; otherwise the photo goes without a caption and the text
/// follows as messages split at 4096 units, as a long caption of a photo by
/// URL does.
void send_drawn(const std::function<void(pending_send)>& queue, std::int64_t chat_id,
                const outgoing_reply& reply, std::string keyboard) {
  pending_send p;
  p.kind = pending_send::upload;
  p.chat_id = chat_id;
  p.jpeg = std::make_shared<const std::string>(reply.photo_jpeg);
  p.reply_to = to_id(reply.reply_to_message_id);
  p.keyboard = std::move(keyboard);
  bool fits = telegram::fits_caption(reply.text);
  if (fits)
    p.html = telegram::to_html(reply.text);
  queue(std::move(p));
  if (fits)
    return;
  for (auto& piece : telegram::split_message(reply.text)) {
    pending_send t;
    t.chat_id = chat_id;
    t.html = std::move(piece);
    queue(std::move(t));
  }
}

} // namespace

/// A picture the bot drew goes as an upload (send_drawn). Otherwise a photo
/// with its caption when the reply has an image and the caption fits,
/// otherwise text (with the image as link preview), split at 4096 units;
/// the first piece quotes, the last carries the keyboard.
void send_reply(self_ptr self, std::int64_t chat_id, const outgoing_reply& reply,
                const std::string& command, std::int64_t update_id) {
  auto queue = [self, update_id, &command](pending_send p) {
    p.update_id = update_id;
    p.command = command;
    if (enqueue(self, std::move(p)))
      hold(self, update_id);
  };
  auto keyboard = reply.buttons.empty() ? std::string{}
                                        : telegram::inline_keyboard_json(reply.buttons);
  if (!reply.photo_jpeg.empty())
    return send_drawn(queue, chat_id, reply, std::move(keyboard));
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
    queue(std::move(p));
  }
}

void send_edit(self_ptr self, std::int64_t chat_id, std::int64_t message_id,
               const outgoing_reply& reply) {
  pending_send p;
  p.kind = pending_send::edit;
  p.chat_id = chat_id;
  p.message_id = message_id;
  p.html = telegram::to_html(reply.text);
  if (!reply.photo_jpeg.empty()) {
    // A new picture in place of the old: editMessageMedia. Its caption has
    // the photo's limit, and an edit cannot add messages: a longer text is
    // cut at the limit (where split_message would cut it).
    p.kind = pending_send::edit_media;
    p.jpeg = std::make_shared<const std::string>(reply.photo_jpeg);
    if (!telegram::fits_caption(reply.text)) {
      auto pieces = telegram::split_message(reply.text, telegram::caption_limit);
      p.html = pieces.empty() ? std::string{} : pieces.front();
    }
  } else if (!reply.image_url.empty() && telegram::is_allowed_url(reply.image_url)) {
    p.html = preview_link(reply.image_url) + p.html;
    p.disable_preview = false;
  }
  // An empty keyboard removes the old one.
  p.keyboard = reply.buttons.empty() ? std::string{"{\"inline_keyboard\":[]}"}
                                     : telegram::inline_keyboard_json(reply.buttons);
  p.command = "button";
  enqueue(self, std::move(p));
}

namespace {

/// Counts one answered send into the smoothed send rate.
void count_send(telegram_state& st) {
  auto now = clock_type::now();
  if (st.rate_window_start == clock_type::time_point{})
    st.rate_window_start = now;
  ++st.rate_window_sends;
  auto elapsed = std::chrono::duration<double>(now - st.rate_window_start).count();
  if (elapsed < 1.0)
    return;
  auto rate = static_cast<double>(st.rate_window_sends) / elapsed;
  st.send_rate = st.send_rate == 0 ? rate : 0.7 * st.send_rate + 0.3 * rate;
  st.rate_window_start = now;
  st.rate_window_sends = 0;
}

} // namespace

void on_sent(self_ptr self, std::uint64_t id, api_result& res) {
  auto& st = self->state;
  if (st.in_flight > 0)
    --st.in_flight;
  count_send(st);
  auto i = st.pending.find(id);
  if (i == st.pending.end()) {
    finish_drains(self);
    return;
  }
  i->second.sending = false;
  auto update_id = i->second.update_id;
  settle(self, id, res);
  bool settled = st.pending.count(id) == 0;
  // The update's last open send: release() marks it done right away, which
  // says more than "replied" and saves the inbox a write per command.
  auto open = st.open.find(update_id);
  bool last = settled && open != st.open.end() && open->second == 1;
  if (res.ok && !last)
    inbox_replied(self, update_id);
  if (settled)
    release(self, update_id);
  pump(self);
  resume_polling(self);
  finish_drains(self);
}

} // namespace lastgram::multiplatform::detail
