// Discord interactions (the HTTP endpoint's body, a gateway dispatch's d):
// parse_interaction, then to_message and to_press as the engines get them,
// and the endpoint's signature check on the same body.

#include "fuzz/targets.hpp"

#include <algorithm>

#include "platforms/discord/interaction.hpp"
#include "platforms/discord/signature.hpp"

namespace lastgram::fuzz {

namespace {

constexpr std::string_view target = "discord_interaction";

// tests/fixtures/discord/interaction-ping-signed-headers.json's key.
constexpr std::string_view public_key =
  "62937154bdfd60e39acd6517d0962e879b2c3970e29dcbf0465c275398d06d24";

void check_message(const discord::interaction& i, bool utf8) {
  // Declared in reverse, so that the reordering runs too; a command declares
  // each name once.
  std::vector<std::string> declared;
  for (const auto& o : i.options)
    if (std::find(declared.begin(), declared.end(), o.name) == declared.end())
      declared.insert(declared.begin(), o.name);
  auto m = discord::to_message(i, declared);
  const std::string head = "/" + i.command_name;
  require(m.text.compare(0, head.size(), head) == 0, target, "a command text not /<name>");
  // Every value but a user's goes in once, each after one space.
  std::size_t expected = head.size();
  for (const auto& o : i.options)
    if (o.type != 6 && !o.value.empty())
      expected += 1 + o.value.size();
  require(m.text.size() == expected, target, "option values lost or repeated in the text");
  require(m.chat.id == (i.guild_id.empty() ? i.user.id : i.guild_id), target,
          "the message in the wrong chat");
  require(m.has_reply_author == i.has_target, target, "the command's target lost");
  if (utf8)
    require(valid_utf8(m.text) && valid_utf8(m.author.display_name)
              && valid_utf8(m.reply_to_author.display_name),
            target, "text of a UTF-8 interaction is not UTF-8");
}

} // namespace

void fuzz_discord_interaction(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  // The endpoint checks the signature before it parses: a body is never
  // signed by chance (the first 128 bytes as the signature).
  auto check = discord::check_request(public_key, json.substr(0, 128), "1721936669", json, 300,
                                      1721936669);
  require(check != discord::signature_check::ok, target, "a forged signature accepted");
  require(std::string_view{discord::to_string(check)} != "unknown", target,
          "a signature check without a name");

  auto parsed = discord::parse_interaction(json);
  if (!parsed) {
    require(!parsed.error().empty(), target, "a refusal without a reason");
    return;
  }
  const auto& i = *parsed;
  require(!i.id.empty() && !i.token.empty(), target, "an interaction without id or token");
  const bool utf8 = valid_utf8(json);
  check_message(i, utf8);
  auto press = discord::to_press(i);
  require(press.data == i.custom_id && press.press_id == i.id, target,
          "a press that is not the interaction's");
  if (utf8)
    require(valid_utf8(press.data) && valid_utf8(press.from.display_name), target,
            "a press of a UTF-8 interaction is not UTF-8");
}

} // namespace lastgram::fuzz
