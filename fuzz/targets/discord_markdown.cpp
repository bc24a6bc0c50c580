// Property: whatever text users and Last.fm put in a reply, Discord shows it
// literally (escape_markdown, and to_markdown of plain spans), and a reply's
// message JSON is valid and within Discord's limits.

#include "fuzz/targets.hpp"
#include "fuzz/rich_text_input.hpp"

#include <set>
#include <vector>

#include <rapidjson/document.h>

#include "platforms/discord/markdown.hpp"

namespace lastgram::fuzz {

namespace {

constexpr std::string_view target = "discord_markdown";
constexpr std::string_view zwsp = "\xE2\x80\x8B";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool markdown_control(char c) {
  return std::string_view{"\\*_~`|>#[]<()"}.find(c) != std::string_view::npos;
}

// The characters a backslash escapes: the control characters and the list
// markers' '-', '+' and '.'.
bool escapable(char c) {
  return markdown_control(c) || c == '-' || c == '+' || c == '.';
}

// Whether `line` (from a line start) opens a list: spaces, then '-' or '+',
// or digits and '.'.
bool opens_list(std::string_view line) {
  std::size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos)
    return false;
  if (line[i] == '-' || line[i] == '+')
    return true;
  std::size_t j = i;
  while (j < line.size() && line[j] >= '0' && line[j] <= '9')
    ++j;
  return j > i && j < line.size() && line[j] == '.';
}

// The reference un-escaper: drops the backslash before an escaped character
// and the zero-width space after an '@' that escape put there. Checks on the
// way that no control character, list marker or mention is left unescaped.
std::string unescape(std::string_view md) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < md.size();) {
    if (line_start)
      require(!opens_list(md.substr(i, md.find('\n', i) - i)), target,
              "an unescaped list marker at a line start");
    line_start = false;
    char c = md[i];
    if (c == '\\') {
      require(i + 1 < md.size() && escapable(md[i + 1]), target, "a stray backslash");
      out += md[i + 1];
      i += 2;
      continue;
    }
    require(!markdown_control(c), target, "an unescaped Markdown control character");
    out += c;
    ++i;
    if (c == '\n')
      line_start = true;
    if (c == '@') {
      auto rest = md.substr(i);
      require(!starts_with(rest, "everyone") && !starts_with(rest, "here"), target,
              "@everyone or @here left as a mention");
      if (starts_with(rest, zwsp)
          && (starts_with(rest.substr(zwsp.size()), "everyone")
              || starts_with(rest.substr(zwsp.size()), "here")))
        i += zwsp.size();
    }
  }
  return out;
}

// UTF-16 units of valid UTF-8, counted apart from the code under test.
std::size_t utf16_units(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0u) != 0x80u)
      ++n;
    if (c >= 0xF0)
      ++n;
  }
  return n;
}

// The shown text is the input, unless the input held the zero-width space
// after an '@' itself (escape adds nothing there, and the un-escaper cannot
// tell the two apart).
void check_literal(std::string_view text, std::string_view md, const char* what) {
  auto back = unescape(md);
  if (text.find("@\xE2\x80\x8B") == std::string_view::npos)
    require(back == text, target, what);
}

std::string string_at(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  require(it != obj.MemberEnd() && it->value.IsString(), target,
          "a component without its string field");
  return {it->value.GetString(), it->value.GetStringLength()};
}

void check_components(const rapidjson::Value& rows) {
  require(rows.IsArray() && rows.Size() <= discord::rows_per_message, target,
          "more than 5 rows of components");
  std::set<std::string> ids;
  for (const auto& row : rows.GetArray()) {
    require(row.IsObject() && row.HasMember("components") && row["components"].IsArray(),
            target, "a row without components");
    const auto& items = row["components"];
    require(items.Size() >= 1 && items.Size() <= discord::buttons_per_row, target,
            "a row of 0 or more than 5 components");
    for (const auto& b : items.GetArray()) {
      auto label = string_at(b, "label");
      require(!label.empty() && utf16_units(label) <= discord::button_label_limit, target,
              "a button label empty or over 80");
      if (b.HasMember("custom_id")) {
        auto id = string_at(b, "custom_id");
        require(!id.empty() && utf16_units(id) <= discord::custom_id_limit, target,
                "a custom_id empty or over 100");
        require(ids.insert(id).second, target, "a custom_id twice in one message");
      } else {
        require(!string_at(b, "url").empty(), target, "a button with neither custom_id nor url");
      }
    }
  }
}

void check_message_json(const outgoing_reply& reply) {
  auto json = discord::message_json(reply);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  require(!d.HasParseError() && d.IsObject(), target, "message JSON that does not parse");
  require(d.HasMember("allowed_mentions") && d["allowed_mentions"]["parse"].IsArray()
            && d["allowed_mentions"]["parse"].Empty(),
          target, "a message that may mention");
  if (d.HasMember("content"))
    require(utf16_units(string_at(d, "content")) <= discord::content_limit, target,
            "content over 2,000");
  if (d.HasMember("embeds")) {
    const auto& embeds = d["embeds"];
    require(embeds.IsArray() && embeds.Size() == 1 && embeds[0].IsObject(), target,
            "embeds not one object");
    if (embeds[0].HasMember("description"))
      require(utf16_units(string_at(embeds[0], "description")) <= discord::description_limit,
              target, "description over 4,096");
  }
  if (d.HasMember("components"))
    check_components(d["components"]);
}

} // namespace

void fuzz_discord_markdown(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  const auto flags = in.byte();
  outgoing_reply reply;
  reply.ephemeral = (flags & 1) != 0;
  if ((flags & 2) != 0)
    reply.image_url = "https://lastfm.freetls.fastly.net/i/u/300x300/" + in.short_text(16);
  // Buttons: a count byte, then label / url-or-callback per button.
  const std::size_t buttons = in.byte() % 40;
  for (std::size_t k = 0; k < buttons; ++k) {
    if (reply.buttons.empty() || in.byte() % 4 == 0)
      reply.buttons.emplace_back();
    button b;
    b.label = in.short_text(120);
    auto value = in.short_text(140);
    if (!value.empty() && value.front() == 'h')
      b.url = "https://www.last.fm/" + value;
    else
      b.callback_data = value;
    reply.buttons.back().push_back(std::move(b));
  }
  reply.text = read_rich_text(in);
  bool plain = true;
  std::string whole;
  for (const auto& span : reply.text) {
    plain = plain && span.style == style_plain;
    whole += span.text;
  }
  check_literal(whole, discord::escape_markdown(whole), "escape_markdown does not show the text");
  if (plain)
    check_literal(whole, discord::to_markdown(reply.text),
                  "to_markdown of plain spans does not show the text");
  // Each span valid alone: a code point split over two spans is not text.
  bool utf8 = valid_utf8(reply.image_url);
  for (const auto& span : reply.text)
    utf8 = utf8 && valid_utf8(span.text) && valid_utf8(span.url);
  for (const auto& row : reply.buttons)
    for (const auto& b : row)
      utf8 = utf8 && valid_utf8(b.label) && valid_utf8(b.url) && valid_utf8(b.callback_data);
  if (utf8)
    check_message_json(reply);
}

} // namespace lastgram::fuzz
