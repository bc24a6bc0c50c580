#pragma once

/// Text clean-up for Last.fm payloads: HTML entities in names, HTML in wiki
/// and bio summaries, the placeholder image. Pure functions used by parse.cpp
/// and tested on their own.

#include <string>
#include <string_view>

namespace lastgram::fm {

/// Decodes HTML character references: `&amp; &lt; &gt; &quot; &apos; &#39;
/// &nbsp;`, decimal `&#NNN;` and hex `&#xHH;` (to UTF-8). Unknown or
/// unterminated references stay as written; invalid code points become
/// U+FFFD. One pass, so `&amp;amp;` gives `&amp;`.
std::string decode_entities(std::string_view in);

/// Turns a Last.fm bio or wiki summary into plain text: drops the trailing
/// "Read more on Last.fm" link (and the lone period Last.fm leaves after it),
/// keeps the text of other links, removes other tags (`<br>` becomes a line
/// break), decodes entities and trims surrounding whitespace.
std::string html_to_text(std::string_view in);

/// Whether `url` is Last.fm's grey star placeholder, which it returns for
/// every artist image since 2019 and which is as good as no image.
bool is_placeholder_image(std::string_view url) noexcept;

} // namespace lastgram::fm
