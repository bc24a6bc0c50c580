#include "actors/logging/token_shapes.hpp"

#include <array>
#include <cctype>

namespace lastgram::log {

namespace {

struct span {
  std::size_t begin = 0;
  std::size_t end = 0; // 0: no match
};

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || c == '-';
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Length of the run of characters satisfying `pred` from `at`.
template <class Pred>
std::size_t run(std::string_view s, std::size_t at, Pred pred) {
  std::size_t n = 0;
  while (at + n < s.size() && pred(s[at + n]))
    ++n;
  return n;
}

bool starts_with_nocase(std::string_view s, std::size_t at, std::string_view word) {
  if (s.size() - at < word.size())
    return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(s[at + k])) != word[k])
      return false;
  return true;
}

// `<digits>:<token chars>`, a Telegram bot token.
std::size_t telegram_token(std::string_view s, std::size_t at) {
  auto digits = run(s, at, [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  if (digits < 5 || digits > 15 || at + digits >= s.size() || s[at + digits] != ':')
    return 0;
  auto tail = run(s, at + digits + 1, is_token_char);
  return tail >= 30 ? at + digits + 1 + tail : 0;
}

// Three base64url segments separated by dots, a Discord token.
std::size_t discord_token(std::string_view s, std::size_t at) {
  constexpr std::array<std::pair<std::size_t, std::size_t>, 3> sizes{
    {{20, 40}, {5, 10}, {25, 200}}};
  std::size_t pos = at;
  for (std::size_t part = 0; part < sizes.size(); ++part) {
    auto n = run(s, pos, is_token_char);
    if (n < sizes[part].first || n > sizes[part].second)
      return 0;
    pos += n;
    if (part + 1 < sizes.size()) {
      if (pos >= s.size() || s[pos] != '.')
        return 0;
      ++pos;
    }
  }
  return pos;
}

// A word of exactly 32 hexadecimal digits.
std::size_t hex_key(std::string_view s, std::size_t at) {
  auto n = run(s, at, is_alnum);
  if (n != 32)
    return 0;
  for (std::size_t k = 0; k < n; ++k)
    if (!is_hex(s[at + k]))
      return 0;
  return at + n;
}

// `scheme://user-info@`: the user-info, up to the first '@' before the host
// ends ('/', '?', '#', whitespace or a quote).
span url_user_info(std::string_view s, std::size_t at) {
  if (!std::isalpha(static_cast<unsigned char>(s[at])))
    return {};
  // Schemes are short; the cap keeps "a.a.a.a..." from making this
  // quadratic (every '.' starts a word).
  constexpr std::size_t max_scheme = 32;
  std::size_t scheme = 0;
  while (scheme < max_scheme && at + scheme < s.size()) {
    char c = s[at + scheme];
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '.' && c != '-')
      break;
    ++scheme;
  }
  auto sep = at + scheme;
  if (s.compare(sep, 3, "://") != 0)
    return {};
  auto info = sep + 3;
  for (auto k = info; k < s.size(); ++k) {
    char c = s[k];
    if (c == '@')
      return k > info ? span{info, k} : span{};
    if (c == '/' || c == '?' || c == '#' || c == '"' || c == '\''
        || std::isspace(static_cast<unsigned char>(c)) != 0)
      return {};
  }
  return {};
}

bool is_credential_char(char c) {
  return is_token_char(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

// `Bot xxx`, `Bearer xxx`, `Basic xxx`: the credential after the scheme.
span authorization(std::string_view s, std::size_t at) {
  for (std::string_view scheme : {"bot ", "bearer ", "basic "}) {
    if (!starts_with_nocase(s, at, scheme))
      continue;
    auto from = at + scheme.size();
    auto n = run(s, from, is_credential_char);
    if (n >= 8)
      return {from, from + n};
  }
  return {};
}

// `name=value` for a parameter that carries a credential.
span credential_parameter(std::string_view s, std::size_t at) {
  for (std::string_view name : {"access_token=", "client_secret=", "api_key=", "api_sig=",
                                "password=", "secret=", "token=", "sk="}) {
    if (!starts_with_nocase(s, at, name))
      continue;
    auto from = at + name.size();
    auto n = run(s, from, [](char c) {
      return c != '&' && c != '"' && c != '\'' && c != ',' && c != ';' && c != '>'
             && std::isspace(static_cast<unsigned char>(c)) == 0;
    });
    if (n >= 4)
      return {from, from + n};
  }
  return {};
}

// The first shape at or after `from`.
span next_shape(std::string_view s, std::size_t from) {
  for (auto at = from; at < s.size(); ++at) {
    if (at > 0 && is_token_char(s[at - 1])) {
      // Shapes start at a word boundary, except a bot token in a Bot API
      // path, "/bot<token>/".
      if (at >= 3 && s.compare(at - 3, 3, "bot") == 0)
        if (auto end = telegram_token(s, at))
          return {at, end};
      continue;
    }
    if (auto end = telegram_token(s, at))
      return {at, end};
    if (auto end = discord_token(s, at))
      return {at, end};
    if (auto end = hex_key(s, at))
      return {at, end};
    if (auto m = url_user_info(s, at); m.end != 0)
      return m;
    if (auto m = authorization(s, at); m.end != 0)
      return m;
    if (auto m = credential_parameter(s, at); m.end != 0)
      return m;
  }
  return {};
}

} // namespace

bool has_token_shape(std::string_view text) {
  return next_shape(text, 0).end != 0;
}

std::string redact_token_shapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t done = 0;
  for (auto m = next_shape(text, 0); m.end != 0; m = next_shape(text, done)) {
    out.append(text, done, m.begin - done);
    out += "***";
    done = m.end;
  }
  out.append(text, done, std::string_view::npos);
  return out;
}

} // namespace lastgram::log
