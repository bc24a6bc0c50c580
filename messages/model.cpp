#include "messages/model.hpp"

namespace lastgram {

std::string to_string(platform_kind x) {
  switch (x) {
    case platform_kind::console: return "console";
    case platform_kind::telegram: return "telegram";
    case platform_kind::discord: return "discord";
  }
  return "unknown";
}

std::string to_string(chat_kind x) {
  switch (x) {
    case chat_kind::private_chat: return "private";
    case chat_kind::group: return "group";
  }
  return "unknown";
}

std::string to_string(command_outcome x) {
  switch (x) {
    case command_outcome::ok: return "ok";
    case command_outcome::ignored: return "ignored";
    case command_outcome::unknown: return "unknown";
    case command_outcome::usage: return "usage";
    case command_outcome::guard_failed: return "guard_failed";
    case command_outcome::failed: return "failed";
    case command_outcome::timed_out: return "timed_out";
    case command_outcome::busy: return "busy";
    case command_outcome::shutting_down: return "shutting_down";
  }
  return "unknown";
}

text_builder& text_builder::styled(std::string_view s, std::uint8_t style) {
  if (s.empty())
    return *this;
  // Merge with the previous span when the style is the same: fewer spans,
  // fewer tags in the rendered output.
  if (!spans_.empty() && spans_.back().style == style && !(style & style_link)) {
    spans_.back().text.append(s);
    return *this;
  }
  spans_.push_back(text_span{std::string{s}, style, {}});
  return *this;
}

text_builder& text_builder::plain(std::string_view s) {
  return styled(s, style_plain);
}
text_builder& text_builder::bold(std::string_view s) {
  return styled(s, style_bold);
}
text_builder& text_builder::italic(std::string_view s) {
  return styled(s, style_italic);
}
text_builder& text_builder::code(std::string_view s) {
  return styled(s, style_code);
}
text_builder& text_builder::newline() {
  return styled("\n", style_plain);
}

text_builder& text_builder::link(std::string_view label, std::string_view url) {
  spans_.push_back(text_span{std::string{label}, style_link, std::string{url}});
  return *this;
}

std::string plain_text(const rich_text& text) {
  std::string out;
  for (auto& span : text)
    out += span.text;
  return out;
}

} // namespace lastgram
