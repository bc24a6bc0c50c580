#include "platforms/telegram/inline_results.hpp"

#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "platforms/telegram/html.hpp"

namespace lastgram::telegram {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

std::string rest_lines(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? std::string{} : s.substr(nl + 1);
}

void write_result(writer& w, const std::string& id, const outgoing_reply& reply, bool ok) {
  auto plain = plain_text(reply.text);
  bool photo = ok && !reply.image_url.empty() && is_allowed_url(reply.image_url)
               && fits_caption(reply.text);
  w.StartObject();
  str(w, "type");
  str(w, photo ? "photo" : "article");
  str(w, "id");
  str(w, ok ? id : std::string{"refused"});
  str(w, "title");
  str(w, first_line(plain));
  str(w, "description");
  str(w, rest_lines(plain).substr(0, 200));
  if (photo) {
    str(w, "photo_url");
    str(w, reply.image_url);
    str(w, "thumbnail_url");
    str(w, reply.image_url);
    str(w, "caption");
    str(w, to_html(reply.text));
    str(w, "parse_mode");
    str(w, "HTML");
  } else {
    // An inline result is one message: its first piece.
    auto pieces = split_message(reply.text);
    str(w, "input_message_content");
    w.StartObject();
    str(w, "message_text");
    str(w, pieces.empty() ? plain : pieces.front());
    str(w, "parse_mode");
    str(w, "HTML");
    w.EndObject();
  }
  w.EndObject();
}

} // namespace

std::string inline_results_json(const std::vector<inline_answer>& answers) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartArray();
  bool refusal_written = false;
  for (auto& [id, res] : answers) {
    // A picture the bot drew has no URL to offer it by (see photo_jpeg).
    if (res.replies.empty() || !res.replies.front().photo_jpeg.empty())
      continue;
    bool ok = res.outcome == command_outcome::ok;
    if (!ok) {
      if (refusal_written)
        continue;
      refusal_written = true;
    }
    write_result(w, id, res.replies.front(), ok);
  }
  w.EndArray();
  return buf.GetString();
}

} // namespace lastgram::telegram
