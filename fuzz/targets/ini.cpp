// The INI configuration reader: a whole file, a --set value, and quoting
// (what `config show` prints must read back as the same string).

#include "fuzz/targets.hpp"

#include <algorithm>

#include "runtime/ini_reader.hpp"

namespace lastgram::fuzz {

namespace {

void check_value(const runtime::ini_value& v, int depth) {
  (void) runtime::value_problem(v);
  require(v.type == runtime::ini_value::kind::list || v.items.empty(), "ini",
          "a scalar with list items");
  require(depth < 64, "ini", "lists nested implausibly deep");
  for (const auto& item : v.items)
    check_value(item, depth + 1);
}

void round_trip(std::string_view text) {
  auto quoted = runtime::ini_quote(text);
  runtime::ini_reader reader(quoted);
  runtime::ini_value back;
  auto problem = reader.read_single(back);
  require(!problem, "ini", "a quoted string does not read back: " + problem.value_or(""));
  require(back.type == runtime::ini_value::kind::quoted && back.text == text, "ini",
          "a quoted string reads back different");
}

} // namespace

void fuzz_ini(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<runtime::ini_item> items;
  std::vector<runtime::ini_syntax_error> errors;
  runtime::ini_reader(text).read_file(items, errors);
  const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& item : items) {
    require(item.line >= 1 && item.line <= lines, "ini", "an item on a line that does not exist");
    check_value(item.value, 0);
  }
  for (const auto& error : errors)
    require(error.line >= 1 && error.line <= lines, "ini", "an error on a line that does not exist");
  runtime::ini_value single;
  if (!runtime::ini_reader(text).read_single(single)) {
    check_value(single, 0);
    if (single.type != runtime::ini_value::kind::list)
      round_trip(single.text);
  }
  round_trip(text);
}

} // namespace lastgram::fuzz
