#include "bench/groups_scale_data.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <unordered_set>

namespace lastgram::bench {

namespace {

// Words that names are built from: every artist index maps to one
// combination (prefix, adjective, noun, suffix), so names are distinct and
// read like band names.
const char* const prefixes[] = {"", "The ", "DJ ", "Los ", "Die ", "MC ", "Lil ", "Saint ",
                                "Le ", "Big "};
const char* const adjectives[] = {
  "Black",  "Silver", "Velvet", "Electric", "Golden",  "Broken",  "Silent", "Crimson",
  "Neon",   "Hollow", "Wild",   "Lunar",    "Frozen",  "Burning", "Sacred", "Distant",
  "Little", "Empty",  "Paper",  "Glass",    "Iron",    "Cosmic",  "Midnight", "Blue",
  "Rusty",  "Tender", "Savage", "Northern", "Southern", "Hidden", "Lonely", "Royal",
  "Sonic",  "Purple", "Quiet",  "Stone",    "Sugar",   "Violent", "Young",  "Ancient"};
const char* const nouns[] = {
  "Keys",    "Wolves",  "Lights",  "Tigers",  "Rivers",  "Mirrors", "Ghosts",  "Hearts",
  "Kings",   "Machines", "Echoes", "Horses",  "Flowers", "Shadows", "Saints",  "Waves",
  "Pilots",  "Sparrows", "Engines", "Dreams", "Comets",  "Bones",   "Lions",   "Foxes",
  "Monks",   "Sisters", "Brothers", "Oceans", "Towers",  "Rockets", "Giants",  "Strangers",
  "Thieves", "Poets",   "Lovers",  "Drifters", "Owls",   "Vultures", "Cities", "Islands",
  "Clouds",  "Storms",  "Angels",  "Mountains", "Parade", "Circus", "Garden",  "Empire",
  "Radio",   "Republic"};
const char* const suffixes[] = {"",       " Band",  " Collective", " Orchestra", " Trio",
                                " & Friends", " Project", " Club",   " Quartet",  " Sound"};
const char* const title_a[] = {"Songs of", "Return to", "Night in", "Letters from", "Dancing in",
                               "Lost in",  "Blue",      "Heavy",    "Sweet",        "Strange",
                               "Last",     "First",     "Modern",   "Endless",      "Summer",
                               "Winter",   "Burning",   "Golden",   "Secret",       "Little"};
const char* const title_b[] = {"Paris",   "the Dark", "Tokyo",  "Love",    "Youth",
                               "Gold",    "Hearts",   "Rain",   "Fire",    "Memories",
                               "Machines", "Heaven",  "Static", "Silence", "Water",
                               "Days",    "Lights",   "Ghosts", "Roads",   "Skies"};

template <class T, std::size_t N>
constexpr std::size_t count(const T (&)[N]) {
  return N;
}

std::string artist_name(std::int64_t i) {
  const auto a = static_cast<std::int64_t>(count(adjectives));
  const auto n = static_cast<std::int64_t>(count(nouns));
  const auto p = static_cast<std::int64_t>(count(prefixes));
  const auto s = static_cast<std::int64_t>(count(suffixes));
  std::string out = prefixes[(i / (a * n)) % p];
  out += adjectives[i % a];
  out += ' ';
  out += nouns[(i / a) % n];
  out += suffixes[(i / (a * n * p)) % s];
  if (i >= a * n * p * s)
    out += " " + std::to_string(i / (a * n * p * s) + 1);
  return out;
}

// A title that differs for each `k` of one artist (k < 10).
std::string title(std::int64_t artist, std::int64_t k, std::int64_t step) {
  const auto na = static_cast<std::int64_t>(count(title_a));
  const auto nb = static_cast<std::int64_t>(count(title_b));
  std::int64_t t = (artist + k * step) % (na * nb);
  return std::string{title_a[t % na]} + " " + title_b[t / na];
}

// Cumulative Zipf weights 1/(r+1)^s over n ranks, normalized to 1.
std::vector<double> zipf_cdf(std::int64_t n, double s) {
  std::vector<double> cdf(static_cast<std::size_t>(n));
  double sum = 0;
  for (std::int64_t r = 0; r < n; ++r)
    cdf[static_cast<std::size_t>(r)] = sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
  for (auto& x : cdf)
    x /= sum;
  return cdf;
}

} // namespace

scale_world::scale_world(const scale_spec& spec)
  : spec_(spec),
    stride_(std::max(1, spec.users / std::max(1, spec.members))),
    artist_cdf_(zipf_cdf(spec.artists, 1.0)),
    album_cdf_(zipf_cdf(3LL * spec.artists, 1.0)),
    track_cdf_(zipf_cdf(10LL * spec.artists, 1.0)) {
}

entity_name scale_world::entity(std::int64_t id) const {
  const std::int64_t a = spec_.artists;
  std::int64_t i = id - 1;
  if (i < a)
    return {"artist", artist_name(i), ""};
  if (i < 4 * a) {
    std::int64_t j = i - a;
    return {"album", title(j / 3, j % 3, 101), artist_name(j / 3)};
  }
  std::int64_t j = i - 4 * a;
  return {"track", title(j / 10, j % 10, 37), artist_name(j / 10)};
}

// `per_kind` distinct entities of one kind; the n-th drawn gets
// scale / (n+1)^0.8 plays (times noise), so a user's favourites have
// hundreds or thousands of plays and the tail a handful.
void scale_world::draw(std::mt19937_64& rng, const std::vector<double>& cdf, std::int64_t first_id,
                       double scale, std::vector<play_row>& out) const {
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::unordered_set<std::int64_t> seen;
  int want = std::min<int>(spec_.per_kind, static_cast<int>(cdf.size()));
  seen.reserve(static_cast<std::size_t>(want) * 2);
  while (static_cast<int>(seen.size()) < want) {
    auto it = std::lower_bound(cdf.begin(), cdf.end(), u01(rng));
    auto r = std::min<std::int64_t>(std::distance(cdf.begin(), it),
                                    static_cast<std::int64_t>(cdf.size()) - 1);
    if (!seen.insert(r).second)
      continue;
    double n = static_cast<double>(seen.size());
    double plays = scale / std::pow(n, 0.8) * (0.5 + u01(rng));
    out.push_back(play_row{first_id + r, std::max<std::int64_t>(1, std::llround(plays))});
  }
}

std::vector<play_row> scale_world::library(int u) const {
  std::mt19937_64 rng{spec_.seed * 1000003ULL + static_cast<std::uint64_t>(u)};
  // Heavy and light listeners: a per-user level between 300 and 6,000.
  double level = 300.0 * std::pow(20.0, std::uniform_real_distribution<double>(0, 1)(rng));
  std::vector<play_row> out;
  out.reserve(3 * static_cast<std::size_t>(spec_.per_kind));
  draw(rng, artist_cdf_, artist_id(0), level, out);
  draw(rng, album_cdf_, album_id(0), level / 3, out);
  draw(rng, track_cdf_, track_id(0), level / 10, out);
  std::sort(out.begin(), out.end(),
            [](const play_row& x, const play_row& y) { return x.entity < y.entity; });
  return out;
}

std::vector<generated_crown> scale_world::crowns() const {
  std::map<std::int64_t, generated_crown> best;
  for (int u = 1; u <= spec_.users; ++u) {
    if (!member(u))
      continue;
    for (const auto& row : library(u)) {
      if (row.entity > spec_.artists)
        break; // sorted: the artists come first
      auto& b = best[row.entity];
      if (row.plays > b.plays) // ascending users: ties keep the lower id
        b = generated_crown{row.entity, u, row.plays};
    }
  }
  std::vector<generated_crown> out;
  for (const auto& [id, c] : best)
    if (c.plays >= 30)
      out.push_back(c);
  return out;
}

} // namespace lastgram::bench
