#include "actors/indexer/plan.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>

#include "i18n/name_fold.hpp"

namespace lastgram::indexer {

std::int64_t depth_of(entity_kind kind, const indexer_settings& cfg) {
  switch (kind) {
    case entity_kind::album:
      return cfg.album_depth;
    case entity_kind::track:
      return cfg.track_depth;
    default:
      return 0;
  }
}

fm::top_kind top_kind_of(entity_kind kind) {
  switch (kind) {
    case entity_kind::album:
      return fm::top_kind::albums;
    case entity_kind::track:
      return fm::top_kind::tracks;
    default:
      return fm::top_kind::artists;
  }
}

std::optional<entity_kind> next_kind(entity_kind kind, const indexer_settings& cfg) {
  if (kind == entity_kind::artist && cfg.album_depth > 0)
    return entity_kind::album;
  if (kind != entity_kind::track && cfg.track_depth > 0)
    return entity_kind::track;
  return std::nullopt;
}

std::optional<page_step> next_page(const index_state& s, const indexer_settings& cfg) {
  if (s.page == 0)
    return page_step{s.kind, 1};
  if (s.page >= s.total_pages)
    return std::nullopt;
  auto depth = depth_of(s.kind, cfg);
  if (depth > 0 && s.items_done >= depth)
    return std::nullopt;
  return page_step{s.kind, s.page + 1};
}

index_state fresh_index(const index_state& old) {
  index_state s;
  s.user_id = old.user_id;
  s.status = index_status::running;
  s.kind = entity_kind::artist;
  s.scrobbles = old.scrobbles;
  s.last_full_at = old.last_full_at;
  s.last_scrobble_at = old.last_scrobble_at;
  s.next_due_at = old.next_due_at;
  s.requested_at = old.requested_at;
  s.artists_total = old.artists_total;
  return s;
}

std::vector<library_item> take_page(index_state& s, const fm::top_list& list,
                                    const indexer_settings& cfg) {
  auto depth = depth_of(s.kind, cfg);
  std::vector<library_item> items;
  items.reserve(list.items.size());
  for (const auto& x : list.items) {
    if (depth > 0 && s.items_done + static_cast<std::int64_t>(items.size()) >= depth)
      break;
    items.push_back(library_item{x.name, x.artist, x.playcount});
  }
  s.page = static_cast<std::int32_t>(std::max<std::int64_t>(list.page, s.page + 1));
  s.total_pages = static_cast<std::int32_t>(list.total_pages);
  s.items_done += static_cast<std::int64_t>(items.size());
  s.items_total = depth > 0 ? std::min(depth, list.total) : list.total;
  if (s.kind == entity_kind::artist)
    s.artists_total = list.total;
  return items;
}

bool advance_kind(index_state& s, const indexer_settings& cfg) {
  auto k = next_kind(s.kind, cfg);
  if (!k)
    return false;
  s.kind = *k;
  s.page = 0;
  s.total_pages = 0;
  s.items_done = 0;
  s.items_total = 0;
  return true;
}

void finish_index(index_state& s, std::int64_t now, std::int64_t scrobbles,
                  std::int64_t last_scrobble_at, const indexer_settings& cfg) {
  s.status = index_status::done;
  s.kind = entity_kind::artist;
  s.page = 0;
  s.total_pages = 0;
  s.items_done = 0;
  s.items_total = 0;
  s.scrobbles = scrobbles;
  s.last_full_at = now;
  s.last_scrobble_at = std::max(s.last_scrobble_at, last_scrobble_at);
  s.next_due_at = now + cfg.interval_hours * 3600;
}

due_soon active_due_rule(std::int64_t now, const indexer_settings& cfg) {
  if (cfg.active_interval_hours >= cfg.interval_hours)
    return {};
  return due_soon{now - cfg.interval_hours * 3600, now - cfg.active_interval_hours * 3600};
}

scrobble_counts count_scrobbles(const std::vector<fm::track>& tracks) {
  using key = std::pair<std::string, std::string>;
  using times = std::vector<std::int64_t>;
  std::map<key, times> artists;
  std::map<key, times> albums;
  std::map<key, times> tracks_by;
  scrobble_counts out;
  for (const auto& t : tracks) {
    if (t.now_playing || t.played_at == 0)
      continue;
    ++out.count;
    out.newest = std::max(out.newest, t.played_at);
    artists[{t.artist, std::string{}}].push_back(t.played_at);
    if (!t.album.empty())
      albums[{t.album, t.artist}].push_back(t.played_at);
    tracks_by[{t.name, t.artist}].push_back(t.played_at);
  }
  auto flatten = [](std::map<key, times>& m) {
    std::vector<library_item> v;
    v.reserve(m.size());
    for (auto& [k, at] : m) {
      auto n = static_cast<std::int64_t>(at.size());
      v.push_back(library_item{k.first, k.second, n, std::move(at)});
    }
    return v;
  };
  out.artists = flatten(artists);
  out.albums = flatten(albums);
  out.tracks = flatten(tracks_by);
  return out;
}

std::pair<std::int64_t, std::int64_t> progress_of(const index_state& s,
                                                  const indexer_settings&) {
  return {s.items_done, std::max(s.items_done, s.items_total)};
}

namespace {

std::string& artist_of(entity_kind kind, library_item& x) {
  return kind == entity_kind::artist ? x.name : x.artist;
}

const std::string& artist_of(entity_kind kind, const library_item& x) {
  return kind == entity_kind::artist ? x.name : x.artist;
}

} // namespace

std::vector<std::string> artist_names(entity_kind kind, const std::vector<library_item>& items) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& x : items) {
    const auto& name = artist_of(kind, x);
    if (auto key = i18n::fold_name(name); !key.empty() && seen.insert(key).second)
      out.push_back(name);
  }
  return out;
}

std::vector<std::string> unknown_names(const std::vector<std::string>& names,
                                       const correction_map& known, std::int64_t budget) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (static_cast<std::int64_t>(out.size()) >= budget)
      break;
    if (known.count(i18n::fold_name(n)) == 0)
      out.push_back(n);
  }
  return out;
}

void apply_corrections(entity_kind kind, std::vector<library_item>& items,
                       const correction_map& known) {
  for (auto& x : items) {
    auto& name = artist_of(kind, x);
    if (auto i = known.find(i18n::fold_name(name)); i != known.end() && !i->second.empty())
      name = i->second;
  }
}

} // namespace lastgram::indexer
