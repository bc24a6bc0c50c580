#pragma once
// What the Telegram end-to-end tests share: a lastgram node whose Telegram
// side is the emulator, and helpers that send a command and read the bot's
// answer (telegram_e2e.cpp, telegram_commands_e2e.cpp).

#include <catch2/catch.hpp>

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/build_paths.hpp"
#include "support/eventually.hpp"
#include "support/fake_lastfm.hpp"
#include "support/process.hpp"
#include "support/telegram_emulator.hpp"

namespace lastgram::test::tg_e2e {

using namespace std::chrono_literals;

inline constexpr const char* webhook_secret = "e2e-Secret_token";

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// The visible content of a bot message: its text or photo caption.
inline std::string content(const tg_bot_message& m) {
  return m.text.empty() ? m.caption : m.text;
}

/// Everything the bot said in `chat`, for failure messages.
inline std::string transcript(telegram_emulator& tg, std::int64_t chat) {
  std::string out;
  for (auto& m : tg.bot_messages(chat))
    out += "#" + std::to_string(m.message_id) + " " + content(m) + "\n";
  return out;
}

/// A lastgram node whose Telegram side is the emulator; `extra` are more
/// `--set key=value` arguments.
struct bot_node {
  temp_dir dir;
  unsigned short port = free_port();
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::unique_ptr<child_process> proc;

  bot_node(const telegram_emulator& tg, const fake_lastfm& fm, const std::string& mode,
           const std::vector<std::string>& extra = {}) {
    args = {"--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
            "--set", "server.address=127.0.0.1",
            "--set", "server.port=" + std::to_string(port),
            "--set", "node.data-dir=" + dir.file("data"),
            "--set", "database.path=" + dir.file("data/db.sqlite3"),
            "--set", "lastfm.api-url=" + fm.url(),
            // The tests read the last Last.fm call's parameters: no
            // background indexing beside them.
            "--set", "indexer.enabled=false",
            "--set", "telegram.api-url=" + tg.api_url(),
            "--set", "telegram.mode=" + mode,
            "--set", "telegram.poll-timeout-seconds=2",
            "--set", "telegram.public-url=http://127.0.0.1:" + std::to_string(port)};
    for (auto& x : extra) {
      args.push_back("--set");
      args.push_back(x);
    }
    env = {"LASTGRAM_TELEGRAM_TOKEN=" + tg.token(),
           std::string{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET="} + webhook_secret,
           "LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
           "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"};
    std::vector<std::string> argv{LASTGRAM_BINARY, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    proc = std::make_unique<child_process>(argv, env);
  }

  ~bot_node() {
    proc->signal(SIGTERM);
    proc->wait(15s);
  }

  /// The node's lastgram_telegram_* and button metrics.
  std::string telegram_metrics() const {
    std::string out;
    auto text = http_get(port, "/metrics").body;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto end = text.find('\n', pos);
      if (end == std::string::npos)
        end = text.size();
      auto line = text.substr(pos, end - pos);
      if ((line.rfind("lastgram_telegram", 0) == 0 || line.rfind("lastgram_button", 0) == 0))
        out += line + "\n";
      pos = end + 1;
    }
    return out;
  }

  /// Runs `lastgram telegram <sub>` with the node's configuration.
  run_result cli(const std::string& sub) const {
    std::vector<std::string> argv{LASTGRAM_BINARY, "telegram", sub};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, "", env, 30s);
  }
};

/// Sends `text` and waits for the bot's next message in the chat; returns
/// it (an empty message with id 0 when none came).
inline tg_bot_message ask(telegram_emulator& tg, const tg_user& from, const tg_chat& chat,
                          const std::string& text,
                          const std::optional<tg_reply_to>& reply = std::nullopt) {
  auto before = tg.bot_messages(chat.id).size();
  auto sent = tg.send_message(from, chat, text, reply);
  INFO("sending " << text << ": " << sent.error);
  REQUIRE(sent.ok);
  auto got = tg.wait_for_bot_messages(chat.id, before + 1, 20s);
  if (got.size() <= before) {
    UNSCOPED_INFO("no answer to " << text << "\nbot said:\n" << transcript(tg, chat.id)
                                  << "emulator:\n" << tg.diagnostics());
    return {};
  }
  auto answer = got[before];
  // The reply quotes the command.
  CHECK(answer.reply_to_message_id == sent.message_id);
  CHECK(answer.parse_mode == "HTML");
  return answer;
}

/// The callback data of the button labelled `label` in `m`, or "".
inline std::string button_data(const tg_bot_message& m, const std::string& label) {
  for (auto& b : m.buttons)
    if (b.text == label)
      return b.callback_data;
  return {};
}

/// Waits until the bot's message `id` in `chat` shows `text`; returns it.
inline std::optional<tg_bot_message> edited_to(telegram_emulator& tg, std::int64_t chat,
                                               std::int64_t id, const std::string& text) {
  std::optional<tg_bot_message> found;
  eventually(
    [&] {
      for (auto& m : tg.bot_messages(chat))
        if (m.message_id == id && contains(content(m), text))
          found = m;
      return found.has_value();
    },
    20s);
  if (!found)
    UNSCOPED_INFO("message " << id << " never showed " << text << "\nbot said:\n"
                             << transcript(tg, chat) << "emulator:\n" << tg.diagnostics());
  return found;
}

} // namespace lastgram::test::tg_e2e
