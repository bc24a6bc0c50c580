#include "platforms/net/multipart.hpp"

#include <random>

namespace lastgram::net {

namespace {

/// 32 random hex digits after a fixed prefix: 128 bits, far below RFC 2046's
/// 70-character limit. Uniqueness matters, not secrecy, so std::random_device
/// is enough.
std::string random_boundary() {
  static constexpr char hex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out = "lastgram-form-";
  for (int i = 0; i < 4; ++i) {
    auto word = rd();
    for (int j = 0; j < 8; ++j, word >>= 4)
      out += hex[word & 0xF];
  }
  return out;
}

bool occurs_in(const std::string& boundary, const std::vector<form_part>& parts) {
  for (auto& p : parts)
    if (p.data.find(boundary) != std::string::npos
        || p.name.find(boundary) != std::string::npos
        || p.filename.find(boundary) != std::string::npos)
      return true;
  return false;
}

/// A name or file name as a quoted-string value of Content-Disposition.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += "%22";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out + '"';
}

/// Drops CR and LF from a header value.
std::string header_value(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n')
      out += c;
  return out;
}

} // namespace

form_part text_part(std::string name, std::string value) {
  return form_part{std::move(name), {}, {}, std::move(value)};
}

form_part file_part(std::string name, std::string filename, std::string content_type,
                    std::string data) {
  return form_part{std::move(name), std::move(filename), std::move(content_type),
                   std::move(data)};
}

form_body encode_multipart(const std::vector<form_part>& parts) {
  form_body out;
  do
    out.boundary = random_boundary();
  while (occurs_in(out.boundary, parts));
  std::size_t size = 0;
  for (auto& p : parts)
    size += p.data.size() + p.name.size() + p.filename.size() + 160;
  out.body.reserve(size + out.boundary.size() * (parts.size() + 1));
  for (auto& p : parts) {
    out.body += "--" + out.boundary + "\r\n";
    out.body += "Content-Disposition: form-data; name=" + quoted(p.name);
    if (!p.filename.empty())
      out.body += "; filename=" + quoted(p.filename);
    out.body += "\r\n";
    if (!p.content_type.empty())
      out.body += "Content-Type: " + header_value(p.content_type) + "\r\n";
    out.body += "\r\n";
    out.body += p.data;
    out.body += "\r\n";
  }
  out.body += "--" + out.boundary + "--\r\n";
  out.content_type = "multipart/form-data; boundary=" + out.boundary;
  return out;
}

} // namespace lastgram::net
