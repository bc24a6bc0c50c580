#include "runtime/ini_reader.hpp"

#include "i18n/utf8.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace lastgram::runtime {
namespace {

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

std::string describe_char(char c) {
  if (c == '\r')
    return "'\\r' (a lone carriage return)";
  if (std::isprint(static_cast<unsigned char>(c)))
    return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
  return buf;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

} // namespace

void ini_reader::read_file(std::vector<ini_item>& items, std::vector<ini_syntax_error>& errors) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF")
    pos_ = 3; // UTF-8 byte order mark, as some editors write it
  while (!at_end()) {
    skip_blanks();
    if (at_end())
      break;
    char c = peek();
    if (c == '\n' || c == '#' || c == ';') {
      skip_line();
      continue;
    }
    ini_item item;
    item.line = line_;
    if (c == '[' ? read_header(item) : read_entry(item)) {
      items.push_back(std::move(item));
    } else {
      errors.push_back({error_line_, std::move(error_)});
      skip_line();
    }
  }
}

std::optional<std::string> ini_reader::read_single(ini_value& out) {
  skip_blanks();
  if (!read_value(out, false))
    return error_;
  skip_blanks();
  if (!at_end())
    return "unexpected " + describe_char(peek()) + " after the value";
  return std::nullopt;
}

void ini_reader::advance() {
  if (text_[pos_] == '\n')
    ++line_;
  ++pos_;
}

void ini_reader::skip_blanks() {
  while (!at_end() && is_blank(peek()))
    advance();
}

void ini_reader::skip_line() {
  while (!at_end() && peek() != '\n')
    advance();
  if (!at_end())
    advance();
}

// Lists may span lines and hold comments, as in CAF.
void ini_reader::skip_list_space() {
  while (!at_end()) {
    char c = peek();
    if (c == '#' || c == ';') {
      while (!at_end() && peek() != '\n')
        advance();
    } else if (is_blank(c) || c == '\n') {
      advance();
    } else {
      return;
    }
  }
}

bool ini_reader::fail(std::string message, int line) {
  error_ = std::move(message);
  error_line_ = line != 0 ? line : line_;
  return false;
}

bool ini_reader::end_of_line() {
  skip_blanks();
  if (at_end() || peek() == '\n' || peek() == '#' || peek() == ';') {
    skip_line();
    return true;
  }
  return fail("unexpected " + describe_char(peek()) + " after the value");
}

bool ini_reader::read_header(ini_item& item) {
  advance(); // '['
  skip_blanks();
  while (is_key_char(peek()) || peek() == '.') {
    item.key += peek();
    advance();
  }
  if (item.key.empty())
    return fail("expected a section name after '['");
  skip_blanks();
  if (peek() != ']')
    return fail("expected ']' after [" + item.key);
  advance();
  item.header = true;
  return end_of_line();
}

bool ini_reader::read_entry(ini_item& item) {
  while (is_key_char(peek())) {
    item.key += peek();
    advance();
  }
  if (item.key.empty())
    return fail("unexpected " + describe_char(peek())
                + "; expected key=value, a [section] or a comment");
  skip_blanks();
  if (peek() != '=')
    return fail("expected '=' after " + item.key);
  advance();
  skip_blanks();
  return read_value(item.value, false) && end_of_line();
}

bool ini_reader::read_value(ini_value& out, bool in_list) {
  char c = peek();
  if (at_end() || c == '\n' || (!in_list && (c == '#' || c == ';')))
    return fail("missing value (write \"\" for an empty string)");
  if (c == '"') {
    out.type = ini_value::kind::quoted;
    return read_quoted(out.text);
  }
  if (c == '[') {
    out.type = ini_value::kind::list;
    return read_list(out);
  }
  if (c == '\'' || c == '{' || c == '<')
    return fail("atoms, maps and URIs are not supported; write strings as \"...\"");
  out.type = ini_value::kind::bare;
  if (in_list) {
    while (!at_end() && std::strchr(",] \t\n", peek()) == nullptr) {
      out.text += peek();
      advance();
    }
    return out.text.empty() ? fail("unexpected " + describe_char(c) + " in list") : true;
  }
  // An unquoted value runs to the end of the line or to a comment that
  // follows a blank, so URLs may still contain '#' and ';'.
  while (!at_end() && peek() != '\n') {
    char x = peek();
    if ((x == '#' || x == ';') && !out.text.empty() && is_blank(out.text.back()))
      break;
    out.text += x;
    advance();
  }
  while (!out.text.empty() && is_blank(out.text.back()))
    out.text.pop_back();
  return true;
}

bool ini_reader::read_quoted(std::string& out) {
  advance(); // opening quote
  for (;;) {
    if (at_end() || peek() == '\n')
      return fail("unterminated string (missing closing \")");
    char c = peek();
    advance();
    if (c == '"')
      return true;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (at_end() || peek() == '\n')
      return fail("unterminated string (missing closing \")");
    char e = peek();
    advance();
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      default:
        return fail("unknown escape \\" + std::string(1, e)
                    + " (use \\n, \\r, \\t, \\\\ or \\\")");
    }
  }
}

bool ini_reader::read_list(ini_value& out) {
  int start = line_; // an unclosed list is reported where it opens
  advance();         // '['
  for (;;) {
    skip_list_space();
    if (at_end())
      return fail("unterminated list (missing ']')", start);
    if (peek() == ']') {
      advance();
      return true;
    }
    ini_value item;
    if (!read_value(item, true))
      return false;
    out.items.push_back(std::move(item));
    skip_list_space();
    if (peek() == ',') {
      advance();
    } else if (peek() == ']') {
      advance();
      return true;
    } else {
      if (at_end())
        return fail("unterminated list (missing ']')", start);
      return fail("expected ',' or ']' in list, got " + describe_char(peek()));
    }
  }
}

std::optional<std::string> value_problem(const ini_value& v) {
  if (v.type == ini_value::kind::list) {
    for (const auto& item : v.items)
      if (auto e = value_problem(item))
        return e;
    return std::nullopt;
  }
  if (v.text.size() > max_value_bytes)
    return "the value is longer than " + std::to_string(max_value_bytes) + " bytes";
  if (auto at = i18n::invalid_utf8_at(v.text); at != std::string_view::npos)
    return "the value is not valid UTF-8 (byte " + std::to_string(at + 1) + ")";
  return std::nullopt;
}

std::string ini_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default: out += c;
    }
  }
  return out + "\"";
}

} // namespace lastgram::runtime
