#pragma once

/// The indexer's pure logic: which page comes next, what a fetched page
/// changes in the index state, and how recent scrobbles add up. No actors,
/// no clock (times are passed in), so each rule has its own test.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "messages/fm.hpp"
#include "messages/library.hpp"
#include "messages/settings.hpp"

namespace lastgram::indexer {

/// One Last.fm page to fetch.
struct page_step {
  entity_kind kind = entity_kind::artist;
  std::int32_t page = 1;
};

/// How many entries of `kind` are indexed at most; 0 means all (artists).
std::int64_t depth_of(entity_kind kind, const indexer_settings& cfg);

/// The top list Last.fm calls `kind`.
fm::top_kind top_kind_of(entity_kind kind);

/// The kind indexed after `kind`, skipping kinds of depth 0; none after the
/// last.
std::optional<entity_kind> next_kind(entity_kind kind, const indexer_settings& cfg);

/// The page of `s.kind` to fetch next for a running index, or none when the
/// kind is complete (every page, or its depth, is staged).
std::optional<page_step> next_page(const index_state& s, const indexer_settings& cfg);

/// The state of a new full index, keeping what the last
/// one learned (scrobbles, last scrobble, request time).
index_state fresh_index(const index_state& old);

/// Turns a fetched page into library items (trimmed to the kind's depth) and
/// advances `s` past it: page, total pages, items done and total.
std::vector<library_item> take_page(index_state& s, const fm::top_list& list,
                                    const indexer_settings& cfg);

/// Moves `s` on to the next kind after its current kind was switched in;
/// false when there is none (the full index is complete).
bool advance_kind(index_state& s, const indexer_settings& cfg);

/// Marks `s` done at `now` with the user's scrobble total and newest
/// scrobble time; the next full index is due `interval_hours` later.
void finish_index(index_state& s, std::int64_t now, std::int64_t scrobbles,
                  std::int64_t last_scrobble_at, const indexer_settings& cfg);

/// The rule that makes libraries of users active in groups due sooner at
/// `now`: active means a group command within the last `interval_hours`,
/// due means a last full index `active_interval_hours` old. Off (zeros) when
/// the active interval is not shorter than the normal one.
due_soon active_due_rule(std::int64_t now, const indexer_settings& cfg);

/// Scrobbles counted per artist, album and track (recent tracks between two
/// indexes), newest first as Last.fm lists them; a now-playing track is not
/// a scrobble and is skipped.
struct scrobble_counts {
  std::vector<library_item> artists;
  std::vector<library_item> albums;
  std::vector<library_item> tracks;
  /// The newest scrobble's time, 0 when there was none.
  std::int64_t newest = 0;
  std::int64_t count = 0;
};

scrobble_counts count_scrobbles(const std::vector<fm::track>& tracks);

/// "3,000 of 7,412" style progress of a running index, as numbers: how many
/// entries of the current kind are staged and how many Last.fm lists.
std::pair<std::int64_t, std::int64_t> progress_of(const index_state& s,
                                                  const indexer_settings& cfg);

/// Known artist corrections: folded name -> the name Last.fm files the
/// artist under (store::artist_corrections).
using correction_map = std::unordered_map<std::string, std::string>;

/// The artist names entries of `kind` mention (an artist's own name, an
/// album's or track's artist), each once by folded name, in list order.
std::vector<std::string> artist_names(entity_kind kind, const std::vector<library_item>& items);

/// The first `budget` of `names` whose correction `known` lacks.
std::vector<std::string> unknown_names(const std::vector<std::string>& names,
                                       const correction_map& known, std::int64_t budget);

/// Renames the artists of `items` (entries of `kind`) to the names Last.fm
/// files them under, where `known` has one; the store then adds together
/// entries that now share a name.
void apply_corrections(entity_kind kind, std::vector<library_item>& items,
                       const correction_map& known);

} // namespace lastgram::indexer
