// The keys the bot uses, derived from its source rather than listed by hand:
// a key added to the code is checked here without anyone remembering to.
// The registry's keys ("desc.<command>", "args.<argument>"), built at run
// time, are checked by tests/actors/command_texts.cpp.

#include "support/build_paths.hpp"
#include "i18n/catalog.hpp"

#include "i18n/temp_locales.hpp"
#include "i18n/translated.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

using lastgram::i18n::catalog;
using namespace lastgram::i18n::test;

namespace {

// The functions whose string argument is a message key, wherever it stands
// among their arguments: format(lang, "key"), reply_text("key"),
// fail("key", name), ... A literal anywhere else counts as a key when its
// first segment is one of the catalog's ("errors" in "errors.timeout"),
// which finds keys picked in a ternary or a table.
const std::set<std::string, std::less<>> key_taking_calls = {
  "format", "text", "reply_text", "fail", "t", "text_for", "reply_plain", "refuse",
  "answer_text", "invalid_message",
};

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

/// "segment.segment[.segment...]" in lowercase ASCII, digits and '_'.
bool looks_like_key(std::string_view s) {
  if (s.empty() || !std::islower(static_cast<unsigned char>(s[0])))
    return false;
  bool dot_before = false;
  bool has_dot = false;
  for (char c : s) {
    if (c == '.') {
      if (dot_before)
        return false;
      dot_before = has_dot = true;
    } else if (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c))
               || c == '_') {
      dot_before = false;
    } else {
      return false;
    }
  }
  return has_dot && !dot_before;
}

/// The function whose parenthesis encloses the end of `code`, or "".
std::string enclosing_call(std::string_view code) {
  int depth = 0;
  for (auto i = code.size(); i-- > 0;) {
    if (code[i] == ')') {
      ++depth;
    } else if (code[i] == '(' && depth-- == 0) {
      auto end = i;
      while (end > 0 && code[end - 1] == ' ')
        --end;
      auto begin = end;
      while (begin > 0 && ident_char(code[begin - 1]))
        --begin;
      return std::string{code.substr(begin, end - begin)};
    }
  }
  return {};
}

/// The message keys named by string literals in C++ `source`, each with
/// "file:line" of its first use. Comments, character literals and raw
/// strings are skipped.
std::map<std::string, std::string> keys_in_source(std::string_view source, const std::string& file,
                                                  const std::set<std::string>& namespaces) {
  std::map<std::string, std::string> found;
  std::string statement; // code since the last ';', '{' or '}', literals emptied
  int line = 1;
  auto skip_to = [&](std::size_t from, std::string_view end) {
    auto at = source.find(end, from);
    at = at == std::string_view::npos ? source.size() : at + end.size();
    for (auto k = from; k < at; ++k)
      line += source[k] == '\n';
    return at;
  };
  for (std::size_t i = 0; i < source.size();) {
    char c = source[i];
    bool after_ident = i > 0 && ident_char(source[i - 1]);
    if (source.compare(i, 2, "//") == 0) {
      i = skip_to(i, "\n");
      statement += ' ';
    } else if (source.compare(i, 2, "/*") == 0) {
      i = skip_to(i, "*/");
    } else if (c == 'R' && i + 1 < source.size() && source[i + 1] == '"' && !after_ident) {
      auto open = source.find('(', i);
      if (open == std::string_view::npos)
        break;
      auto delimiter = ")" + std::string{source.substr(i + 2, open - i - 2)} + "\"";
      i = skip_to(open, delimiter);
      statement += "\"\"";
    } else if (c == '\'' && !after_ident) { // not a digit separator (1'000)
      auto k = i + 1;
      while (k < source.size() && source[k] != '\'' && source[k] != '\n')
        k += source[k] == '\\' ? 2 : 1;
      i = k < source.size() && source[k] == '\'' ? k + 1 : k;
      statement += "' '";
    } else if (c == '"') {
      auto k = i + 1;
      while (k < source.size() && source[k] != '"' && source[k] != '\n')
        k += source[k] == '\\' ? 2 : 1;
      auto text = source.substr(i + 1, k - i - 1);
      if (looks_like_key(text)) {
        auto space = std::string{text.substr(0, text.find('.'))};
        if (namespaces.count(space) || key_taking_calls.count(enclosing_call(statement)))
          found.emplace(std::string{text}, file + ":" + std::to_string(line));
      }
      i = k < source.size() && source[k] == '"' ? k + 1 : k;
      statement += "\"\"";
    } else {
      if (c == ';' || c == '{' || c == '}')
        statement.clear();
      else
        statement += c == '\n' ? ' ' : c;
      line += c == '\n';
      ++i;
    }
  }
  return found;
}

/// Every key the production source tree names (see keys_in_source).
std::map<std::string, std::string> keys_used_by_the_bot(const std::set<std::string>& namespaces) {
  namespace fs = std::filesystem;
  const fs::path root{LASTGRAM_SOURCE_DIR};
  std::map<std::string, std::string> all;
  for (const char* folder : {"actors", "i18n", "messages", "platforms", "runtime"}) {
    REQUIRE(fs::is_directory(root / folder));
    for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
      auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h"))
        continue;
      std::ifstream in{entry.path(), std::ios::binary};
      std::stringstream text;
      text << in.rdbuf();
      auto name = fs::relative(entry.path(), root).string();
      for (auto& [key, where] : keys_in_source(text.str(), name, namespaces))
        all.emplace(key, where);
    }
  }
  return all;
}

/// The first segments of the English keys ("errors", "guard", ...).
std::set<std::string> namespaces_of(const locale_messages& messages) {
  std::set<std::string> out;
  for (const auto& [key, pattern] : messages.at("en"))
    out.insert(key.substr(0, key.find('.')));
  return out;
}

} // namespace

TEST_CASE("the key scan finds keys at the calls that take them and in known namespaces",
          "[i18n][keys]") {
  const std::set<std::string> namespaces{"errors", "np"};
  auto found = keys_in_source(R"cpp(
    // "errors.in_a_comment" is prose, not code
    /* "errors.in_a_block" neither */
    auto a = texts.format(lang, "brand_new.message", {{"n", 1}});
    run.reply_text("other_new.reply");
    return fail("guard_like.refusal", f.name);
    auto key = timed_out ? "errors.timeout"
                         : "errors.generic";
    const char* focus = v.track ? "np.scrobbles" : "np.album_plays";
    constexpr std::string_view offset_key = "telegram.offset";
    if (method == "user.getinfo") return 1'000'000;
    char quote = '"'; auto after = "errors.after_a_quote";
    auto raw = R"x("errors.in_a_raw_string")x";
    log::warn("command", "busy.not_a_key");
  )cpp",
                              "sample.cpp", namespaces);
  std::set<std::string> keys;
  for (auto& [key, where] : found)
    keys.insert(key);
  CHECK(keys == std::set<std::string>{"brand_new.message", "other_new.reply",
                                      "guard_like.refusal", "errors.timeout", "errors.generic",
                                      "np.scrobbles", "np.album_plays", "errors.after_a_quote"});
  CHECK(found["errors.generic"] == "sample.cpp:8");
}

TEST_CASE("every key the source names is in every shipped locale and formats fully",
          "[i18n][keys]") {
  auto loaded = catalog::load(real_locales());
  INFO(loaded.error);
  REQUIRE(loaded);
  auto messages = read_locales(real_locales());
  auto used = keys_used_by_the_bot(namespaces_of(messages));
  // The scan really sees the code: keys from a guard call, a ternary, a table
  // in i18n/ and an engine's error mapping, and many in all.
  CHECK(used.size() >= 60);
  for (auto known : {"guard.registered", "np.scrobbles", "np.album_plays", "duration.days",
                     "errors.storage_unavailable", "fm.suspended_key", "settings.tags_hide"})
    CHECK(used.count(known) == 1);
  for (const auto& [key, where] : used) {
    INFO("used at " << where);
    check_translated(*loaded.value, messages, key);
  }
}

TEST_CASE("every message of the catalog formats fully in every shipped language", "[i18n][keys]") {
  auto loaded = catalog::load(real_locales());
  INFO(loaded.error);
  REQUIRE(loaded);
  auto messages = read_locales(real_locales());
  REQUIRE(messages.count("en") == 1);
  CHECK(messages.size() >= 5);
  for (const auto& [key, pattern] : messages.at("en"))
    check_translated(*loaded.value, messages, key);
}
