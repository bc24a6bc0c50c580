#include "platforms/telegram/update.hpp"
#include "support/build_paths.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

using namespace lastgram;
using namespace lastgram::telegram;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in{std::string{LASTGRAM_FIXTURES_DIR} + "/telegram/" + name,
                   std::ios::binary};
  REQUIRE(in.good());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace

TEST_CASE("a private /start command becomes an incoming message",
          "[telegram][update]") {
  auto u = parse_update(fixture("update-private-command-start.json"));
  REQUIRE(u);
  CHECK(u->update_id == 256249533);
  REQUIRE(u->kind == update_kind::message);
  auto& m = u->message;
  CHECK(m.platform == platform_kind::telegram);
  CHECK(m.message_id == "796691");
  CHECK(m.chat.id == "5863523580");
  CHECK(m.chat.kind == chat_kind::private_chat);
  CHECK(m.chat.title.empty());
  CHECK(m.author.id == "5863523580");
  CHECK(m.author.display_name == "ᴀ ᴍ ᴇ ʀ ɪ ᴄ ᴀ ɴ ᴏ");
  CHECK(m.author.username == "jacker_jak");
  CHECK(m.author.language == "ru");
  CHECK_FALSE(m.author.is_bot);
  CHECK(m.text == "/start");
  CHECK(m.reply_to_message_id.empty());
  CHECK_FALSE(m.has_reply_author);
}

TEST_CASE("a private text message keeps its text and author",
          "[telegram][update]") {
  auto u = parse_update(fixture("update-private-text.json"));
  REQUIRE(u);
  CHECK(u->update_id == 306197398);
  REQUIRE(u->kind == update_kind::message);
  CHECK(u->message.message_id == "154");
  CHECK(u->message.chat.id == "408258968");
  CHECK(u->message.author.display_name == "Hirrolot");
  CHECK(u->message.author.username == "hirrolot");
  CHECK(u->message.author.language == "en");
  CHECK(u->message.text == "4");
}

TEST_CASE("a supergroup command replying to another user carries the reply "
          "author and 64-bit chat id",
          "[telegram][update]") {
  auto u = parse_update(
    fixture("update-supergroup-command-reply-to-other-user.json"));
  REQUIRE(u);
  CHECK(u->update_id == 439432600);
  REQUIRE(u->kind == update_kind::message);
  auto& m = u->message;
  CHECK(m.chat.id == "-1001293752024");
  CHECK(m.chat.kind == chat_kind::group);
  CHECK(m.chat.title == "CryptoInside Chat");
  CHECK(m.author.id == "5964236329");
  CHECK(m.author.display_name == "the Cable Guy");
  CHECK(m.text == "/report");
  CHECK(m.reply_to_message_id == "134545");
  REQUIRE(m.has_reply_author);
  CHECK(m.reply_to_author.id == "6962620676");
  CHECK(m.reply_to_author.display_name == "Wert");
  CHECK(m.reply_to_author.username == "WertCrypto");
}

TEST_CASE("an edited message is reported as edited", "[telegram][update]") {
  auto u = parse_update(fixture("update-edited-message.json"));
  REQUIRE(u);
  CHECK(u->update_id == 123456789);
  CHECK(u->kind == update_kind::edited_message);
  CHECK(u->message.text == "hi there (edited)");
  CHECK(u->message.author.language == "ln-LN");
}

TEST_CASE("a callback query from an inline keyboard names chat, message and "
          "data",
          "[telegram][update]") {
  auto u = parse_update(fixture("update-callback-query-inline-keyboard.json"));
  REQUIRE(u);
  CHECK(u->update_id == 846954218);
  REQUIRE(u->kind == update_kind::callback_query);
  CHECK(u->callback.id == "3869607449858959801");
  CHECK(u->callback.from.id == "900963191");
  CHECK(u->callback.from.display_name == "Aldis");
  CHECK(u->callback.from.username == "aldis_aaa");
  CHECK(u->callback.chat_id == "-1001254477603");
  CHECK(u->callback.message_id == "58");
  CHECK(u->callback.data == "test");
}

TEST_CASE("an inline query keeps query text and offset", "[telegram][update]") {
  auto u = parse_update(fixture("update-inline-query.json"));
  REQUIRE(u);
  CHECK(u->update_id == 424151280);
  REQUIRE(u->kind == update_kind::inline_query);
  CHECK(u->inline_.id == "inline query id");
  CHECK(u->inline_.from.display_name == "Fedor Gogolev");
  CHECK(u->inline_.query == "user query");
  CHECK(u->inline_.offset == "0");
}

TEST_CASE("a reply to a linked channel post (777000) has no reply author",
          "[telegram][update]") {
  auto u = parse_update(R"({"update_id":1,"message":{"message_id":10,
    "from":{"id":42,"is_bot":false,"first_name":"Ann"},
    "chat":{"id":-1001234567890,"type":"supergroup","title":"G"},
    "text":"hello",
    "reply_to_message":{"message_id":9,
      "from":{"id":777000,"is_bot":false,"first_name":"Telegram"},
      "chat":{"id":-1001234567890,"type":"supergroup","title":"G"}}}})");
  REQUIRE(u);
  CHECK(u->message.reply_to_message_id == "9");
  CHECK_FALSE(u->message.has_reply_author);
  CHECK(u->message.reply_to_author.id.empty());
}

TEST_CASE("a photo's caption stands in for the text", "[telegram][update]") {
  auto u = parse_update(R"({"update_id":2,"message":{"message_id":1,
    "from":{"id":1,"first_name":"A","last_name":"B"},
    "chat":{"id":1,"type":"private"},"caption":"/np"}})");
  REQUIRE(u);
  CHECK(u->message.text == "/np");
  CHECK(u->message.author.display_name == "A B");
}

TEST_CASE("my_chat_member reports the bot being added and removed",
          "[telegram][update]") {
  auto json = [](const char* status) {
    return std::string{R"({"update_id":5,"my_chat_member":{
      "chat":{"id":-100777,"type":"supergroup","title":"Club"},
      "from":{"id":3,"first_name":"Admin"},"date":1,
      "old_chat_member":{"status":"left","user":{"id":9,"first_name":"bot"}},
      "new_chat_member":{"status":")"}
           + status + R"(","user":{"id":9,"first_name":"bot"}}}})";
  };
  auto added = parse_update(json("administrator"));
  REQUIRE(added);
  REQUIRE(added->kind == update_kind::my_chat_member);
  CHECK(added->member.chat.id == "-100777");
  CHECK(added->member.chat.title == "Club");
  CHECK(added->member.from.id == "3");
  CHECK(added->member.new_status == "administrator");
  CHECK(added->member.change == membership_change::added);
  auto member = parse_update(json("member"));
  REQUIRE(member);
  CHECK(member->member.change == membership_change::added);
  auto kicked = parse_update(json("kicked"));
  REQUIRE(kicked);
  CHECK(kicked->member.change == membership_change::removed);
  auto left = parse_update(json("left"));
  REQUIRE(left);
  CHECK(left->member.change == membership_change::removed);
  auto restricted = parse_update(json("restricted"));
  REQUIRE(restricted);
  CHECK(restricted->member.change == membership_change::other);
}

TEST_CASE("service messages name the member who left and the new supergroup id",
          "[telegram][update]") {
  auto left = parse_update(R"({"update_id":8,"message":{"message_id":4,"date":1,
    "chat":{"id":-100777,"type":"supergroup","title":"Club"},
    "from":{"id":3,"first_name":"Admin"},
    "left_chat_member":{"id":42,"first_name":"Gone","is_bot":false}}})");
  REQUIRE(left);
  CHECK(left->kind == update_kind::message);
  CHECK(left->left_member_id == "42");
  CHECK(left->migrate_to_chat_id.empty());
  CHECK(left->message.text.empty());
  auto moved = parse_update(R"({"update_id":9,"message":{"message_id":5,"date":1,
    "chat":{"id":-777,"type":"group","title":"Club"},
    "from":{"id":3,"first_name":"Admin"},"migrate_to_chat_id":-1001234567890}})");
  REQUIRE(moved);
  CHECK(moved->migrate_to_chat_id == "-1001234567890");
  CHECK(moved->left_member_id.empty());
  auto plain = parse_update(R"({"update_id":10,"message":{"message_id":6,"date":1,
    "chat":{"id":-777,"type":"group"},"from":{"id":3,"first_name":"A"},"text":"/wk"}})");
  REQUIRE(plain);
  CHECK(plain->left_member_id.empty());
  CHECK(plain->migrate_to_chat_id.empty());
}

TEST_CASE("an unknown update type is unsupported with its field name",
          "[telegram][update]") {
  auto u = parse_update(
    R"({"update_id":7,"channel_post":{"message_id":1}})");
  REQUIRE(u);
  CHECK(u->update_id == 7);
  CHECK(u->kind == update_kind::unsupported);
  CHECK(u->unsupported_field == "channel_post");
}

TEST_CASE("malformed, truncated and mistyped updates give error values",
          "[telegram][update]") {
  auto truncated = fixture("update-private-text.json");
  truncated.resize(truncated.size() / 2);
  auto t = parse_update(truncated);
  REQUIRE_FALSE(t);
  CHECK(t.error().code == parse_errc::malformed_json);
  CHECK_FALSE(t.error().message.empty());

  for (auto text : {"", "not json", "{", "[1,2]", "null", "{} trailing"}) {
    INFO(text);
    CHECK_FALSE(parse_update(text));
  }

  auto no_id = parse_update(R"({"message":{}})");
  REQUIRE_FALSE(no_id);
  CHECK(no_id.error().code == parse_errc::missing_field);
  CHECK(no_id.error().message == "missing field update_id");

  auto string_id = parse_update(R"({"update_id":"1"})");
  REQUIRE_FALSE(string_id);
  CHECK(string_id.error().code == parse_errc::wrong_type);

  auto no_chat = parse_update(R"({"update_id":1,"message":{"message_id":1,
    "from":{"id":1,"first_name":"A"},"text":"x"}})");
  REQUIRE_FALSE(no_chat);
  CHECK(no_chat.error().code == parse_errc::missing_field);
  CHECK(no_chat.error().message == "missing field message.chat");

  auto text_number = parse_update(R"({"update_id":1,"message":{
    "message_id":1,"from":{"id":1,"first_name":"A"},
    "chat":{"id":1,"type":"private"},"text":5}})");
  REQUIRE_FALSE(text_number);
  CHECK(text_number.error().code == parse_errc::wrong_type);
  CHECK(text_number.error().message == "field message.text is not a string");

  auto float_chat = parse_update(R"({"update_id":1,"message":{
    "message_id":1,"from":{"id":1,"first_name":"A"},
    "chat":{"id":1.5,"type":"private"},"text":"x"}})");
  REQUIRE_FALSE(float_chat);
  CHECK(float_chat.error().message
        == "field message.chat.id is not a 64-bit integer");
}

TEST_CASE("deeply nested input is an error, not a stack overflow",
          "[telegram][update]") {
  std::string deep(100000, '[');
  CHECK_FALSE(parse_update(deep));
}

TEST_CASE("getMe's response yields the bot's id and username",
          "[telegram][response]") {
  auto r = parse_response(fixture("response-getme.json"));
  REQUIRE(r);
  CHECK(r->ok);
  CHECK(r->error_code == 0);
  auto me = parse_get_me(r->result);
  REQUIRE(me);
  CHECK(me->id == "1276618370");
  CHECK(me->username == "el_mon_test_bot");
}

TEST_CASE("getUpdates' result splits into raw updates that parse",
          "[telegram][response]") {
  auto r = parse_response(fixture("response-getupdates.json"));
  REQUIRE(r);
  CHECK(r->ok);
  auto updates = parse_updates(r->result);
  REQUIRE(updates);
  REQUIRE(updates->size() == 1);
  CHECK(updates->front().update_id == 379656753);
  auto u = parse_update(updates->front().json);
  REQUIRE(u);
  CHECK(u->message.text == "dsaf");
  CHECK(u->message.author.display_name == "Ayrat Badykov");

  auto empty = parse_updates("[]");
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK_FALSE(parse_updates(R"({"update_id":1})"));
  CHECK_FALSE(parse_updates(R"([{"message":{}}])"));
}

TEST_CASE("sendMessage's response is ok with the sent message as result",
          "[telegram][response]") {
  auto r = parse_response(fixture("response-sendmessage.json"));
  REQUIRE(r);
  CHECK(r->ok);
  CHECK(r->result.find("\"message_id\":2746") != std::string::npos);
}

TEST_CASE("error responses carry code and description",
          "[telegram][response]") {
  auto bad = parse_response(fixture("response-error-400-chat-not-found.json"));
  REQUIRE(bad);
  CHECK_FALSE(bad->ok);
  CHECK(bad->error_code == 400);
  CHECK(bad->description == "Bad Request: chat not found");
  CHECK(bad->result.empty());
  CHECK(bad->retry_after == 0);
  CHECK(bad->migrate_to_chat_id.empty());

  auto unauthorized = parse_response(
    fixture("response-error-401-unauthorized.json"));
  REQUIRE(unauthorized);
  CHECK_FALSE(unauthorized->ok);
  CHECK(unauthorized->error_code == 401);
  CHECK(unauthorized->description == "Unauthorized");
}

TEST_CASE("flood and migration parameters are read", "[telegram][response]") {
  auto flood = parse_response(R"({"ok":false,"error_code":429,
    "description":"Too Many Requests: retry after 7",
    "parameters":{"retry_after":7}})");
  REQUIRE(flood);
  CHECK(flood->retry_after == 7);
  auto migrated = parse_response(R"({"ok":false,"error_code":400,
    "description":"Bad Request: group chat was upgraded to a supergroup chat",
    "parameters":{"migrate_to_chat_id":-1001234567890}})");
  REQUIRE(migrated);
  CHECK(migrated->migrate_to_chat_id == "-1001234567890");
}

TEST_CASE("malformed responses give error values", "[telegram][response]") {
  CHECK_FALSE(parse_response(R"({"ok":true,"result":)"));
  CHECK_FALSE(parse_response(R"({"result":1})"));
  CHECK_FALSE(parse_response(R"({"ok":"true"})"));
  CHECK_FALSE(parse_response(R"({"ok":false,"description":"x"})"));
  CHECK_FALSE(parse_response(R"({"ok":false,"error_code":"400"})"));
  CHECK_FALSE(parse_get_me(R"({"id":"1","username":"x"})"));
  CHECK_FALSE(parse_get_me(R"({"id":1})"));
}

TEST_CASE("getChatMember results give the member's status", "[telegram][update][admin]") {
  // ChatMemberOwner, ChatMemberAdministrator and ChatMemberMember as the Bot
  // API documents them (https://core.telegram.org/bots/api#chatmember).
  auto owner = parse_chat_member_status(
    R"({"user":{"id":7,"is_bot":false,"first_name":"Ana"},"status":"creator","is_anonymous":false})");
  REQUIRE(owner);
  CHECK(owner.value() == "creator");
  auto admin = parse_chat_member_status(
    R"({"user":{"id":8,"is_bot":false,"first_name":"Bob"},"status":"administrator",)"
    R"("can_be_edited":false,"is_anonymous":false,"can_manage_chat":true,)"
    R"("can_delete_messages":true,"can_manage_video_chats":true,"can_restrict_members":true,)"
    R"("can_promote_members":false,"can_change_info":true,"can_invite_users":true,)"
    R"("can_pin_messages":true,"custom_title":"mod"})");
  REQUIRE(admin);
  CHECK(admin.value() == "administrator");
  auto plain = parse_chat_member_status(
    R"({"user":{"id":9,"is_bot":false,"first_name":"Cid"},"status":"member"})");
  REQUIRE(plain);
  CHECK(plain.value() == "member");
  CHECK_FALSE(parse_chat_member_status(R"({"user":{"id":9}})"));
  CHECK_FALSE(parse_chat_member_status(R"({"status":5})"));
  CHECK_FALSE(parse_chat_member_status("[]"));
  CHECK_FALSE(parse_chat_member_status("{"));
}

TEST_CASE("a lone surrogate escape in a text becomes U+FFFD, not broken UTF-8",
          "[telegram][update]") {
  auto json = fixture("update-private-text.json");
  auto at = json.find("\"text\": \"4\"");
  REQUIRE(at != std::string::npos);
  json.replace(at, 11, "\"text\": \"x\\udfa2\\u00e9\"");
  auto u = parse_update(json);
  REQUIRE(u);
  CHECK(u->message.text == "x\xEF\xBF\xBD\xC3\xA9");
}
