#include "platforms/discord/interaction.hpp"
#include "support/build_paths.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

using namespace lastgram;
using namespace lastgram::discord;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in{std::string{LASTGRAM_FIXTURES_DIR} + "/discord/" + name, std::ios::binary};
  REQUIRE(in);
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

interaction parsed(const std::string& json) {
  auto res = parse_interaction(json);
  REQUIRE(res);
  return std::move(res).value();
}

/// Replaces the first `from` in `s` with `to` (to derive variants of a
/// fixture; the test fails when `from` is not there).
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("the signed PING parses as a ping", "[discord][interaction]") {
  auto i = parsed(fixture("interaction-ping-signed-body.json"));
  CHECK(i.type == interaction_type::ping);
  CHECK(i.id == "1266118899867586562");
  CHECK(i.application_id == "1266083078506418176");
  CHECK(i.user.id == "643945264868098049");
  CHECK(i.user.is_bot);
  CHECK(i.chat.kind == chat_kind::private_chat);
}

TEST_CASE("a slash command in a server is a group command of the member",
          "[discord][interaction]") {
  auto i = parsed(fixture("interaction-application-command-slash-options.json"));
  CHECK(i.type == interaction_type::application_command);
  CHECK(i.cmd_type == command_type::chat_input);
  CHECK(i.command_name == "cardsearch");
  CHECK(i.token == "A_UNIQUE_TOKEN");
  REQUIRE(i.options.size() == 1);
  CHECK(i.options[0].name == "cardname");
  CHECK(i.options[0].value == "The Gitrog Monster");
  CHECK_FALSE(i.has_target);
  auto m = to_message(i);
  CHECK(m.platform == platform_kind::discord);
  CHECK(m.text == "/cardsearch The Gitrog Monster");
  CHECK(m.chat.id == "290926798626357999");
  CHECK(m.chat.kind == chat_kind::group);
  CHECK(m.author.id == "53908232506183680");
  CHECK(m.author.display_name == "Mason");
  CHECK(m.author.language == "en-US");
  CHECK(m.message_id == "786008729715212338");
  CHECK_FALSE(m.has_reply_author);
}

TEST_CASE("without a guild the command runs in the user's private chat",
          "[discord][interaction]") {
  auto json = fixture("interaction-application-command-slash-options.json");
  json = replaced(json, "\"guild_id\": \"290926798626357999\",", "");
  json = replaced(json, "\"member\": {", "\"user\": {\"id\": \"77\", \"username\": \"dm_user\"}, \"x\": {");
  json = replaced(json, "\"locale\": \"en-US\"", "\"locale\": \"pt-BR\"");
  auto m = to_message(parsed(json));
  CHECK(m.chat.kind == chat_kind::private_chat);
  CHECK(m.chat.id == "77");
  CHECK(m.author.id == "77");
  CHECK(m.author.language == "pt-BR");
}

TEST_CASE("a user option becomes the command's target and leaves the text",
          "[discord][interaction]") {
  // The docs' slash example with a user option (type 6) added, resolved as
  // Discord resolves it in data.resolved.users / members.
  auto json = replaced(fixture("interaction-application-command-slash-options.json"),
                       "\"options\": [{",
                       "\"resolved\": {\"users\": {\"42\": {\"id\": \"42\", \"username\": "
                       "\"bob\", \"global_name\": \"Bob\"}}, \"members\": {\"42\": {\"nick\": "
                       "\"Bobby\"}}}, \"options\": [{\"type\": 6, \"name\": \"user\", \"value\": "
                       "\"42\"}, {");
  auto i = parsed(json);
  REQUIRE(i.has_target);
  CHECK(i.target.id == "42");
  CHECK(i.target.username == "bob");
  CHECK(i.target.display_name == "Bobby");
  // Declared order first: cardname before user, whatever Discord's order.
  auto m = to_message(i, {"cardname", "user"});
  CHECK(m.text == "/cardsearch The Gitrog Monster");
  CHECK(m.has_reply_author);
  CHECK(m.reply_to_author.id == "42");
}

TEST_CASE("options follow the declared order", "[discord][interaction]") {
  auto json = replaced(fixture("interaction-application-command-slash-options.json"),
                       "\"options\": [{",
                       "\"options\": [{\"type\": 4, \"name\": \"size\", \"value\": 5}, {");
  auto i = parsed(json);
  CHECK(to_message(i).text == "/cardsearch 5 The Gitrog Monster");
  CHECK(to_message(i, {"cardname", "size"}).text == "/cardsearch The Gitrog Monster 5");
}

TEST_CASE("a declared option left out before one given keeps its place, empty",
          "[discord][interaction]") {
  auto i = parsed(fixture("interaction-application-command-slash-options.json"));
  // No period, then the card: the card is the second argument, not the first.
  auto m = to_message(i, {"period", "cardname", "size"});
  CHECK(m.arguments == std::vector<std::string>{"", "The Gitrog Monster"});
  CHECK(m.text == "/cardsearch The Gitrog Monster");
  // Left out at the end, nothing stands for it.
  CHECK(to_message(i, {"cardname", "period"}).arguments
        == std::vector<std::string>{"The Gitrog Monster"});
}

TEST_CASE("option values are carried as given, one argument each", "[discord][interaction]") {
  auto json = replaced(fixture("interaction-application-command-slash-options.json"),
                       "\"value\": \"The Gitrog Monster\"",
                       "\"value\": \"AC/DC - \\\"Live\\\"  at  River Plate\"");
  json = replaced(json, "\"options\": [{",
                  "\"options\": [{\"type\": 3, \"name\": \"period\", \"value\": \"7day\"}, {");
  auto m = to_message(parsed(json), {"cardname", "period"});
  REQUIRE(m.has_arguments);
  CHECK(m.arguments == std::vector<std::string>{"AC/DC - \"Live\"  at  River Plate", "7day"});
  CHECK(m.text == "/cardsearch AC/DC - \"Live\"  at  River Plate 7day");
  // Typed text carries none: the command parser splits it.
  CHECK_FALSE(incoming_message{}.has_arguments);
}

TEST_CASE("a user context-menu command targets its user", "[discord][interaction]") {
  auto json = replaced(fixture("interaction-application-command-slash-options.json"),
                       "\"data\": {",
                       "\"data\": {\"target_id\": \"42\", \"resolved\": {\"users\": {\"42\": "
                       "{\"id\": \"42\", \"username\": \"bob\"}}},");
  json = replaced(json, "\"type\": 1,\n        \"name\": \"cardsearch\"",
                  "\"type\": 2,\n        \"name\": \"Now playing\"");
  auto i = parsed(json);
  CHECK(i.cmd_type == command_type::user);
  REQUIRE(i.has_target);
  CHECK(i.target.username == "bob");
}

TEST_CASE("a button press becomes a press on the component's message",
          "[discord][interaction]") {
  auto i = parsed(fixture("interaction-message-component-button.json"));
  CHECK(i.type == interaction_type::message_component);
  CHECK(i.custom_id == "click_one");
  auto p = to_press(i);
  CHECK(p.platform == platform_kind::discord);
  CHECK(p.data == "click_one");
  CHECK(p.message_id == "844397162624450620");
  CHECK(p.press_id == "846462639134605312");
  CHECK(p.from.id == "53908232506183680");
  CHECK(p.chat.id == "290926798626357999");
  CHECK(p.chat.kind == chat_kind::group);
}

TEST_CASE("a select menu and an autocomplete parse", "[discord][interaction]") {
  auto s = parsed(fixture("interaction-message-component-string-select.json"));
  CHECK(s.type == interaction_type::message_component);
  CHECK_FALSE(s.custom_id.empty());
  auto json = replaced(fixture("interaction-application-command-slash-options.json"),
                       "\"type\": 2,", "\"type\": 4,");
  json = replaced(json, "\"value\": \"The Gitrog Monster\"",
                  "\"value\": \"The Git\", \"focused\": true");
  auto a = parsed(json);
  CHECK(a.type == interaction_type::autocomplete);
  REQUIRE(a.options.size() == 1);
  CHECK(a.options[0].focused);
}

TEST_CASE("malformed interactions are refused", "[discord][interaction]") {
  CHECK_FALSE(parse_interaction(""));
  CHECK_FALSE(parse_interaction("[]"));
  CHECK_FALSE(parse_interaction("{\"type\": 2, \"id\": \"1\"}"));
  CHECK_FALSE(parse_interaction("{\"type\": 9, \"id\": \"1\", \"token\": \"t\"}"));
  CHECK_FALSE(parse_interaction("{\"type\": \"2\", \"id\": \"1\", \"token\": \"t\"}"));
  CHECK(parse_interaction("{\"type\": 2, \"id\": \"1\", \"token\": \"t\", \"data\": 3}"));
}

TEST_CASE("administrator and manage guild permissions make a group admin",
          "[discord][interaction][admin]") {
  CHECK(permissions_admin("8"));  // ADMINISTRATOR
  CHECK(permissions_admin("32")); // MANAGE_GUILD
  CHECK(permissions_admin("2147483647"));
  CHECK_FALSE(permissions_admin("0"));
  CHECK_FALSE(permissions_admin("2048")); // SEND_MESSAGES
  CHECK_FALSE(permissions_admin("1125899906842624")); // 1 << 50 alone
  // Bit sets past 64 bits keep their low bits: 2^64 + 8 and 2^70.
  CHECK(permissions_admin("18446744073709551624"));
  CHECK_FALSE(permissions_admin("1180591620717411303424"));
  for (auto bad : {"", "-8", "8a", "0x8", " 8"})
    CHECK_FALSE(permissions_admin(bad));
}

TEST_CASE("a member's permissions reach the author as group admin",
          "[discord][interaction][admin]") {
  auto body = fixture("interaction-application-command-slash-options.json");
  CHECK(parsed(body).user.group_admin);
  auto plain = replaced(body, "\"permissions\": \"2147483647\"", "\"permissions\": \"2048\"");
  CHECK_FALSE(parsed(plain).user.group_admin);
  // The button press of a member who manages the server.
  auto press = fixture("interaction-message-component-button.json");
  CHECK(parsed(press).user.group_admin);
  CHECK_FALSE(parsed(replaced(press, "\"permissions\": \"17179869183\"",
                              "\"permissions\": \"1024\""))
                .user.group_admin);
}

TEST_CASE("a lone surrogate escape in an option becomes U+FFFD, not broken UTF-8",
          "[discord][interaction]") {
  // RapidJSON decodes "\udfa2" alone to the bytes of a surrogate; the
  // discord_interaction fuzzer found such text reaching the command engine.
  auto i = parsed(replaced(fixture("interaction-application-command-slash-options.json"),
                           "\"The Gitrog Monster\"", "\"a\\udfa2b\""));
  REQUIRE(i.options.size() == 1);
  CHECK(i.options[0].value == "a\xEF\xBF\xBD" "b");
  CHECK(to_message(i).text == "/cardsearch a\xEF\xBF\xBD" "b");
}
