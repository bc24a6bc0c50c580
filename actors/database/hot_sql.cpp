#include "actors/database/hot_sql.hpp"

#include <algorithm>
#include <cctype>

namespace lastgram::database::hot_sql {

std::string numbered_placeholders(std::string_view sql, std::vector<std::string>& names) {
  names.clear();
  std::string out;
  out.reserve(sql.size());
  auto ident = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'')
      quoted = !quoted;
    bool cast = c == ':' && i + 1 < sql.size() && sql[i + 1] == ':';
    if (quoted || c != ':' || cast || i + 1 >= sql.size() || !ident(sql[i + 1])) {
      out += c;
      if (cast)
        out += sql[++i];
      continue;
    }
    auto end = i + 1;
    while (end < sql.size() && ident(sql[end]))
      ++end;
    std::string name{sql.substr(i + 1, end - i - 1)};
    auto at = std::find(names.begin(), names.end(), name);
    if (at == names.end())
      at = names.insert(names.end(), std::move(name));
    out += '$';
    out += std::to_string(at - names.begin() + 1);
    i = end - 1;
  }
  return out;
}

} // namespace lastgram::database::hot_sql
