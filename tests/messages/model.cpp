#include <catch2/catch.hpp>

#include "caf/deep_to_string.hpp"

#include "messages/command.hpp"
#include "messages/model.hpp"

using namespace lastgram;

TEST_CASE("text_builder merges neighbouring spans of the same style", "[model]") {
  auto text = text_builder{}.plain("a").plain("b").bold("c").bold("d").plain("e").take();
  REQUIRE(text.size() == 3);
  CHECK(text[0].text == "ab");
  CHECK(text[1].text == "cd");
  CHECK(text[1].style == style_bold);
  CHECK(plain_text(text) == "abcde");
}

TEST_CASE("links never merge and keep their target", "[model]") {
  auto text = text_builder{}.link("x", "https://a").link("y", "https://b").take();
  REQUIRE(text.size() == 2);
  CHECK(text[1].url == "https://b");
}

TEST_CASE("empty text adds no span", "[model]") {
  CHECK(text_builder{}.plain("").bold("").take().empty());
}

TEST_CASE("every message prints through its inspect", "[model]") {
  incoming_message msg;
  msg.platform = platform_kind::telegram;
  msg.message_id = "42";
  msg.chat = chat_ref{"-100", chat_kind::group, "Fans"};
  msg.author.id = "7";
  msg.author.display_name = "Ana";
  msg.text = "/ln";
  auto printed = caf::deep_to_string(msg);
  CHECK(printed.find("incoming_message") != std::string::npos);
  CHECK(printed.find("Ana") != std::string::npos);
  CHECK(printed.find("/ln") != std::string::npos);
  command_result res;
  res.command = "ln";
  CHECK(caf::deep_to_string(res).find("command_result") != std::string::npos);
}

TEST_CASE("enums have stable names for logs and metrics", "[model]") {
  CHECK(to_string(platform_kind::discord) == "discord");
  CHECK(to_string(chat_kind::private_chat) == "private");
  CHECK(to_string(command_outcome::guard_failed) == "guard_failed");
  CHECK(to_string(command_outcome::timed_out) == "timed_out");
}
