#include "actors/command/commands/collage_options.hpp"

#include <algorithm>
#include <cctype>

#include "actors/support/text.hpp"

namespace lastgram::command::collage {

namespace {

/// The unit of a period written with a number ("3 months", "7d").
enum class unit : std::uint8_t { days, weeks, months, years };

bool in(std::string_view word, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

std::optional<unit> unit_of(std::string_view w) {
  if (in(w, {"d", "day", "days"}))
    return unit::days;
  if (in(w, {"w", "wk", "week", "weeks"}))
    return unit::weeks;
  if (in(w, {"m", "mo", "month", "months"}))
    return unit::months;
  if (in(w, {"y", "yr", "year", "years"}))
    return unit::years;
  return std::nullopt;
}

/// A length Last.fm has a period for.
struct period_length {
  std::int32_t n;
  unit u;
  fm::period range;
};

constexpr period_length period_lengths[] = {
  {7, unit::days, fm::period::seven_day},       {1, unit::weeks, fm::period::seven_day},
  {30, unit::days, fm::period::one_month},      {1, unit::months, fm::period::one_month},
  {90, unit::days, fm::period::three_month},    {3, unit::months, fm::period::three_month},
  {180, unit::days, fm::period::six_month},     {6, unit::months, fm::period::six_month},
  {365, unit::days, fm::period::twelve_month},  {12, unit::months, fm::period::twelve_month},
  {1, unit::years, fm::period::twelve_month},
};

/// The Last.fm period `n` `u` long; nothing for lengths Last.fm has no
/// period for (e.g. 2 months).
std::optional<fm::period> period_of(std::int32_t n, unit u) {
  for (const auto& l : period_lengths)
    if (l.n == n && l.u == u)
      return l.range;
  return std::nullopt;
}

/// Leading digits of `w` as a number (capped, so that "99999999999" is
/// just too big), and how many characters they take; nothing without one.
std::optional<std::pair<std::int32_t, std::size_t>> leading_number(std::string_view w) {
  std::size_t i = 0;
  std::int32_t n = 0;
  while (i < w.size() && std::isdigit(static_cast<unsigned char>(w[i])) != 0) {
    n = std::min<std::int32_t>(n * 10 + (w[i] - '0'), 100000);
    ++i;
  }
  if (i == 0)
    return std::nullopt;
  return std::make_pair(n, i);
}

std::optional<std::int32_t> whole_number(std::string_view w) {
  auto n = leading_number(w);
  if (!n || n->second != w.size())
    return std::nullopt;
  return n->first;
}

std::optional<fm::top_kind> kind_of(std::string_view w) {
  if (in(w, {"artist", "artists", "art", "ar"}))
    return fm::top_kind::artists;
  if (in(w, {"album", "albums", "alb", "al"}))
    return fm::top_kind::albums;
  if (in(w, {"track", "tracks", "tra", "tr", "trk", "song", "songs"}))
    return fm::top_kind::tracks;
  return std::nullopt;
}

/// A period in one word: Last.fm's names, the words for a whole period,
/// or a number glued to its unit ("1m", "3months", "7d").
std::optional<fm::period> period_word(std::string_view w) {
  if (auto p = fm::period_from_string(w))
    return p;
  if (in(w, {"all", "alltime", "all-time", "ever"}))
    return fm::period::overall;
  if (in(w, {"week", "weekly"}))
    return fm::period::seven_day;
  if (in(w, {"month", "monthly"}))
    return fm::period::one_month;
  if (in(w, {"quarter"}))
    return fm::period::three_month;
  if (in(w, {"year", "yearly"}))
    return fm::period::twelve_month;
  auto n = leading_number(w);
  if (!n || n->second == w.size())
    return std::nullopt;
  auto u = unit_of(w.substr(n->second));
  return u ? period_of(n->first, *u) : std::nullopt;
}

/// A size: "5x5", "4X6", "5×5" or "5". Nothing when `w` is none of these.
std::optional<std::pair<std::int32_t, std::int32_t>> size_word(std::string_view w) {
  if (auto n = whole_number(w))
    return std::make_pair(*n, *n);
  auto first = leading_number(w);
  if (!first)
    return std::nullopt;
  auto rest = w.substr(first->second);
  for (std::string_view sep : {"x", "*", "\xC3\x97"}) // "×" in UTF-8
    if (rest.substr(0, sep.size()) == sep) {
      auto second = whole_number(rest.substr(sep.size()));
      if (second)
        return std::make_pair(first->first, *second);
    }
  return std::nullopt;
}

bool fits(std::int32_t side) {
  return side >= 1 && side <= max_side;
}

/// One word (or a number and the unit after it) applied to `out`; how many
/// words it took, or 0 when it is not understood.
std::size_t apply(parsed_options& out, const std::vector<std::string>& words, std::size_t i,
                  bool with_size) {
  auto& opts = out.opts;
  const auto& word = words[i];
  auto w = to_lower_ascii(word);
  if (w.rfind(user_prefix, 0) == 0 && w.size() > user_prefix.size()) {
    opts.user = word.substr(user_prefix.size());
    return 1;
  }
  if (in(w, {"labels", "label"}) || in(w, {"nolabels", "nolabel", "no-labels"})) {
    opts.labels = w.rfind("no", 0) != 0;
    return 1;
  }
  if (auto k = kind_of(w)) {
    opts.kind = *k;
    return 1;
  }
  if (auto p = period_word(w)) {
    opts.range = *p;
    return 1;
  }
  // "3 months": a number followed by its unit is a period, not a size.
  auto n = whole_number(w);
  auto next_unit = i + 1 < words.size() ? unit_of(to_lower_ascii(words[i + 1])) : std::nullopt;
  if (n && next_unit) {
    auto p = period_of(*n, *next_unit);
    if (!p)
      return 0;
    opts.range = *p;
    return 2;
  }
  auto size = with_size ? size_word(w) : std::nullopt;
  if (!size)
    return 0;
  if (!fits(size->first) || !fits(size->second)) {
    out.problem = options_problem{options_problem::reason::bad_size, word};
    return 1;
  }
  opts.columns = size->first;
  opts.rows = size->second;
  return 1;
}

} // namespace

parsed_options parse_options(const std::vector<std::string>& words, bool with_size) {
  parsed_options out;
  for (std::size_t i = 0; i < words.size() && !out.problem;) {
    // An option left out (Discord's named options keep their places).
    if (words[i].empty()) {
      ++i;
      continue;
    }
    auto took = apply(out, words, i, with_size);
    if (took == 0) {
      auto value = words[i];
      // Name both words of a period Last.fm has no match for ("2 months").
      if (i + 1 < words.size() && whole_number(value) && unit_of(to_lower_ascii(words[i + 1])))
        value += " " + words[i + 1];
      out.problem = options_problem{options_problem::reason::unknown_word, std::move(value)};
    }
    i += took;
  }
  return out;
}

std::vector<std::string> to_words(const options& opts, bool with_size) {
  std::vector<std::string> out;
  if (with_size)
    out.push_back(std::to_string(opts.columns) + "x" + std::to_string(opts.rows));
  out.emplace_back(fm::to_string(opts.kind));
  out.emplace_back(fm::to_string(opts.range));
  out.emplace_back(opts.labels ? "labels" : "nolabels");
  if (!opts.user.empty())
    out.push_back(std::string{user_prefix} + opts.user);
  return out;
}

std::string size_text(std::int32_t columns, std::int32_t rows) {
  return std::to_string(columns) + "\xC3\x97" + std::to_string(rows);
}

} // namespace lastgram::command::collage
