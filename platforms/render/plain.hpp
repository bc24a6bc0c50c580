#pragma once

#include <string>

#include "messages/model.hpp"

namespace lastgram::render {

/// Options for plain-text rendering (the console, logs, tests).
struct plain_options {
  /// Emit ANSI escapes for bold/italic/code (an interactive terminal).
  bool ansi = false;
  /// Where the reply's picture (outgoing_reply::photo_jpeg) was saved, shown
  /// in its place; empty: the picture is only announced with its size.
  std::string photo_path;
};

/// Renders rich text as plain text: styles dropped (or ANSI), links as
/// "label (url)" unless the label already is the url.
std::string to_plain(const rich_text& text, plain_options opts = {});

/// Renders a whole reply: text, then the picture ("[photo] <path>") or the
/// image URL, and the buttons, one element per line.
std::string to_plain(const outgoing_reply& reply, plain_options opts = {});

} // namespace lastgram::render
