#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "actors/command/guards.hpp"
#include "actors/command/parser.hpp"
#include "actors/command/registry.hpp"
#include "messages/model.hpp"

using namespace lastgram::command;

namespace {

/// The key of the guard that refuses, or "(passed)" when every guard passes:
/// the optional is read only when it holds a failure.
std::string refusal(std::uint16_t guards, const guard_facts& facts) {
  auto failure = check_guards(guards, facts);
  return failure ? failure->key : std::string{"(passed)"};
}

} // namespace

TEST_CASE("parses a command with arguments", "[command][parser]") {
  auto cmd = parse("/help  ln   extra", "lastgrambot");
  REQUIRE(cmd);
  CHECK(cmd->name == "help");
  CHECK(cmd->args == "ln   extra");
  CHECK(cmd->words == std::vector<std::string>{"ln", "extra"});
}

TEST_CASE("arguments a platform gave one by one are taken literally", "[command][parser]") {
  lastgram::incoming_message m;
  m.text = "/pace 100 this is 7day";
  m.arguments = {"100", "", "this is  7day"};
  m.has_arguments = true;
  auto cmd = parse_message(m, "bot");
  REQUIRE(cmd);
  CHECK(cmd->name == "pace");
  // An empty one (an option left out before one given) keeps its place.
  CHECK(cmd->words == std::vector<std::string>{"100", "", "this is  7day"});
  CHECK(cmd->args == "100 this is  7day");
  // Left out at the end, it is simply not there.
  m.arguments = {"100", "", ""};
  cmd = parse_message(m, "bot");
  REQUIRE(cmd);
  CHECK(cmd->words == std::vector<std::string>{"100"});
  CHECK(cmd->args == "100");
  m.arguments = {"100", "", "this is  7day"};
  m.arguments = {"AC/DC - \"Live\" "};
  cmd = parse_message(m, "bot");
  REQUIRE(cmd);
  CHECK(cmd->words == std::vector<std::string>{"AC/DC - \"Live\" "});
  CHECK(cmd->args == "AC/DC - \"Live\" ");
  // Without them the text is split as typed.
  m.has_arguments = false;
  cmd = parse_message(m, "bot");
  REQUIRE(cmd);
  CHECK(cmd->words == std::vector<std::string>{"100", "this", "is", "7day"});
  // Arguments do not make a command of text that is not one.
  m.text = "hello";
  m.has_arguments = true;
  CHECK_FALSE(parse_message(m, "bot"));
}

TEST_CASE("command names are case-insensitive", "[command][parser]") {
  auto cmd = parse("/LN", "lastgrambot");
  REQUIRE(cmd);
  CHECK(cmd->name == "ln");
}

TEST_CASE("a command addressed to this bot is accepted, to another bot ignored",
          "[command][parser]") {
  auto mine = parse("/ln@LastGramBot", "lastgrambot");
  REQUIRE(mine);
  CHECK(mine->name == "ln");
  CHECK_FALSE(parse("/ln@otherbot", "lastgrambot"));
  CHECK(parse("/ln@anything", ""));
}

TEST_CASE("text that is not a command is not parsed", "[command][parser]") {
  CHECK_FALSE(parse("hello /ln", "bot"));
  CHECK_FALSE(parse("/", "bot"));
  CHECK_FALSE(parse("", "bot"));
  CHECK_FALSE(parse("//ln", "bot"));
  CHECK_FALSE(parse("/@bot", "bot"));
}

TEST_CASE("surrounding white space and newlines are trimmed", "[command][parser]") {
  auto cmd = parse("  /artist\n Taylor Swift \n", "bot");
  REQUIRE(cmd);
  CHECK(cmd->name == "artist");
  CHECK(cmd->args == "Taylor Swift");
}

TEST_CASE("non-Latin arguments pass through untouched", "[command][parser]") {
  auto cmd = parse("/artist 宇多田ヒカル", "bot");
  REQUIRE(cmd);
  CHECK(cmd->args == "宇多田ヒカル");
}

TEST_CASE("guards pass when nothing is required", "[command][guards]") {
  CHECK_FALSE(check_guards(guard_none, guard_facts{}));
}

TEST_CASE("registered refuses unknown and banned users", "[command][guards]") {
  guard_facts f;
  CHECK(refusal(guard_registered, f) == "guard.registered");
  f.author_registered = true;
  CHECK_FALSE(check_guards(guard_registered, f));
  f.author_banned = true;
  CHECK(refusal(guard_registered, f) == "guard.banned");
}

TEST_CASE("linked needs a session key", "[command][guards]") {
  guard_facts f;
  f.author_registered = true;
  CHECK(refusal(guard_linked, f) == "guard.linked");
  f.author_linked = true;
  CHECK_FALSE(check_guards(guard_linked, f));
}

TEST_CASE("targetable checks the replied-to user instead of the author",
          "[command][guards]") {
  guard_facts f;
  f.replies_to_user = true;
  f.target_name = "Bia";
  auto fail = check_guards(guard_targetable, f);
  REQUIRE(fail);
  CHECK(fail->key == "guard.target_not_registered");
  CHECK(fail->name == "Bia");
  f.target_registered = true;
  CHECK_FALSE(check_guards(guard_targetable, f));
  // Without a reply the author must be registered.
  guard_facts alone;
  CHECK(refusal(guard_targetable, alone) == "guard.registered");
}

TEST_CASE("targeted requires a reply", "[command][guards]") {
  guard_facts f;
  f.author_registered = true;
  CHECK(refusal(guard_targeted | guard_registered, f) == "guard.targeted");
}

TEST_CASE("chat kind guards", "[command][guards]") {
  guard_facts f;
  f.is_private = false;
  CHECK(refusal(guard_only_dms, f) == "guard.only_dms");
  CHECK_FALSE(check_guards(guard_no_dms, f));
  f.is_private = true;
  CHECK(refusal(guard_no_dms, f) == "guard.no_dms");
}

TEST_CASE("developer and crown guards", "[command][guards]") {
  guard_facts f;
  f.author_registered = true;
  CHECK(refusal(guard_developer, f) == "guard.developer");
  f.is_developer = true;
  CHECK_FALSE(check_guards(guard_developer, f));
  f.author_crown_banned = true;
  CHECK(refusal(guard_crowns_enabled, f) == "guard.crowns_banned");
}

TEST_CASE("the first failing guard in a fixed order wins", "[command][guards]") {
  guard_facts f; // a group chat, nobody registered
  CHECK(refusal(guard_only_dms | guard_registered, f) == "guard.only_dms");
}

TEST_CASE("the registry finds commands by name and alias, case-insensitively",
          "[command][registry]") {
  registry reg;
  command_spec listening{"listening"};
  listening.aliases = {"ln", "NP"};
  reg.add(listening);
  REQUIRE(reg.find("listening"));
  for (auto alias : {"LN", "np"}) {
    INFO(alias);
    const auto* found = reg.find(alias);
    REQUIRE(found != nullptr);
    CHECK(found->name == "listening");
  }
  CHECK(reg.find("nope") == nullptr);
}

TEST_CASE("a name taken twice is refused", "[command][registry]") {
  registry reg;
  command_spec a{"a"};
  a.aliases = {"b"};
  reg.add(a);
  command_spec c{"c"};
  c.aliases = {"B"};
  CHECK_THROWS_AS(reg.add(c), std::logic_error);
  CHECK(reg.find("c") == nullptr);
}

TEST_CASE("usage lines mark required and optional arguments", "[command][registry]") {
  command_spec spec{"register"};
  spec.args = {argument::user("username").required(), argument::text("period").rest()};
  auto line = usage_line(spec, [](std::string_view n) { return std::string{n}; });
  CHECK(line == "/register <username> [period...]");
  command_spec bare{"help"};
  CHECK(usage_line(bare, [](std::string_view n) { return std::string{n}; }) == "/help");
}
