// Routing: each update to whoever handles it. Command messages go to the
// command engine, button presses to the event engine, inline queries to
// inline mode, and the bot's own membership changes to the database.

#include "actors/command/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/text.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/event.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using namespace std::chrono_literals;
using telegram::api_result;
using telegram::update_kind;

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
  if (username.empty()
      || to_lower_ascii(std::string_view{text}.substr(at + 1, end - at - 1)) != username)
    return false;
  text.erase(at, end - at);
  return true;
}

/// The localized text of `key` in the language `hint` resolves to.
std::string text_for(self_ptr self, const std::string& hint, std::string_view key) {
  auto& opts = *self->state.opts;
  return opts.texts->format(command::pick_language(*opts.texts, opts.default_language, hint), key);
}

std::string_view error_key(const caf::error& err) {
  return err == caf::sec::request_timeout ? "errors.timeout" : "errors.generic";
}

void reply_plain(self_ptr self, const incoming_message& msg, std::string_view key,
                 std::int64_t update_id) {
  outgoing_reply r;
  r.chat_id = msg.chat.id;
  r.reply_to_message_id = msg.message_id;
  r.text.push_back(text_span{text_for(self, msg.author.language, key), style_plain, {}});
  send_reply(self, to_id(msg.chat.id), r, {}, update_id);
}

/// Runs a command message; `update_id` (0: untracked) is held until its
/// replies are queued, and released by the caller's hold otherwise.
void on_message(self_ptr self, incoming_message msg, std::int64_t update_id) {
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
        reply_plain(self, msg, error_key(err), update_id);
        release(self, update_id);
      });
}

void answer_press(self_ptr self, const std::string& press_id, const std::string& text,
                  bool alert) {
  self->state.api->answer_callback_query(press_id, text, alert, [](api_result) {});
}

button_press to_press(const telegram::callback_query& cb) {
  button_press press;
  press.platform = platform_kind::telegram;
  press.press_id = cb.id;
  press.from = cb.from;
  press.chat.id = cb.chat_id.empty() ? cb.from.id : cb.chat_id;
  press.chat.kind = to_id(press.chat.id) > 0 ? chat_kind::private_chat : chat_kind::group;
  press.message_id = cb.message_id;
  press.data = cb.data;
  return press;
}

/// A button press goes to the event engine; its answer edits the keyboard's
/// message (or comes as a new one when there is none to edit).
void on_callback(self_ptr self, const telegram::callback_query& cb) {
  auto& st = self->state;
  auto events = st.opts->engines->event.get();
  if (!events) {
    answer_press(self, cb.id, text_for(self, cb.from.language, "errors.generic"), true);
    return;
  }
  auto press = to_press(cb);
  auto chat_id = to_id(press.chat.id);
  auto message_id = to_id(cb.message_id);
  self->request(events, st.opts->command_timeout, std::move(press))
    .then(
      [self, id = cb.id, chat_id, message_id](const press_result& res) {
        answer_press(self, id, res.notice, res.alert);
        if (res.edit && message_id != 0)
          send_edit(self, chat_id, message_id, res.reply);
        else if (res.edit)
          send_reply(self, chat_id, res.reply, "button");
        for (auto& r : res.replies)
          send_reply(self, chat_id, r, "button");
      },
      [self, id = cb.id, lang = cb.from.language](const caf::error& err) {
        answer_press(self, id, text_for(self, lang, error_key(err)), true);
      });
}

void on_member(self_ptr self, const telegram::chat_member_update& m) {
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
bool first_time(self_ptr self, std::int64_t update_id) {
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

} // namespace

void remember_group(self_ptr self, const chat_ref& chat) {
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

void group_members_changed(self_ptr self, member_change change, const std::string& a,
                           const std::string& b) {
  auto db = self->state.opts->engines->database.get();
  if (!db)
    return;
  self->request(db, 5s, member_atom::value, platform_kind::telegram, change, a, b)
    .then([](bool) {},
          [a, b](const caf::error&) {
            log::warn("telegram", "could not store a group member change",
                      {{"a", a}, {"b", b}});
          });
}

void on_update(self_ptr self, telegram::parsed_update& u, bool tracked) {
  auto& st = self->state;
  if (!first_time(self, u.update_id)) {
    st.m.updates_duplicate.inc();
    return;
  }
  switch (u.kind) {
    case update_kind::message:
      st.m.updates_message.inc();
      if (!u.left_member_id.empty())
        group_members_changed(self, member_change::left, u.message.chat.id, u.left_member_id);
      if (!u.migrate_to_chat_id.empty())
        group_members_changed(self, member_change::migrated, u.message.chat.id,
                              u.migrate_to_chat_id);
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

} // namespace lastgram::multiplatform::detail
