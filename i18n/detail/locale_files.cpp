#include "i18n/detail/locale_files.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;

namespace lastgram::i18n::detail {

namespace {

// Language codes are lowercase BCP 47-like tags ("pt", "zh-hant") so that
// resolve_language can match lowercased platform hints against them.
bool valid_language_code(const std::string& code) {
  if (code.empty() || code.front() == '-' || code.back() == '-')
    return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Line and column (1-based) of a byte offset, for parse errors a person can find.
std::string position_of(const std::string& text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return !in.bad();
}

// Parses one file; appends problems prefixed with the file name.
bool parse_locale(const std::string& name, const std::string& text, locale_file& out,
                  std::vector<std::string>& problems) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    problems.push_back(name + ": invalid JSON at " + position_of(text, doc.GetErrorOffset()) + ": "
                       + rapidjson::GetParseError_En(doc.GetParseError()));
    return false;
  }
  if (!doc.IsObject()) {
    problems.push_back(name + ": the root must be an object of \"key\": \"message\" pairs");
    return false;
  }
  bool ok = true;
  std::set<std::string> seen;
  for (const auto& member : doc.GetObject()) {
    std::string key(member.name.GetString(), member.name.GetStringLength());
    if (!member.value.IsString()) {
      problems.push_back(name + ": key '" + key + "' must have a string value (the file is flat)");
      ok = false;
      continue;
    }
    // RapidJSON keeps duplicate members; the second would silently shadow or
    // be shadowed, so it is an error.
    if (!seen.insert(key).second) {
      problems.push_back(name + ": duplicate key '" + key + "'");
      ok = false;
      continue;
    }
    out.messages.emplace_back(std::move(key), std::string(member.value.GetString(),
                                                          member.value.GetStringLength()));
  }
  return ok;
}

} // namespace

locale_dir read_locale_dir(const std::string& dir) {
  locale_dir result;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    result.problems.push_back(dir + ": not a directory of locale files");
    return result;
  }
  std::vector<fs::path> paths;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json")
      paths.push_back(it->path());
  if (ec) {
    result.problems.push_back(dir + ": cannot list: " + ec.message());
    return result;
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto name = path.filename().string();
    locale_file file;
    file.language = path.stem().string();
    if (!valid_language_code(file.language)) {
      result.problems.push_back(name + ": the file name must be a lowercase language code, e.g. pt.json");
      continue;
    }
    std::string text;
    if (!read_file(path, text)) {
      result.problems.push_back(name + ": cannot read the file");
      continue;
    }
    if (parse_locale(name, text, file, result.problems))
      result.files.push_back(std::move(file));
  }
  if (paths.empty())
    result.problems.push_back(dir + ": no locale files (*.json)");
  return result;
}

} // namespace lastgram::i18n::detail
