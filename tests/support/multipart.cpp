#include "support/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace lastgram::test {

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The value of `key="..."` (or key=token) in a header's parameters.
std::optional<std::string> param(std::string_view header, std::string_view key) {
  auto low = lower(header);
  std::string needle = "; " + std::string{key} + "=";
  auto at = low.find(needle);
  if (at == std::string::npos)
    return std::nullopt;
  auto v = header.substr(at + needle.size());
  if (!v.empty() && v.front() == '"') {
    auto end = v.find('"', 1);
    if (end == std::string_view::npos)
      return std::nullopt;
    return std::string{v.substr(1, end - 1)};
  }
  return std::string{v.substr(0, v.find(';'))};
}

bool fail(std::string* error, std::string why) {
  if (error)
    *error = std::move(why);
  return false;
}

/// Reads one part's header lines into `part`.
bool read_headers(std::string_view head, parsed_part& part, std::string* error) {
  bool named = false;
  while (!head.empty()) {
    auto eol = head.find("\r\n");
    auto line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return fail(error, "a part header without ':'");
    auto key = lower(line.substr(0, colon));
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    if (key == "content-disposition") {
      auto kind = lower(value);
      if (kind != "form-data" && kind.rfind("form-data;", 0) != 0)
        return fail(error, "Content-Disposition is not form-data");
      auto name = param(value, "name");
      if (!name || name->empty())
        return fail(error, "Content-Disposition without a name");
      part.name = *name;
      if (auto file = param(value, "filename")) {
        part.filename = *file;
        part.has_filename = true;
      }
      named = true;
    } else if (key == "content-type") {
      part.content_type = std::string{value};
    }
  }
  return named || fail(error, "a part without Content-Disposition");
}

} // namespace

const parsed_part* parsed_form::find(std::string_view name) const {
  for (auto& p : parts)
    if (p.name == name)
      return &p;
  return nullptr;
}

std::optional<parsed_form> parse_multipart(std::string_view content_type, std::string_view body,
                                           std::string* error) {
  if (lower(content_type).rfind("multipart/form-data", 0) != 0) {
    fail(error, "Content-Type is not multipart/form-data");
    return std::nullopt;
  }
  auto boundary = param(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    fail(error, "no valid boundary");
    return std::nullopt;
  }
  parsed_form form;
  form.boundary = *boundary;
  std::string first = "--" + *boundary + "\r\n";
  std::string delimiter = "\r\n--" + *boundary;
  if (body.substr(0, first.size()) != first) {
    fail(error, "the body does not start with the boundary line");
    return std::nullopt;
  }
  std::size_t pos = first.size();
  for (;;) {
    auto head_end = body.find("\r\n\r\n", pos);
    auto next = body.find(delimiter, pos);
    if (head_end == std::string_view::npos || next == std::string_view::npos) {
      fail(error, "a part is not closed by the boundary");
      return std::nullopt;
    }
    parsed_part part;
    // A part with no header lines at all starts with the blank line.
    auto head = head_end < next ? body.substr(pos, head_end - pos) : std::string_view{};
    if (!read_headers(head, part, error))
      return std::nullopt;
    auto data_at = head_end + 4;
    if (data_at > next) {
      fail(error, "a part's headers run into the boundary");
      return std::nullopt;
    }
    part.data = std::string{body.substr(data_at, next - data_at)};
    form.parts.push_back(std::move(part));
    pos = next + delimiter.size();
    auto rest = body.substr(pos);
    if (rest.substr(0, 2) == "\r\n") {
      pos += 2;
      continue;
    }
    if (rest == "--" || rest == "--\r\n")
      return form;
    fail(error, rest.substr(0, 2) == "--" ? "bytes after the closing boundary"
                                          : "the boundary is not followed by CRLF or --");
    return std::nullopt;
  }
}

bool is_jpeg(std::string_view data) {
  return data.size() >= 3 && static_cast<unsigned char>(data[0]) == 0xFF
         && static_cast<unsigned char>(data[1]) == 0xD8
         && static_cast<unsigned char>(data[2]) == 0xFF;
}

std::string fake_jpeg(std::size_t size) {
  std::string out = "\xFF\xD8\xFF\xE0";
  out += "\r\n--\r\n\r\n";
  for (std::size_t i = 0; out.size() + 2 < size; ++i)
    out += static_cast<char>(i * 7 % 256);
  out += "\xFF\xD9";
  return out;
}

} // namespace lastgram::test
