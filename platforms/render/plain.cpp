#include "platforms/render/plain.hpp"

namespace lastgram::render {

std::string to_plain(const rich_text& text, plain_options opts) {
  std::string out;
  for (auto& span : text) {
    if (span.style & style_link) {
      out += span.text;
      if (!span.url.empty() && span.url != span.text) {
        out += " (";
        out += span.url;
        out += ')';
      }
      continue;
    }
    if (!opts.ansi || span.style == style_plain) {
      out += span.text;
      continue;
    }
    if (span.style & style_bold)
      out += "\x1b[1m";
    if (span.style & style_italic)
      out += "\x1b[3m";
    if (span.style & style_code)
      out += "\x1b[36m";
    out += span.text;
    out += "\x1b[0m";
  }
  return out;
}

std::string to_plain(const outgoing_reply& reply, plain_options opts) {
  std::string out = to_plain(reply.text, opts);
  if (!reply.photo_jpeg.empty()) {
    if (!out.empty() && out.back() != '\n')
      out += '\n';
    out += "[photo] ";
    out += opts.photo_path.empty()
             ? "(JPEG, " + std::to_string(reply.photo_jpeg.size()) + " bytes, not saved)"
             : opts.photo_path;
  } else if (!reply.image_url.empty()) {
    if (!out.empty() && out.back() != '\n')
      out += '\n';
    out += "[image] ";
    out += reply.image_url;
  }
  for (auto& row : reply.buttons) {
    if (row.empty())
      continue;
    if (!out.empty() && out.back() != '\n')
      out += '\n';
    bool first = true;
    for (auto& b : row) {
      if (!first)
        out += ' ';
      first = false;
      out += '[';
      out += b.label;
      if (!b.url.empty()) {
        out += ": ";
        out += b.url;
      }
      out += ']';
    }
  }
  return out;
}

} // namespace lastgram::render
