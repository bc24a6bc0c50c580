#pragma once

/// Rich text read from fuzz input, for the rendering properties
/// (telegram_html, discord_markdown): spans until the input ends, each a
/// style byte (low 4 bits), its text, and its URL when it is a link.

#include "fuzz/targets.hpp"
#include "messages/model.hpp"

namespace lastgram::fuzz {

inline rich_text read_rich_text(input& in) {
  rich_text text;
  while (!in.empty()) {
    text_span span;
    span.style = static_cast<std::uint8_t>(in.byte() & 0x0F);
    span.text = in.short_text();
    if ((span.style & style_link) != 0)
      span.url = in.short_text();
    text.push_back(std::move(span));
  }
  return text;
}

} // namespace lastgram::fuzz
