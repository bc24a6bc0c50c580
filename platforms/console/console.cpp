#include "platforms/console/console.hpp"

#include <map>
#include <optional>

#include "caf/all.hpp"

#include "i18n/catalog.hpp"
#include "messages/atoms.hpp"
#include "messages/command.hpp"
#include "platforms/console/photo_files.hpp"
#include "platforms/console/session.hpp"
#include "platforms/render/plain.hpp"

namespace lastgram::console {

namespace {

struct console_state {
  std::shared_ptr<const options> opts;
  engine_lookup commands;
  std::unique_ptr<session> chat;
  /// Output blocks by input sequence number; nullopt while still waiting.
  std::map<std::uint64_t, std::optional<std::string>> pending;
  std::uint64_t next_seq = 0;
  std::uint64_t next_to_print = 0;
  bool eof = false;
  bool stopped = false;
  bool finished = false;
  static inline const char* name = "console";
};

using console_self = console_actor::stateful_pointer<console_state>;

void prompt(console_self self) {
  auto& st = self->state;
  if (!st.opts->interactive || st.eof || st.stopped)
    return;
  std::fprintf(st.opts->out, "\x1b[2m%s>\x1b[0m ",
               st.chat->user().display_name.c_str());
  std::fflush(st.opts->out);
}

void flush_ready(console_self self) {
  auto& st = self->state;
  bool printed = false;
  while (!st.pending.empty()) {
    auto i = st.pending.begin();
    if (i->first != st.next_to_print || !i->second)
      break;
    if (!i->second->empty()) {
      if (st.opts->interactive && !printed)
        std::fputs("\r\x1b[K", st.opts->out);
      std::fputs(i->second->c_str(), st.opts->out);
      std::fputc('\n', st.opts->out);
      printed = true;
    }
    st.pending.erase(i);
    ++st.next_to_print;
  }
  std::fflush(st.opts->out);
  if (printed)
    prompt(self);
  if ((st.eof || st.stopped) && st.pending.empty() && !st.finished) {
    st.finished = true;
    if (st.opts->on_finished)
      st.opts->on_finished();
  }
}

std::string render_result(console_self self, const command_result& res) {
  auto& st = self->state;
  render::plain_options ro;
  ro.ansi = st.opts->interactive;
  std::string out;
  for (auto& reply : res.replies) {
    ro.photo_path.clear();
    if (!reply.photo_jpeg.empty() && !st.opts->photo_dir.empty()) {
      // Small and local: the console writes its picture before printing.
      auto saved = save_photo(st.opts->photo_dir, reply.photo_jpeg, st.opts->max_photos);
      ro.photo_path = saved.path.empty() ? "(not saved: " + saved.error + ")" : saved.path;
    }
    auto text = render::to_plain(reply, ro);
    render::plain_options history;
    history.photo_path = ro.photo_path;
    auto id = st.chat->on_bot_reply(render::to_plain(reply, history));
    if (!out.empty())
      out += '\n';
    if (st.opts->interactive)
      out += "\x1b[2m#" + std::to_string(id) + "\x1b[0m ";
    out += text;
  }
  return out;
}

void on_line(console_self self, const std::string& line) {
  auto& st = self->state;
  if (st.stopped)
    return;
  auto seq = st.next_seq++;
  auto result = st.chat->on_line(line);
  if (auto* text = std::get_if<std::string>(&result)) {
    st.pending.emplace(seq, *text);
    flush_ready(self);
    if (text->empty())
      prompt(self);
    return;
  }
  st.pending.emplace(seq, std::nullopt);
  auto msg = std::get<incoming_message>(std::move(result));
  auto lang = msg.author.language;
  auto engine = st.commands();
  if (!engine) {
    st.pending[seq] = st.opts->texts->format(lang, "errors.generic");
    flush_ready(self);
    return;
  }
  self->request(engine, std::chrono::milliseconds{st.opts->request_timeout_ms},
                std::move(msg))
    .then(
      [self, seq](const command_result& res) {
        self->state.pending[seq] = render_result(self, res);
        flush_ready(self);
      },
      [self, seq, lang](const caf::error& err) {
        // The engine itself is down or restarting: still answer the user.
        auto& state = self->state;
        auto key = err == caf::sec::request_timeout ? "errors.timeout"
                                                    : "errors.generic";
        state.pending[seq] = state.opts->texts->format(lang, key);
        flush_ready(self);
      });
}

console_actor::behavior_type console_impl(console_self self, engine_lookup commands,
                           std::shared_ptr<const options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.commands = std::move(commands);
  st.chat = std::make_unique<session>(st.opts->settings);
  prompt(self);
  return {
    [self](line_atom, const std::string& line) { on_line(self, line); },
    [self](eof_atom) {
      self->state.eof = true;
      if (self->state.opts->interactive)
        std::fputc('\n', self->state.opts->out);
      flush_ready(self);
    },
    [self](shutdown_atom) {
      self->state.stopped = true;
      flush_ready(self);
    },
  };
}

} // namespace

console_actor spawn_console(caf::local_actor* parent, engine_lookup commands,
                            std::shared_ptr<const options> opts) {
  return parent->spawn(console_impl, std::move(commands), std::move(opts));
}

} // namespace lastgram::console
