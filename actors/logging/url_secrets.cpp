#include "actors/logging/url_secrets.hpp"

#include <algorithm>

namespace lastgram::log {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void add_both(std::vector<std::string>& out, std::string_view piece) {
  if (piece.empty())
    return;
  for (auto form : {std::string{piece}, *percent_decode(piece, false)})
    if (std::find(out.begin(), out.end(), form) == out.end())
      out.push_back(std::move(form));
}

void add_user_info(std::vector<std::string>& out, std::string_view info) {
  add_both(out, info);
  if (auto colon = info.find(':'); colon != std::string_view::npos)
    add_both(out, info.substr(colon + 1));
}

/// `password=` parameters of the query, wherever '?' first appears.
void add_query_passwords(std::vector<std::string>& out, std::string_view rest) {
  auto query = rest.find('?');
  if (query == std::string_view::npos)
    return;
  rest = rest.substr(query + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    constexpr std::string_view key = "password=";
    if (pair.substr(0, key.size()) == key)
      add_both(out, pair.substr(key.size()));
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
}

} // namespace

std::optional<std::string> percent_decode(std::string_view x, bool strict) {
  std::string out;
  out.reserve(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    int hi = x[i] == '%' && i + 2 < x.size() ? hex_digit(x[i + 1]) : -1;
    int lo = hi >= 0 ? hex_digit(x[i + 2]) : -1;
    if (x[i] == '%' && lo < 0 && strict)
      return std::nullopt;
    if (lo < 0) {
      out += x[i];
      continue;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::vector<std::string> url_secret_parts(std::string_view value) {
  std::vector<std::string> out;
  auto scheme_end = value.find("://");
  if (scheme_end == std::string_view::npos)
    return out;
  auto rest = value.substr(scheme_end + 3);
  if (auto first = rest.find('@'); first != std::string_view::npos) {
    add_user_info(out, rest.substr(0, first));
    add_user_info(out, rest.substr(0, rest.rfind('@')));
  }
  add_query_passwords(out, rest);
  return out;
}

} // namespace lastgram::log
