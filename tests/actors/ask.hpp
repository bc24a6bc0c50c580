#pragma once
// What the actor tests that drive the command engine share: a request that
// must be answered, the engine's environment with every command, and a
// console message from a user, optionally replying to another user's message.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "support/build_paths.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"
#include "messages/model.hpp"

namespace lastgram::test {

/// The answer of type T to a request from `self` to `to`; fails the test
/// on an error or after 10 s.
template <class T, class Handle, class... Ts>
T must_answer(caf::scoped_actor& self, const Handle& to, Ts&&... xs) {
  T out{};
  bool ok = false;
  self->request(to, std::chrono::seconds{10}, std::forward<Ts>(xs)...)
    .receive(
      [&](T& x) {
        out = std::move(x);
        ok = true;
      },
      [&](caf::error& err) { FAIL("request failed: " << self->system().render(err)); });
  REQUIRE(ok);
  return out;
}

/// A command engine's environment: every command, the shipped translations,
/// a 5 s engine timeout and no engine handles yet.
inline std::shared_ptr<command::environment> all_commands_environment() {
  auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
  REQUIRE(loaded);
  auto reg = std::make_shared<command::registry>();
  command::add_all_commands(*reg);
  auto env = std::make_shared<command::environment>();
  env->commands = reg;
  env->texts = std::make_shared<i18n::catalog>(*loaded.value);
  env->engine_timeout = std::chrono::milliseconds{5000};
  return env;
}

/// Message 7 of chat `chat` on the console: `text` from user `id` ("User<id>"),
/// a reply to message 6 of user `reply_to` when that is not empty.
inline incoming_message console_message(const std::string& text, const std::string& id,
                                        const std::string& chat,
                                        const std::string& reply_to = {}) {
  incoming_message m;
  m.platform = platform_kind::console;
  m.message_id = "7";
  m.chat.id = chat;
  m.author.id = id;
  m.author.display_name = "User" + id;
  m.text = text;
  if (!reply_to.empty()) {
    m.reply_to_message_id = "6";
    m.reply_to_author.id = reply_to;
    m.reply_to_author.display_name = "User" + reply_to;
    m.has_reply_author = true;
  }
  return m;
}

} // namespace lastgram::test
