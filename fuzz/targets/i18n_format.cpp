// Property: formatting any message in any language with hostile argument
// values (wrong types, huge or NaN numbers, invalid UTF-8, unknown names,
// more arguments than the stack buffer) never throws and answers UTF-8.

#include "fuzz/targets.hpp"

#include <array>
#include <limits>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <rapidjson/document.h>

#include "i18n/catalog.hpp"

namespace lastgram::fuzz {

namespace {

constexpr std::string_view target = "i18n_format";

struct message {
  std::string key;
  /// The names between '{' and ',' or '}' in the English pattern.
  std::vector<std::string> names;
};

std::vector<std::string> placeholder_names(std::string_view pattern) {
  std::vector<std::string> names;
  for (std::size_t i = 0; (i = pattern.find('{', i)) != std::string_view::npos;) {
    auto end = pattern.find_first_of(",}", ++i);
    if (end == std::string_view::npos)
      break;
    auto name = pattern.substr(i, end - i);
    if (!name.empty() && name.find_first_of(" {") == std::string_view::npos)
      names.emplace_back(name);
  }
  return names;
}

const std::vector<message>& messages() {
  static const std::vector<message> all = [] {
    std::ifstream file(std::string(locales_dir()) + "/en.json");
    std::stringstream buf;
    buf << file.rdbuf();
    rapidjson::Document doc;
    doc.Parse(buf.str().c_str());
    if (doc.HasParseError() || !doc.IsObject())
      throw std::runtime_error("cannot read en.json");
    std::vector<message> out;
    for (const auto& m : doc.GetObject())
      if (m.value.IsString())
        out.push_back({m.name.GetString(), placeholder_names(m.value.GetString())});
    return out;
  }();
  return all;
}

i18n::arg_value read_value(input& in) {
  switch (in.byte() % 4) {
    case 0:
      return static_cast<std::int64_t>(in.u64());
    case 1: {
      auto bits = in.u64();
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 2: {
      using limits = std::numeric_limits<double>;
      static constexpr double specials[] = {
        limits::quiet_NaN(), limits::infinity(), -limits::infinity(), limits::max(),
        -0.0, limits::denorm_min()};
      return specials[in.byte() % std::size(specials)];
    }
    default:
      return in.short_text();
  }
}

// Calls format with the first `n` of `args` (an initializer_list cannot be
// built at run time, hence the switch).
std::string format_with(const i18n::catalog& texts, std::string_view lang, std::string_view key,
                        const std::array<i18n::arg, 10>& a, std::size_t n) {
  switch (n) {
    case 0: return texts.format(lang, key);
    case 1: return texts.format(lang, key, {a[0]});
    case 2: return texts.format(lang, key, {a[0], a[1]});
    case 3: return texts.format(lang, key, {a[0], a[1], a[2]});
    case 4: return texts.format(lang, key, {a[0], a[1], a[2], a[3]});
    case 5: return texts.format(lang, key, {a[0], a[1], a[2], a[3], a[4]});
    case 6: return texts.format(lang, key, {a[0], a[1], a[2], a[3], a[4], a[5]});
    case 7: return texts.format(lang, key, {a[0], a[1], a[2], a[3], a[4], a[5], a[6]});
    case 8: return texts.format(lang, key, {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]});
    case 9:
      return texts.format(lang, key, {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]});
    default:
      return texts.format({lang, "en"}, key,
                          {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]});
  }
}

} // namespace

void fuzz_i18n_format(const std::uint8_t* data, std::size_t size) {
  const auto& texts = locale_catalog();
  const auto languages = texts.languages();
  input in(data, size);
  const auto hint = in.short_text(16);
  const auto pick = in.byte();
  std::string lang = pick < languages.size() * 40 ? languages[pick % languages.size()] : hint;
  const auto& msg = messages()[(in.byte() * 256u + in.byte()) % messages().size()];
  const std::size_t count = in.byte() % 11;
  std::array<std::string, 10> names;
  std::array<i18n::arg, 10> args;
  for (std::size_t i = 0; i < count; ++i) {
    auto choice = in.byte();
    names[i] = !msg.names.empty() && choice < 224 ? msg.names[choice % msg.names.size()]
                                                  : in.short_text(16);
    args[i] = {names[i], read_value(in)};
  }
  auto answer = format_with(texts, lang, msg.key, args, count);
  require(valid_utf8(answer), target, "an answer that is not UTF-8: " + msg.key);
  auto resolved = texts.resolve_language(hint);
  require(resolved.empty() || texts.has(resolved), target, "resolved to an unknown language");
  (void) texts.language_name(hint);
  auto seconds = static_cast<std::int64_t>(in.u64());
  auto units = static_cast<int>(static_cast<std::int8_t>(in.byte()));
  auto duration = texts.format_duration(lang, std::chrono::seconds{seconds}, units);
  require(valid_utf8(duration), target, "a duration that is not UTF-8");
}

} // namespace lastgram::fuzz
