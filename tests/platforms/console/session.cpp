#include <catch2/catch.hpp>

#include "platforms/console/session.hpp"
#include "platforms/render/plain.hpp"

using namespace lastgram;

namespace {

console_settings defaults() {
  console_settings s;
  s.user_id = "10";
  s.user_name = "Ana";
  return s;
}

} // namespace

TEST_CASE("typed lines become messages from the current user", "[console]") {
  console::session chat{defaults()};
  auto out = chat.on_line("/ln");
  auto* msg = std::get_if<incoming_message>(&out);
  REQUIRE(msg);
  CHECK(msg->platform == platform_kind::console);
  CHECK(msg->author.id == "10");
  CHECK(msg->author.display_name == "Ana");
  CHECK(msg->chat.kind == chat_kind::private_chat);
  CHECK(msg->text == "/ln");
  CHECK(msg->message_id == "1");
}

TEST_CASE("/as switches the user", "[console]") {
  console::session chat{defaults()};
  auto out = chat.on_line("/as 99 Bia");
  CHECK(std::get<std::string>(out).find("Bia") != std::string::npos);
  auto next = std::get<incoming_message>(chat.on_line("/start"));
  CHECK(next.author.id == "99");
  CHECK(next.author.display_name == "Bia");
  CHECK(std::get<std::string>(chat.on_line("/as")).find("usage") != std::string::npos);
}

TEST_CASE(">N replies to an earlier message and names its author", "[console]") {
  console::session chat{defaults()};
  chat.on_line("hello");          // #1 by Ana
  chat.on_line("/as 2 Bia");
  auto reply = std::get<incoming_message>(chat.on_line(">1 /ln"));
  CHECK(reply.text == "/ln");
  CHECK(reply.reply_to_message_id == "1");
  REQUIRE(reply.has_reply_author);
  CHECK(reply.reply_to_author.display_name == "Ana");
  CHECK(reply.author.display_name == "Bia");
  CHECK(std::get<std::string>(chat.on_line(">77 /ln")).find("no message #77")
        != std::string::npos);
}

TEST_CASE("the bot's replies join the history", "[console]") {
  console::session chat{defaults()};
  chat.on_line("/start");
  auto id = chat.on_bot_reply("Hi!");
  CHECK(id == 2);
  auto hist = std::get<std::string>(chat.on_line("/history"));
  CHECK(hist.find("#1 Ana: /start") != std::string::npos);
  CHECK(hist.find("#2 lastgram: Hi!") != std::string::npos);
  auto reply = std::get<incoming_message>(chat.on_line(">2 /ln"));
  CHECK(reply.reply_to_author.is_bot);
}

TEST_CASE("group mode puts messages in a group chat", "[console]") {
  auto s = defaults();
  s.chat = console_chat::group;
  console::session chat{s};
  CHECK(std::get<incoming_message>(chat.on_line("/ln")).chat.kind == chat_kind::group);
}

TEST_CASE("plain rendering keeps text verbatim and shows links, images, buttons",
          "[render]") {
  outgoing_reply r;
  r.text = text_builder{}.bold("<b>&").plain(" listens to ").link("Song", "https://x/s").take();
  r.image_url = "https://img/1.png";
  r.buttons = {{button{"Open", "https://last.fm", ""}, button{"Done", "", "cb"}}};
  auto out = render::to_plain(r);
  CHECK(out == "<b>& listens to Song (https://x/s)\n[image] https://img/1.png\n"
               "[Open: https://last.fm] [Done]");
}

TEST_CASE("ANSI rendering wraps styled spans", "[render]") {
  auto text = text_builder{}.bold("x").plain("y").take();
  CHECK(render::to_plain(text, {true, {}}) == "\x1b[1mx\x1b[0my");
}
